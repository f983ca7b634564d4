//! Kinds and their field schemas (LANGUAGE.md section 5): what each block kind may hold,
//! every field's value type, default and meaning. The compiler owns these tables; hover
//! and completion show them.

use crate::units::Dim;

/// The kind of a block.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Kind {
    /// A site (campus): the root of a physical plant.
    Site,
    /// A building on a site.
    Building,
    /// A data hall in a building.
    Hall,
    /// A row of racks in a hall.
    Row,
    /// A rack.
    Rack,
    /// A server or tray inside a rack.
    Node,
    /// A GPU.
    Gpu,
    /// A CPU.
    Cpu,
    /// A network interface.
    Nic,
    /// A switch.
    Switch,
    /// A pluggable transceiver.
    Optic,
    /// A cable medium.
    Medium,
    /// An AI model.
    Model,
    /// A campus link between two parts of the plant.
    Link,
    /// A scale-out network fabric.
    Fabric,
    /// An inference service.
    Inference,
    /// The load of an inference service.
    Load,
    /// The SLOs of an inference service.
    Slo,
    /// How an inference service is deployed.
    Serving,
    /// The prefill pool of a disaggregated inference service.
    Prefill,
    /// The decode pool of a disaggregated inference service.
    Decode,
    /// How a replica's GPUs split the model (tensor, pipeline, data, expert parallel).
    Parallelism,
    /// Speculative or multi-token-prediction decoding.
    Speculative,
    /// A training job.
    Training,
    /// A failure scenario: what fails, or a class of which any one may fail.
    Scenario,
}

/// How a kind's blocks behave at the top level.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// At the top level a block of this kind defines a reusable type.
    Type,
    /// Blocks of this kind are always instances and live at the top level.
    Instance,
    /// A nameless sub-record of its parent (`load {}`).
    SubRecord,
}

/// The type of a field's value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValueType {
    /// A quantity of this dimension.
    Quantity(Dim),
    /// A whole number of things (dimensionless, not negative).
    Count,
    /// A plain ratio (dimensionless).
    Ratio,
    /// `true` or `false`.
    Bool,
    /// A string.
    Str,
    /// One of these names.
    Enum(&'static [&'static str]),
    /// A type of this kind (`leaf = Q3450`).
    TypeOf(Kind),
    /// A path into the plant (`campus.b1.**.nic`).
    Path,
    /// A path into the plant or its generated network: an instance, a generated switch or
    /// rack by its canonical name (`campus.b1.h1.r[1].eor[1].scaleout_leaf[1]`), or a link.
    Target,
}

impl ValueType {
    /// How the type is described in messages and hover.
    pub fn describe(self) -> String {
        match self {
            ValueType::Quantity(dim) => format!("{} ({})", dim.name(), example_unit(dim)),
            ValueType::Count => "a whole number".into(),
            ValueType::Ratio => "a ratio (plain number or %)".into(),
            ValueType::Bool => "`true` or `false`".into(),
            ValueType::Str => "a string".into(),
            ValueType::Enum(options) => {
                let quoted: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
                format!("one of {}", quoted.join(", "))
            }
            ValueType::TypeOf(kind) => format!("a {} type", kind.name()),
            ValueType::Path => "a path into the plant".into(),
            ValueType::Target => "a path into the plant or its generated network".into(),
        }
    }
}

/// A unit users would write for a dimension, for messages (`kW` for power).
pub fn example_unit(dim: Dim) -> String {
    const PREFERRED: &[(Dim, &str)] = &[
        (Dim::POWER, "kW"),
        (Dim::ENERGY, "kWh"),
        (Dim::TIME, "ms"),
        (Dim::LENGTH, "m"),
        (Dim::INFORMATION, "GB"),
        (Dim::DATA_RATE, "Gb/s"),
        (Dim::COMPUTE_RATE, "TFLOP/s"),
        (Dim::OPERATIONS, "TFLOP"),
        (Dim::TOKENS, "tok"),
        (Dim::REQUESTS, "req"),
        (Dim::RACK_SPACE, "U"),
        (Dim::DELAY_PER_LENGTH, "us/km"),
        (Dim::TOKEN_RATE, "tok/s"),
        (Dim::REQUEST_RATE, "req/s"),
        (Dim::ENERGY_PER_TOKEN, "J/tok"),
        (Dim::INFORMATION_PER_TOKEN, "B/tok"),
    ];
    PREFERRED.iter().find(|(d, _)| *d == dim).map_or_else(|| dim.si_unit(), |(_, u)| (*u).to_string())
}

/// A default value, in SI base units for quantities.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Default {
    /// A number in SI base units.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// An enum option or a string.
    Text(&'static str),
}

/// One field of a kind.
#[derive(Clone, Copy, Debug)]
pub struct FieldSchema {
    /// The field's name.
    pub name: &'static str,
    /// Its value type.
    pub ty: ValueType,
    /// The value when the spec leaves it out.
    pub default: Option<Default>,
    /// Whether an instance must set it.
    pub required: bool,
    /// Whether it is a bound (`name <= limit`) rather than an assignment.
    pub bound: bool,
    /// What it means.
    pub doc: &'static str,
}

/// The schema of one kind.
#[derive(Debug)]
pub struct KindSchema {
    /// The kind.
    pub kind: Kind,
    /// Its keyword.
    pub name: &'static str,
    /// Top-level behaviour.
    pub role: Role,
    /// What it is.
    pub doc: &'static str,
    /// Its fields.
    pub fields: &'static [FieldSchema],
    /// Kinds of block it may contain.
    pub children: &'static [Kind],
}

impl KindSchema {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The NetBox cable types a medium can name (`cable_type`), with `_` for NetBox's `-`.
pub const CABLE_TYPES: &[&str] = &[
    "dac_passive",
    "dac_active",
    "aoc",
    "mmf",
    "mmf_om1",
    "mmf_om2",
    "mmf_om3",
    "mmf_om4",
    "mmf_om5",
    "smf",
    "smf_os1",
    "smf_os2",
    "cat5e",
    "cat6",
    "cat6a",
    "cat7",
    "cat8",
    "power",
];

const fn f(name: &'static str, ty: ValueType, doc: &'static str) -> FieldSchema {
    FieldSchema { name, ty, default: None, required: false, bound: false, doc }
}
const fn req(name: &'static str, ty: ValueType, doc: &'static str) -> FieldSchema {
    FieldSchema { name, ty, default: None, required: true, bound: false, doc }
}
const fn def(name: &'static str, ty: ValueType, default: Default, doc: &'static str) -> FieldSchema {
    FieldSchema { name, ty, default: Some(default), required: false, bound: false, doc }
}
const fn bound(name: &'static str, ty: ValueType, doc: &'static str) -> FieldSchema {
    FieldSchema { name, ty, default: None, required: false, bound: true, doc }
}

use ValueType::{Bool, Count, Path, Quantity as Q, Ratio, Str, TypeOf};

const POWER: ValueType = Q(Dim::POWER);
const TIME: ValueType = Q(Dim::TIME);
const LENGTH: ValueType = Q(Dim::LENGTH);
const RATE: ValueType = Q(Dim::DATA_RATE);
const UNITS: ValueType = Q(Dim::RACK_SPACE);

/// The fields of sites, buildings, halls and rows, followed by `$extra`.
macro_rules! plant_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            f("power_limit", POWER, "Limit on the IT power of everything inside."),
            f("pue", Ratio, "Power usage effectiveness: facility power / IT power."),
            f("facility_limit", POWER, "Limit on facility power (IT power × PUE); sites and buildings."),
            def("rack_width", LENGTH, Default::Number(0.6), "Distance between neighbouring racks in a row."),
            def("row_pitch", LENGTH, Default::Number(3.0), "Distance between neighbouring rows."),
            def("cable_slack", LENGTH, Default::Number(2.0), "Length each cable end adds (vertical run and service loop)."),
            f("utilization", Ratio, "Average fraction of IT power drawn over a year, for the annual energy figure."),
            $($extra),*
        ]
    };
}

const PLANT_FIELDS: &[FieldSchema] = plant_fields![];

/// A site's fields: the plant fields and the Kubernetes naming settings.
const SITE_FIELDS: &[FieldSchema] = plant_fields![
    def("k8s_label_prefix", Str, Default::Text(K8S_LABEL_PREFIX), "Prefix of the Kubernetes node topology labels (`<prefix>/rack`)."),
    def(
        "hostname_format",
        Str,
        Default::Text(HOSTNAME_FORMAT),
        "Kubernetes node names: `{site}` `{building}` `{hall}` `{row}` `{rack}` `{node}` (names made DNS-safe) or `{path}`.",
    ),
];

/// The default `k8s_label_prefix`.
pub const K8S_LABEL_PREFIX: &str = "topology.fabric-lang.org";
/// The default `hostname_format`: the node's path below the site (`b1-h1-r1-k1-tray1`).
pub const HOSTNAME_FORMAT: &str = "{building}-{hall}-{row}-{rack}-{node}";

/// Every kind's schema, in [`Kind`] order.
pub static SCHEMAS: &[KindSchema] = &[
    KindSchema {
        kind: Kind::Site,
        name: "site",
        role: Role::Instance,
        doc: "A site or campus: the root of a physical plant.",
        fields: SITE_FIELDS,
        children: &[Kind::Building],
    },
    KindSchema {
        kind: Kind::Building,
        name: "building",
        role: Role::Type,
        doc: "A building on a site.",
        fields: PLANT_FIELDS,
        children: &[Kind::Hall],
    },
    KindSchema {
        kind: Kind::Hall,
        name: "hall",
        role: Role::Type,
        doc: "A data hall: rows of racks under one power envelope.",
        fields: PLANT_FIELDS,
        children: &[Kind::Row],
    },
    KindSchema {
        kind: Kind::Row,
        name: "row",
        role: Role::Type,
        doc: "A row of racks, in physical order.",
        fields: PLANT_FIELDS,
        children: &[Kind::Rack],
    },
    KindSchema {
        kind: Kind::Rack,
        name: "rack",
        role: Role::Type,
        doc: "A rack: nodes and switches under one power limit.",
        fields: &[
            def("units", UNITS, Default::Number(48.0), "Rack space for devices."),
            f("power_limit", POWER, "Limit on the rack's IT power."),
            def("nvlink_domain", Bool, Default::Bool(false), "Whether the rack's GPUs form one NVLink domain."),
        ],
        children: &[Kind::Node, Kind::Switch],
    },
    KindSchema {
        kind: Kind::Node,
        name: "node",
        role: Role::Type,
        doc: "A server or tray: GPUs, CPUs and NICs.",
        fields: &[
            f("power", POWER, "The node's own draw besides its GPUs, CPUs and NICs."),
            def("units", UNITS, Default::Number(1.0), "Rack space the node takes."),
            f("vendor", Str, "Manufacturer (NetBox `manufacturer` in the cabling plan)."),
        ],
        children: &[Kind::Gpu, Kind::Cpu, Kind::Nic, Kind::Switch],
    },
    KindSchema {
        kind: Kind::Gpu,
        name: "gpu",
        role: Role::Type,
        doc: "A GPU.",
        fields: &[
            f("power", POWER, "Board power (TDP/TGP)."),
            f("memory", Q(Dim::INFORMATION), "HBM capacity."),
            f("memory_bw", RATE, "HBM bandwidth."),
            f("nvlink_bw", RATE, "NVLink bandwidth per GPU (bidirectional)."),
            f("fp8", Q(Dim::COMPUTE_RATE), "Dense FP8 throughput."),
            f("fp4", Q(Dim::COMPUTE_RATE), "Dense FP4 throughput."),
            f("bf16", Q(Dim::COMPUTE_RATE), "Dense BF16 throughput."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Cpu,
        name: "cpu",
        role: Role::Type,
        doc: "A CPU.",
        fields: &[f("power", POWER, "Power draw."), f("cores", Count, "Core count."), f("memory", Q(Dim::INFORMATION), "Attached memory.")],
        children: &[],
    },
    KindSchema {
        kind: Kind::Nic,
        name: "nic",
        role: Role::Type,
        doc: "A network interface (NIC, SuperNIC or DPU).",
        fields: &[
            f("power", POWER, "Power draw."),
            f("speed", RATE, "Line rate per port."),
            def("ports", Count, Default::Number(1.0), "Network ports."),
            f("latency", TIME, "Latency the NIC adds to a one-way path."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Switch,
        name: "switch",
        role: Role::Type,
        doc: "A switch.",
        fields: &[
            f("power", POWER, "Power draw, including co-packaged optics where `optics = cpo`."),
            f("ports", Count, "Port count (radix)."),
            f("port_speed", RATE, "Line rate per port."),
            f("latency", TIME, "Port-to-port latency."),
            def(
                "optics",
                ValueType::Enum(&["pluggable", "cpo"]),
                Default::Text("pluggable"),
                "Pluggable transceivers or co-packaged optics.",
            ),
            f("units", UNITS, "Rack space the switch takes."),
            f("vendor", Str, "Manufacturer (NetBox `manufacturer` in the cabling plan)."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Optic,
        name: "optic",
        role: Role::Type,
        doc: "A pluggable transceiver.",
        fields: &[
            f("power", POWER, "Power per transceiver."),
            f("speed", RATE, "Line rate."),
            f("reach", LENGTH, "Longest supported cable."),
            f("latency", TIME, "Latency the transceiver adds."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Medium,
        name: "medium",
        role: Role::Type,
        doc: "A cable medium: DAC, AEC, AOC, MMF, SMF, hollow-core fibre.",
        fields: &[
            f("reach", LENGTH, "Longest supported cable."),
            f("delay", Q(Dim::DELAY_PER_LENGTH), "Propagation delay per length."),
            def("needs_optic", Bool, Default::Bool(false), "Whether each end needs a pluggable transceiver."),
            f("optic", TypeOf(Kind::Optic), "The transceiver used at each end, where one is needed."),
            f("end_power", POWER, "Power each end of an active cable draws (for example linear active copper)."),
            f("cable_type", ValueType::Enum(CABLE_TYPES), "NetBox cable type, with `_` for `-` (`smf_os2` is `smf-os2`)."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Model,
        name: "model",
        role: Role::Type,
        doc: "An AI model served by inference services.",
        fields: &[
            f("params", Count, "Total parameters."),
            f("active_params", Count, "Parameters active per token (MoE); equals params for dense models."),
            f("kv_bytes_per_token", Q(Dim::INFORMATION_PER_TOKEN), "KV-cache size per token of context."),
            f("context", Q(Dim::TOKENS), "Longest context."),
            f("layers", Count, "Transformer layers (each adds collectives to a decode step)."),
            f("hidden_size", Count, "Hidden size: elements of one token's activation, what the collectives move."),
            f("repository", Str, "Where the weights are published (a Hugging Face repository), for serving engines."),
            f("experts", Count, "Routed experts per mixture-of-experts layer (MoE models)."),
            f("experts_per_token", Count, "Routed experts each token activates (MoE models)."),
            f("shared_experts", Count, "Experts every token runs besides the routed ones (MoE models)."),
            f(
                "kv_heads",
                Count,
                "Key-value heads: how far tensor parallelism shards the KV cache (1 for MLA, whose latent KV every rank holds).",
            ),
            f(
                "attention_flops",
                Q(Dim::FLOP_PER_TOKEN),
                "Attention FLOPs of one decoded token per token of context, all layers, as engines run decode.",
            ),
            f(
                "prefill_attention_flops",
                Q(Dim::FLOP_PER_TOKEN),
                "Attention FLOPs of one prompt token per earlier token, all layers, as engines run prefill (default: `attention_flops`).",
            ),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Link,
        name: "link",
        role: Role::Instance,
        doc: "A campus link joining two parts of the plant.",
        fields: &[
            req("from", Path, "One end."),
            req("to", Path, "The other end."),
            req("distance", LENGTH, "Route length of the fibre."),
            f("medium", TypeOf(Kind::Medium), "Cable medium."),
            f("capacity", RATE, "Total capacity."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Fabric,
        name: "fabric",
        role: Role::Instance,
        doc: "A scale-out network fabric generated over endpoints.",
        fields: &[
            req("topology", ValueType::Enum(&["fat_tree", "rail_optimized"]), "Topology family."),
            def("tiers", Count, Default::Number(2.0), "Switch tiers."),
            req("endpoints", Path, "The NICs the fabric connects."),
            req("leaf", TypeOf(Kind::Switch), "Leaf switch type."),
            f("spine", TypeOf(Kind::Switch), "Spine switch type."),
            f("core", TypeOf(Kind::Switch), "Core switch type (3 tiers)."),
            def(
                "leaf_placement",
                ValueType::Enum(&["top_of_rack", "end_of_row"]),
                Default::Text("end_of_row"),
                "Where leaf switches stand.",
            ),
            f("spine_racks", Path, "Racks that hold spine and core switches, in order."),
            def("oversubscription", Ratio, Default::Number(1.0), "Downlink to uplink bandwidth ratio at the leaves."),
            f("medium", TypeOf(Kind::Medium), "Cable medium for every link, overriding the preference order."),
            def("eor_power_limit", POWER, Default::Number(60_000.0), "Power limit of generated end-of-row network racks."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Inference,
        name: "inference",
        role: Role::Instance,
        doc: "An inference service: a model placed on GPUs with its load and SLOs.",
        fields: &[
            req("model", TypeOf(Kind::Model), "The model served."),
            req("precision", ValueType::Enum(&["fp4", "fp8", "bf16", "fp16"]), "Weight precision."),
            f(
                "gpus_per_replica",
                Count,
                "GPUs holding one replica of an aggregated layout (prefill and decode on the same GPUs); leave out with `prefill`/`decode` pools, or for the planner to choose.",
            ),
            f("replicas", Count, "Replicas of an aggregated layout."),
            req("placement", Path, "The part of the plant whose GPUs hold the replicas."),
            def("kv_precision", ValueType::Enum(&["fp4", "fp8", "bf16", "fp16"]), Default::Text("bf16"), "KV-cache precision."),
            def(
                "prefix_cache_hit",
                Ratio,
                Default::Number(0.0),
                "Share of prompt tokens found in the prefix cache: prefill work saved (for example `50 %`).",
            ),
            def(
                "memory_utilization",
                Ratio,
                Default::Number(0.9),
                "Fraction of GPU memory the engine may fill with weights and KV cache (vLLM's default).",
            ),
            def(
                "compute_efficiency",
                Ratio,
                Default::Number(0.4),
                "Fraction of peak compute reached (prefill and compute-bound decode; calibrated in docs/slo-model.md).",
            ),
            def("bandwidth_efficiency", Ratio, Default::Number(0.8), "Fraction of peak memory bandwidth reached in decode."),
        ],
        children: &[Kind::Load, Kind::Slo, Kind::Serving, Kind::Prefill, Kind::Decode, Kind::Parallelism, Kind::Speculative],
    },
    KindSchema {
        kind: Kind::Load,
        name: "load",
        role: Role::SubRecord,
        doc: "The load an inference service must carry.",
        fields: &[
            f("arrival", Q(Dim::REQUEST_RATE), "Request arrival rate."),
            f("prompt", Q(Dim::TOKENS), "Prompt tokens per request."),
            def("reasoning", Q(Dim::TOKENS), Default::Number(0.0), "Reasoning tokens generated per request (test-time scaling)."),
            f("output", Q(Dim::TOKENS), "Answer tokens per request."),
            def("samples", Count, Default::Number(1.0), "Samples generated per request (test-time scaling)."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Slo,
        name: "slo",
        role: Role::SubRecord,
        doc: "Service-level objectives; each is a bound on a figure the compiler computes.",
        fields: &[
            bound("ttft_p99", TIME, "99th-percentile time to first token."),
            bound("tpot_p99", TIME, "99th-percentile time per output token."),
            bound("rtt", TIME, "Round trip between any two GPUs of the placement."),
            bound("step_time", TIME, "Time of one training step (training jobs)."),
            bound("time_to_train", TIME, "Time of the whole training run (training jobs)."),
            bound("mfu", Ratio, "Model FLOPs utilization, a lower bound such as `mfu >= 30 %` (training jobs)."),
            bound("energy_per_token", Q(Dim::ENERGY_PER_TOKEN), "Energy per generated token."),
            def(
                "energy_basis",
                ValueType::Enum(&["it", "facility"]),
                Default::Text("it"),
                "Whether `energy_per_token` counts IT power, or IT power × PUE (`facility`).",
            ),
            f(
                "tier",
                ValueType::Enum(&["agent", "human"]),
                "Who waits for the answer; agent-facing services get the higher Kubernetes priority (default: `agent` when `rtt` is bounded below 200 ms).",
            ),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Serving,
        name: "serving",
        role: Role::SubRecord,
        doc: "How the service is deployed.",
        fields: &[
            f("image", Str, "Container image."),
            f("engine", Str, "Serving engine (for example `vllm`, `sglang`, `trt-llm`)."),
            f("namespace", Str, "Kubernetes namespace (default: the service's name)."),
            def("port", Count, Default::Number(8000.0), "Port the engine serves on."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Prefill,
        name: "prefill",
        role: Role::SubRecord,
        doc: "The prefill pool of a disaggregated service: replicas that run prompts and send their KV cache to the decode pool.",
        fields: &[req("gpus_per_replica", Count, "GPUs of one prefill replica."), req("replicas", Count, "Prefill replicas.")],
        children: &[Kind::Parallelism],
    },
    KindSchema {
        kind: Kind::Decode,
        name: "decode",
        role: Role::SubRecord,
        doc: "The decode pool of a disaggregated service: replicas that generate tokens from the KV cache the prefill pool sent.",
        fields: &[req("gpus_per_replica", Count, "GPUs of one decode replica."), req("replicas", Count, "Decode replicas.")],
        children: &[Kind::Parallelism],
    },
    KindSchema {
        kind: Kind::Parallelism,
        name: "parallelism",
        role: Role::SubRecord,
        doc: "How a replica's GPUs split the model: tp × pp × dp = the replica's GPUs; ep divides them. Left out, the compiler picks.",
        fields: &[
            def("tp", Count, Default::Number(1.0), "Tensor-parallel degree: GPUs that split each layer (inside an NVLink domain)."),
            def("pp", Count, Default::Number(1.0), "Pipeline-parallel degree: stages of layers."),
            def("dp", Count, Default::Number(1.0), "Attention data-parallel degree: attention groups, each with its own sequences."),
            def("ep", Count, Default::Number(1.0), "Expert-parallel degree: GPUs the experts are spread over (MoE models)."),
            def("cp", Count, Default::Number(1.0), "Context-parallel degree: GPUs a sequence is split over (training jobs)."),
            def(
                "vp",
                Count,
                Default::Number(1.0),
                "Virtual pipeline stages per GPU: interleaved 1F1B chunks, shrinking the bubble (training jobs).",
            ),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Speculative,
        name: "speculative",
        role: Role::SubRecord,
        doc: "Speculative or multi-token-prediction decoding: draft tokens per step and the share accepted.",
        fields: &[
            req("tokens", Count, "Draft tokens proposed per step (DeepSeek's MTP: 1)."),
            req("acceptance", Ratio, "Share of draft tokens accepted (DeepSeek-V3 reports 85-90 % for its MTP token)."),
        ],
        children: &[],
    },
    KindSchema {
        kind: Kind::Training,
        name: "training",
        role: Role::Instance,
        doc: "A training job: a model trained on GPUs of the plant, with its step and run bounds.",
        fields: &[
            req("model", TypeOf(Kind::Model), "The model trained."),
            req("precision", ValueType::Enum(&["fp8", "bf16", "fp16"]), "Compute precision of the matrix multiplications."),
            req("placement", Path, "The part of the plant whose GPUs run the job (halls, rows, buildings, lists and ranges)."),
            req("gpus", Count, "GPUs the job runs on."),
            req("sequence", Q(Dim::TOKENS), "Sequence length."),
            req("global_batch", Count, "Sequences per step."),
            req("tokens", Q(Dim::TOKENS), "Tokens of the whole run."),
            f("checkpoint_every", TIME, "Interval between checkpoints."),
            f("yields_to", Path, "Inference services that may preempt the job's GPUs (LANGUAGE.md 8.3)."),
            f("image", Str, "Container image of the trainer (Megatron-LM's `pretrain_gpt.py` in its working directory)."),
            def(
                "zero",
                Count,
                Default::Number(1.0),
                "ZeRO/FSDP stage: 0 replicates everything, 1 shards optimizer state over data parallelism, 2 also gradients, 3 also weights.",
            ),
            def(
                "recompute",
                ValueType::Enum(&["none", "selective", "full", "auto"]),
                Default::Text("auto"),
                "Activation recomputation: `selective` keeps what is cheap to keep (Korthikanti et al.), `full` keeps layer inputs only, `auto` is selective plus full recomputation of the fewest layers that fit.",
            ),
            def(
                "compute_efficiency",
                Ratio,
                Default::Number(0.6),
                "Fraction of peak compute the matrix multiplications reach (calibrated in docs/training-model.md).",
            ),
        ],
        children: &[Kind::Slo, Kind::Parallelism],
    },
    KindSchema {
        kind: Kind::Scenario,
        name: "scenario",
        role: Role::Instance,
        doc: "A failure scenario: every check re-runs on the plant without what `fail` names, or, with `fail_any`, without each one of a class in turn (the worst is reported).",
        fields: &[
            f(
                "fail",
                ValueType::Target,
                "What fails together: instances (nodes, racks, rows, halls, buildings), links, or generated switches and racks by their canonical names.",
            ),
            f(
                "fail_any",
                ValueType::Target,
                "A redundancy requirement: the design must survive the failure of any one of these (`campus.**.scaleout_leaf`, `link`); identical failures are evaluated once.",
            ),
        ],
        children: &[],
    },
];

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 25] = [
        Kind::Site,
        Kind::Building,
        Kind::Hall,
        Kind::Row,
        Kind::Rack,
        Kind::Node,
        Kind::Gpu,
        Kind::Cpu,
        Kind::Nic,
        Kind::Switch,
        Kind::Optic,
        Kind::Medium,
        Kind::Model,
        Kind::Link,
        Kind::Fabric,
        Kind::Inference,
        Kind::Load,
        Kind::Slo,
        Kind::Serving,
        Kind::Prefill,
        Kind::Decode,
        Kind::Parallelism,
        Kind::Speculative,
        Kind::Training,
        Kind::Scenario,
    ];

    /// The kind's schema.
    pub fn schema(self) -> &'static KindSchema {
        &SCHEMAS[self as usize]
    }

    /// The kind's keyword.
    pub fn name(self) -> &'static str {
        self.schema().name
    }

    /// The kind written `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        SCHEMAS.iter().find(|s| s.name == name).map(|s| s.kind)
    }

    /// Kinds whose blocks may contain a block of this kind.
    pub fn parents(self) -> Vec<Kind> {
        SCHEMAS.iter().filter(|s| s.children.contains(&self)).map(|s| s.kind).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_in_kind_order() {
        for kind in Kind::ALL {
            assert_eq!(kind.schema().kind, kind);
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
    }
}

/// The values a field accepts beyond its type: physical quantities are never negative, and
/// some counts and ratios have tighter bounds (a replica has GPUs, an efficiency is a share).
#[derive(Clone, Copy, Debug)]
pub struct Range {
    /// The least value, and whether it is allowed itself.
    pub min: (f64, bool),
    /// The greatest value, if any, and whether it is allowed itself.
    pub max: Option<(f64, bool)>,
    /// What the bound says, for the message (`must not be negative`).
    pub says: &'static str,
}

impl Range {
    /// Whether `v` is inside.
    pub fn holds(&self, v: f64) -> bool {
        let (lo, lo_in) = self.min;
        let above = if lo_in { v >= lo } else { v > lo };
        let below = self.max.is_none_or(|(hi, hi_in)| if hi_in { v <= hi } else { v < hi });
        above && below && v.is_finite()
    }
}

/// The range `field` accepts, where its type alone does not bound it (E0305 outside it).
pub fn valid_range(field: &FieldSchema) -> Option<Range> {
    // Counts are held in 32 bits: a larger one would saturate without a word.
    const COUNT: Range = Range { min: (1.0, true), max: Some((4_294_967_295.0, true)), says: "must be from 1 to 4,294,967,295" };
    const SHARE: Range = Range { min: (0.0, true), max: Some((1.0, true)), says: "must be between 0 and 100 %" };
    const EFFICIENCY: Range = Range { min: (0.0, false), max: Some((1.0, true)), says: "must be above 0 and at most 100 %" };
    match (field.ty, field.name) {
        (ValueType::Quantity(_), _) => Some(Range { min: (0.0, true), max: None, says: "must not be negative" }),
        (
            ValueType::Count,
            "tp" | "pp" | "dp" | "ep" | "cp" | "replicas" | "gpus_per_replica" | "gpus" | "global_batch" | "samples" | "layers"
            | "hidden_size",
        ) => Some(COUNT),
        (ValueType::Ratio, "pue") => {
            Some(Range { min: (1.0, true), max: None, says: "must be at least 1 (facility power is never below IT power)" })
        }
        (ValueType::Ratio, "oversubscription") => Some(Range { min: (0.0, false), max: None, says: "must be above 0" }),
        (ValueType::Ratio, "utilization" | "acceptance" | "prefix_cache_hit") => Some(SHARE),
        (ValueType::Ratio, "memory_utilization" | "compute_efficiency" | "bandwidth_efficiency") => Some(EFFICIENCY),
        _ => None,
    }
}
