//! `report.json` (ARTIFACTS.md): totals, power per entity, fabrics with their optics and
//! the pluggable equivalent, latencies, services and diagnostics, all in SI units with the
//! unit in the key. `fabric report` prints the same figures as tables.

use fabric_core::diagnostic::line_column;
use fabric_core::network::{RackRef, rack_name};
use fabric_core::pipeline::{budgets, check, network, scenarios};
use fabric_core::plant::InstanceId;
use fabric_core::plant::plant;
use fabric_core::schema::Kind;
use fabric_core::source::Project;
use serde::Serialize;
use std::collections::BTreeMap;

/// The report's format tag.
pub const FORMAT: &str = "fabric-report/1";

/// The whole report.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Report {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// Counts and power of the whole spec.
    pub totals: Totals,
    /// Every site, building, hall and row, and every instance with a power limit.
    pub entities: Vec<Entity>,
    /// Every fabric.
    pub fabrics: Vec<FabricReport>,
    /// Every latency the spec evaluates, and every campus link.
    pub latency: Vec<LatencyReport>,
    /// The two GPUs with the slowest worst path between them (`null` without a fabric).
    pub farthest_gpus: Option<LatencyReport>,
    /// Every inference service.
    pub services: Vec<ServiceReport>,
    /// Every training job.
    pub training: Vec<TrainingReport>,
    /// Every failure scenario (LANGUAGE.md 8.4, 8.6).
    pub scenarios: Vec<ScenarioReport>,
    /// Every diagnostic, the scenarios' included (each names its scenario).
    pub diagnostics: Vec<DiagnosticReport>,
}

/// One failure scenario's outcome.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct ScenarioReport {
    /// Its name.
    pub name: String,
    /// What failed, by canonical name (for `fail_any`: the worst single failure).
    pub failed: Vec<String>,
    /// GPUs out of service.
    pub gpus_lost: u64,
    /// Whether the spec holds in it: no error.
    pub holds: bool,
    /// For a redundancy requirement (`fail_any`): the failures it covered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_of: Option<AnyOfReport>,
    /// The diagnostics the failure adds to the spec's own.
    pub diagnostics: Vec<DiagnosticReport>,
    /// Every inference service re-estimated on what is left.
    pub services: Vec<ServiceReport>,
    /// Every training job re-estimated on what is left.
    pub training: Vec<TrainingReport>,
}

/// How a redundancy requirement was evaluated.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct AnyOfReport {
    /// Single failures the class holds.
    pub candidates: u64,
    /// Classes of identical failures, each evaluated once.
    pub classes: u64,
    /// Failures that fail like the worst (it included).
    pub like_worst: u64,
}

/// Counts and power of the whole spec.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Totals {
    /// GPUs.
    pub gpus: u64,
    /// Nodes (servers and trays).
    pub nodes: u64,
    /// Racks, generated network racks included.
    pub racks: u64,
    /// Switches: those in the plant (NVLink trays) and the fabrics' generated ones.
    pub switches: u64,
    /// Fabric cables.
    pub cables: u64,
    /// Pluggable transceivers.
    pub transceivers: u64,
    /// IT power in watts.
    pub it_power_w: f64,
    /// IT power × PUE in watts (PUE 1 where none is set).
    pub facility_power_w: f64,
    /// Annual facility energy in joules, where the sites declare `utilization`.
    pub annual_energy_j: Option<f64>,
}

/// The power of one entity.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Entity {
    /// Canonical path.
    pub path: String,
    /// Kind.
    pub kind: &'static str,
    /// IT power in watts.
    pub it_power_w: f64,
    /// Its power limit in watts, if any.
    pub power_limit_w: Option<f64>,
    /// Limit minus IT power, in watts.
    pub headroom_w: Option<f64>,
    /// Whether the fabric generator added it.
    pub generated: bool,
}

/// Transceivers and their power with pluggable optics on every switch port.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct PluggableEquivalent {
    /// Transceivers.
    pub transceivers: u64,
    /// Their power in watts.
    pub optics_power_w: f64,
}

/// One fabric.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct FabricReport {
    /// Its name.
    pub name: String,
    /// Tiers.
    pub tiers: u8,
    /// Endpoints (NIC ports).
    pub endpoints: u64,
    /// Leaf switches.
    pub leaves: u32,
    /// Spine switches.
    pub spines: u32,
    /// Core switches.
    pub cores: u32,
    /// Cables.
    pub cables: u64,
    /// Cables by medium.
    pub cables_by_medium: BTreeMap<String, u64>,
    /// Total cable length in metres.
    pub cable_length_m: f64,
    /// Pluggable transceivers.
    pub transceivers: u64,
    /// Power of transceivers and active cable ends in watts.
    pub optics_power_w: f64,
    /// Power of the switches in watts (co-packaged optics included).
    pub switch_power_w: f64,
    /// Switches with no power figure (not counted).
    pub switches_without_power: u32,
    /// Transceivers with no power figure (not counted).
    pub transceivers_without_power: u64,
    /// The same fabric with pluggable optics on every switch port.
    pub pluggable_equivalent: PluggableEquivalent,
}

/// One latency.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct LatencyReport {
    /// One end.
    pub from: String,
    /// The other end.
    pub to: String,
    /// Worst one-way latency in seconds.
    pub worst_one_way_s: f64,
    /// Parts of the path without a figure (counted as zero).
    pub unknown_terms: Vec<String>,
}

/// One inference service: what it asks for, and the SLO model's figures
/// (docs/slo-model.md), `null` where the model could not run (W0701) or the model does not
/// fit (E0701).
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct ServiceReport {
    /// Its name.
    pub name: String,
    /// Whether the weights and one request's KV cache fit a replica as asked.
    pub fits: Option<bool>,
    /// GPUs under its placement.
    pub gpus_placed: u64,
    /// GPUs it asks for: replicas × GPUs per replica.
    pub gpus_requested: u64,
    /// GPUs the load needs at its SLOs: `replicas_needed` × `gpus_per_replica_needed`.
    pub gpus_needed: Option<u64>,
    /// The smallest replica that holds the model and meets TTFT and TPOT.
    pub gpus_per_replica_needed: Option<u32>,
    /// The fewest such replicas that carry the load within the SLOs at p99.
    pub replicas_needed: Option<u32>,
    /// Weights at the precision, in bytes.
    pub weights_bytes: Option<f64>,
    /// Memory a replica may use, in bytes.
    pub usable_memory_bytes: Option<f64>,
    /// KV cache of one sequence at its full context, in bytes.
    pub kv_bytes_per_sequence: Option<f64>,
    /// Sequences a replica decodes together.
    pub batch: Option<u32>,
    /// Where a replica's collectives run: `nvlink` or `scale-out`.
    pub interconnect: Option<&'static str>,
    /// Prefill of one prompt, in seconds.
    pub prefill_s: Option<f64>,
    /// Estimated time to first token, p99, in seconds.
    pub ttft_p99_s: Option<f64>,
    /// Estimated time per output token, p99, in seconds.
    pub tpot_p99_s: Option<f64>,
    /// Tokens per second the service can generate as asked.
    pub tokens_per_s: Option<f64>,
    /// Tokens per second its load asks for.
    pub demand_tokens_per_s: Option<f64>,
    /// Offered load over batch slots (1 or more: the queue grows without bound).
    pub utilization: Option<f64>,
    /// Estimated energy per generated token, in joules, on `energy_basis`.
    pub energy_per_token_j: Option<f64>,
    /// `it`, or `facility` (IT × PUE).
    pub energy_basis: Option<&'static str>,
    /// The upper bounds its `slo` block sets.
    pub slo: SloReport,
    /// `aggregated` (prefill and decode share the replicas) or `disaggregated`.
    pub mode: Option<&'static str>,
    /// Whether the compiler chose the layout (the service gave none).
    pub chosen: Option<bool>,
    /// The prefill pool (an aggregated layout's one pool).
    pub prefill: Option<PrefillReport>,
    /// The decode pool (an aggregated layout's one pool).
    pub decode: Option<DecodeReport>,
    /// One prompt's KV cache from the prefill to the decode pool, in seconds (disaggregated).
    pub kv_transfer_s: Option<f64>,
    /// The layout that meets the SLOs with the fewest GPUs inside the placement, as Fabric.
    pub suggested_layout: Option<String>,
    /// The layout as laid out at decode batches from 1 to what memory holds: `{batch (per
    /// decode attention group), tpot_s, tokens_per_s}`.
    pub batch_curve: Vec<BatchPointReport>,
    /// Test-time scaling: `{factor, reasoning_tokens, gpus_needed}` at 1×, 2× and 4× the
    /// load's reasoning tokens (`gpus_needed` null where no replica count meets the SLOs).
    pub reasoning_scaling: Vec<ScalingPointReport>,
}

/// One point of a service's `batch_curve`.
#[derive(Clone, Copy, PartialEq, Debug, Serialize)]
pub struct BatchPointReport {
    /// Sequences per decode attention group.
    pub batch: u32,
    /// Time per output token, in seconds.
    pub tpot_s: f64,
    /// Output tokens per second of the whole service.
    pub tokens_per_s: f64,
}

/// One point of a service's `reasoning_scaling`.
#[derive(Clone, Copy, PartialEq, Debug, Serialize)]
pub struct ScalingPointReport {
    /// The factor on the load's reasoning tokens.
    pub factor: f64,
    /// Reasoning tokens per sample.
    pub reasoning_tokens: f64,
    /// GPUs needed at the SLOs.
    pub gpus_needed: Option<u64>,
}

/// How a replica's GPUs split the model.
#[derive(Clone, Copy, PartialEq, Debug, Serialize)]
pub struct ParallelismReport {
    /// Tensor parallel.
    pub tp: u32,
    /// Pipeline parallel.
    pub pp: u32,
    /// Attention data parallel.
    pub dp: u32,
    /// Expert parallel.
    pub ep: u32,
}

/// The prefill pool of a service.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct PrefillReport {
    /// GPUs of the pool.
    pub gpus: u64,
    /// Replicas.
    pub replicas: u32,
    /// GPUs per replica.
    pub gpus_per_replica: u32,
    /// Their parallelism.
    pub parallelism: ParallelismReport,
    /// Prompt tokens per second one GPU of the pool can take (cached tokens included).
    pub input_tokens_per_s_per_gpu: Option<f64>,
    /// p99 time to first token, in seconds.
    pub ttft_p99_s: Option<f64>,
    /// Energy of prefill per prompt token, in joules (IT power).
    pub energy_per_input_token_j: Option<f64>,
}

/// The decode pool of a service.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct DecodeReport {
    /// GPUs of the pool.
    pub gpus: u64,
    /// Replicas.
    pub replicas: u32,
    /// GPUs per replica.
    pub gpus_per_replica: u32,
    /// Their parallelism.
    pub parallelism: ParallelismReport,
    /// Sequences decoded together per GPU.
    pub batch_per_gpu: Option<f64>,
    /// Tokens per second one GPU of the pool generates at its operating batch.
    pub output_tokens_per_s_per_gpu: Option<f64>,
    /// The most tokens per second per GPU the pool sustains within the TPOT target (its
    /// saturated throughput, as serving benchmarks report it).
    pub max_output_tokens_per_s_per_gpu: Option<f64>,
    /// p99 time per output token, in seconds.
    pub tpot_p99_s: Option<f64>,
    /// Energy of decode per generated token, in joules (IT power).
    pub energy_per_token_j: Option<f64>,
}

/// The upper bounds of a service's `slo` block (`null` where it sets none).
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct SloReport {
    /// `ttft_p99`, in seconds.
    pub ttft_p99_s: Option<f64>,
    /// `tpot_p99`, in seconds.
    pub tpot_p99_s: Option<f64>,
    /// `energy_per_token`, in joules.
    pub energy_per_token_j: Option<f64>,
}

impl ServiceReport {
    /// The report of one service's estimate.
    pub fn new(s: &fabric_core::check::slo::ServiceEstimate) -> ServiceReport {
        let e = s.estimate.as_ref();
        let op = e.and_then(|e| e.operating);
        let finite = |v: f64| v.is_finite().then_some(v);
        ServiceReport {
            name: s.name.clone(),
            fits: e.map(|e| e.fits),
            gpus_placed: s.gpus_placed,
            gpus_requested: s.gpus_requested,
            gpus_needed: e.and_then(|e| e.gpus_needed),
            gpus_per_replica_needed: e.and_then(|e| e.gpus_per_replica_needed),
            replicas_needed: e.and_then(|e| e.replicas_needed),
            weights_bytes: e.map(|e| e.weights_bytes),
            usable_memory_bytes: e.map(|e| e.usable_bytes),
            kv_bytes_per_sequence: e.map(|e| e.kv_bytes_per_sequence),
            batch: op.map(|o| o.batch),
            interconnect: e.map(|e| e.interconnect),
            prefill_s: op.map(|o| o.prefill_s),
            ttft_p99_s: op.and_then(|o| finite(o.ttft_p99_s)),
            tpot_p99_s: op.and_then(|o| finite(o.tpot_s)),
            tokens_per_s: op.map(|o| o.capacity_tokens_per_s),
            demand_tokens_per_s: e.map(|e| e.demand_tokens_per_s),
            utilization: op.and_then(|o| finite(o.utilization)),
            energy_per_token_j: e.and_then(|e| e.energy_per_token_j),
            energy_basis: e.map(|e| e.energy_basis),
            slo: SloReport {
                ttft_p99_s: s.targets.ttft_p99_s,
                tpot_p99_s: s.targets.tpot_p99_s,
                energy_per_token_j: s.targets.energy_per_token_j,
            },
            mode: e.map(|e| if e.disaggregated { "disaggregated" } else { "aggregated" }),
            chosen: e.map(|e| e.chosen),
            prefill: e.map(|e| PrefillReport {
                gpus: e.prefill.gpus(),
                replicas: e.prefill.replicas,
                gpus_per_replica: e.prefill.gpus_per_replica,
                parallelism: parallelism(e.prefill.parallelism),
                input_tokens_per_s_per_gpu: op.map(|o| o.input_tokens_per_s_per_gpu),
                ttft_p99_s: op.and_then(|o| finite(o.ttft_p99_s)),
                energy_per_input_token_j: op.map(|o| o.prefill_energy_per_input_token_j),
            }),
            decode: e.map(|e| DecodeReport {
                gpus: e.decode.gpus(),
                replicas: e.decode.replicas,
                gpus_per_replica: e.decode.gpus_per_replica,
                parallelism: parallelism(e.decode.parallelism),
                batch_per_gpu: op
                    .map(|o| f64::from(o.batch) * f64::from(e.decode.parallelism.dp) / f64::from(e.decode.gpus_per_replica.max(1))),
                output_tokens_per_s_per_gpu: op.map(|o| o.output_tokens_per_s_per_gpu),
                max_output_tokens_per_s_per_gpu: e.saturated_output_per_gpu,
                tpot_p99_s: op.and_then(|o| finite(o.tpot_s)),
                energy_per_token_j: op.map(|o| o.decode_energy_per_token_j),
            }),
            kv_transfer_s: e.and_then(|e| e.kv_transfer_s),
            suggested_layout: e.and_then(|e| e.suggested_layout.clone()),
            batch_curve: e
                .map(|e| {
                    e.batch_curve
                        .iter()
                        .map(|p| BatchPointReport { batch: p.batch, tpot_s: p.tpot_s, tokens_per_s: p.tokens_per_s })
                        .collect()
                })
                .unwrap_or_default(),
            reasoning_scaling: e
                .map(|e| {
                    e.reasoning_scaling
                        .iter()
                        .map(|p| ScalingPointReport { factor: p.factor, reasoning_tokens: p.reasoning_tokens, gpus_needed: p.gpus_needed })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// One training job (LANGUAGE.md 8.6); `null` where the model could not estimate a figure.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct TrainingReport {
    /// Its name.
    pub name: String,
    /// Whether its state and activations fit a GPU's memory at its layout.
    pub fits: Option<bool>,
    /// GPUs it runs on.
    pub gpus: u64,
    /// Its layout.
    pub parallelism: Option<TrainingParallelism>,
    /// Whether the compiler chose the layout.
    pub chosen: bool,
    /// Memory per GPU in bytes.
    pub memory_per_gpu_bytes: Option<f64>,
    /// One step in seconds.
    pub step_time_s: Option<f64>,
    /// The step's exposed communication and pipeline bubble in seconds.
    pub exposed_comm_s: Option<f64>,
    /// The step's parts in seconds (beyond LANGUAGE.md 8.6: docs/language.md).
    pub step_parts_s: Option<StepParts>,
    /// Tokens trained per second.
    pub tokens_per_s: Option<f64>,
    /// Model TFLOP/s per GPU (the key names the unit: 10^12 FLOP/s).
    pub tflops_per_gpu: Option<f64>,
    /// Model FLOPs utilization against dense BF16 peak, 0–1.
    pub mfu: Option<f64>,
    /// The run's time in seconds.
    pub time_to_train_s: Option<f64>,
    /// The run's IT energy × PUE in joules.
    pub energy_j: Option<f64>,
    /// Bytes crossing campus links per step.
    pub cross_building_bytes_per_step: Option<f64>,
    /// GPUs no service may take.
    pub guaranteed_gpus: u64,
    /// GPUs borrowed from the services it yields to.
    pub borrowed_gpus: u64,
}

/// The parts of a training step, seconds: they sum to `step_time_s`.
#[derive(Clone, Copy, PartialEq, Debug, Serialize)]
pub struct StepParts {
    /// Computation, recomputation included.
    pub compute: f64,
    /// The pipeline bubble.
    pub bubble: f64,
    /// Exposed tensor-parallel all-reduces.
    pub tensor_parallel: f64,
    /// Pipeline sends.
    pub pipeline: f64,
    /// Exposed data-parallel gradient traffic (campus links included).
    pub data_parallel: f64,
    /// Exposed expert all-to-all.
    pub expert_parallel: f64,
}

/// A training layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct TrainingParallelism {
    /// Tensor parallel.
    pub tp: u32,
    /// Pipeline parallel.
    pub pp: u32,
    /// Data parallel.
    pub dp: u32,
    /// Expert parallel.
    pub ep: u32,
    /// Context parallel.
    pub cp: u32,
    /// Virtual pipeline stages per GPU.
    pub vp: u32,
}

impl TrainingReport {
    /// The report of one job's estimate.
    pub fn new(t: &fabric_core::check::TrainingEstimate) -> TrainingReport {
        TrainingReport {
            name: t.name.clone(),
            fits: t.memory.map(|m| m.total <= m.usable),
            gpus: t.gpus,
            parallelism: t.layout.map(|l| TrainingParallelism { tp: l.tp, pp: l.pp, dp: l.dp, ep: l.ep, cp: l.cp, vp: l.vp }),
            chosen: t.chosen,
            memory_per_gpu_bytes: t.memory.map(|m| m.total),
            step_time_s: t.step.map(|s| s.total_s).filter(|v| v.is_finite()),
            exposed_comm_s: t.step.map(|s| s.total_s - s.compute_s).filter(|v| v.is_finite()),
            step_parts_s: t.step.filter(|s| s.total_s.is_finite()).map(|s| StepParts {
                compute: s.compute_s,
                bubble: s.bubble_s,
                tensor_parallel: s.tp_s,
                pipeline: s.pp_s,
                data_parallel: s.dp_s,
                expert_parallel: s.ep_s,
            }),
            tokens_per_s: t.tokens_per_s.filter(|v| v.is_finite()),
            tflops_per_gpu: t.flops_per_gpu.map(|f| f / 1e12).filter(|v| v.is_finite()),
            mfu: t.mfu.filter(|v| v.is_finite()),
            time_to_train_s: t.time_to_train_s.filter(|v| v.is_finite()),
            energy_j: t.energy_j.filter(|v| v.is_finite()),
            cross_building_bytes_per_step: t.step.map(|s| s.cross_building_bytes),
            guaranteed_gpus: t.guaranteed_gpus,
            borrowed_gpus: t.borrowed_gpus,
        }
    }
}

fn parallelism(p: fabric_core::check::slo::model::Parallelism) -> ParallelismReport {
    ParallelismReport { tp: p.tp, pp: p.pp, dp: p.dp, ep: p.ep }
}

/// One diagnostic.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct DiagnosticReport {
    /// Its code.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The instance it concerns.
    pub path: Option<String>,
    /// The failure scenario it belongs to; absent for the spec's own checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Its message.
    pub message: String,
    /// The file of its primary label.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// Builds the report of a spec.
pub fn build(db: &dyn salsa::Database, project: Project) -> Report {
    let plant = plant(db, project);
    let network = network(db, project);
    let budgets = budgets(db, project);
    let power = &budgets.power;
    let it = |id: InstanceId| power.it_power_w.get(id.0 as usize).copied().unwrap_or(0.0);
    let counts = plant.count_by_kind();
    let count = |k: Kind| counts.get(&k).copied().unwrap_or(0) as u64;
    let mut entities = Vec::new();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        let kind = plant.kind(id);
        let limit = plant.field(id, "power_limit").and_then(|f| f.number());
        if matches!(kind, Kind::Site | Kind::Building | Kind::Hall | Kind::Row) || (limit.is_some() && kind == Kind::Rack) {
            entities.push(Entity {
                path: plant.path(id),
                kind: kind.name(),
                it_power_w: it(id),
                power_limit_w: limit,
                headroom_w: limit.map(|l| l - it(id)),
                generated: false,
            });
        }
    }
    for (g, rack) in network.racks.iter().enumerate() {
        let w = power.generated_rack_w.get(g).copied().unwrap_or(0.0);
        entities.push(Entity {
            path: rack_name(plant, network, RackRef::Generated(g as u32)),
            kind: "rack",
            it_power_w: w,
            power_limit_w: Some(rack.power_limit_w),
            headroom_w: Some(rack.power_limit_w - w),
            generated: true,
        });
    }
    let program = &plant.program;
    let mut fabrics = Vec::new();
    for (i, f) in network.fabrics.iter().enumerate() {
        let optics = power.fabrics.get(i).copied().unwrap_or_default();
        let mut by_medium: BTreeMap<String, u64> = BTreeMap::new();
        let mut length = 0.0;
        for c in f.cables.clone() {
            let cable = network.cables[c as usize];
            let name = program.decl(network.media[cable.medium as usize].decl).name.clone().unwrap_or_default();
            *by_medium.entry(name).or_insert(0) += 1;
            length += cable.length_m;
        }
        fabrics.push(FabricReport {
            name: f.name.clone(),
            tiers: f.tiers,
            endpoints: u64::from(f.endpoints.end - f.endpoints.start),
            leaves: f.counts[0],
            spines: f.counts[1],
            cores: f.counts[2],
            cables: u64::from(f.cables.end - f.cables.start),
            cables_by_medium: by_medium,
            cable_length_m: length,
            transceivers: optics.transceivers,
            optics_power_w: optics.optics_power_w,
            switch_power_w: optics.switch_power_w,
            switches_without_power: optics.switches_without_power,
            transceivers_without_power: optics.transceivers_without_power,
            pluggable_equivalent: PluggableEquivalent {
                transceivers: optics.pluggable_transceivers,
                optics_power_w: optics.pluggable_optics_power_w,
            },
        });
    }
    let latency = budgets
        .latencies
        .iter()
        .map(|l| LatencyReport {
            from: l.from.clone(),
            to: l.to.clone(),
            worst_one_way_s: l.worst_one_way_s,
            unknown_terms: l.unknown.clone(),
        })
        .collect();
    let farthest_gpus = budgets.farthest.as_ref().map(|l| LatencyReport {
        from: l.from.clone(),
        to: l.to.clone(),
        worst_one_way_s: l.worst_one_way_s,
        unknown_terms: l.unknown.clone(),
    });
    let services = budgets.services.iter().map(ServiceReport::new).collect();
    let training = budgets.training.iter().map(TrainingReport::new).collect();
    let diagnostics = check(db, project).iter().map(|d| DiagnosticReport::new(db, d)).collect();
    let scenarios = scenarios(db, project).outcomes.iter().map(|o| ScenarioReport::new(db, o)).collect();
    let generated_switches = network.switches.len() as u64;
    Report {
        format: FORMAT,
        totals: Totals {
            gpus: count(Kind::Gpu),
            nodes: count(Kind::Node),
            racks: count(Kind::Rack) + network.racks.len() as u64,
            switches: count(Kind::Switch) + generated_switches,
            cables: network.cables.len() as u64,
            transceivers: power.fabrics.iter().map(|f| f.transceivers).sum(),
            it_power_w: power.site_it_w,
            facility_power_w: power.facility_power_w,
            annual_energy_j: power.annual_energy_j,
        },
        entities,
        fabrics,
        latency,
        farthest_gpus,
        services,
        training,
        scenarios,
        diagnostics,
    }
}

impl DiagnosticReport {
    /// The report's view of a diagnostic.
    pub fn new(db: &dyn salsa::Database, d: &fabric_core::diagnostic::Diagnostic) -> DiagnosticReport {
        let at = line_column(d.primary.file.text(db), d.primary.span.start);
        DiagnosticReport {
            code: d.code.as_str(),
            severity: d.severity.as_str(),
            path: d.path.clone(),
            scenario: d.scenario.clone(),
            message: d.message.clone(),
            file: d.primary.file.display_path(db).clone(),
            line: at.line,
            column: at.column,
        }
    }
}

impl ScenarioReport {
    /// The report's view of a scenario's outcome.
    pub fn new(db: &dyn salsa::Database, o: &fabric_core::scenario::Outcome) -> ScenarioReport {
        ScenarioReport {
            name: o.name.clone(),
            failed: o.failed.clone(),
            gpus_lost: o.gpus_lost,
            holds: o.holds(),
            any_of: o.any_of.as_ref().map(|a| AnyOfReport { candidates: a.candidates, classes: a.classes, like_worst: a.like_worst }),
            diagnostics: o.diagnostics.iter().map(|d| DiagnosticReport::new(db, d)).collect(),
            services: o.services.iter().map(ServiceReport::new).collect(),
            training: o.training.iter().map(TrainingReport::new).collect(),
        }
    }
}
