//! Simulator workloads (docs/simulation.md, "Workloads"): for each inference service one
//! decode step of one decode replica, and for each training job one training step, as a
//! small program of computations, collectives and pipeline sends over *communicator
//! dimensions* (tensor, pipeline, expert and data parallelism, innermost first), each with
//! the bandwidth and latency of the links its GPUs cross. The program replays exactly what
//! the compiler's model charges: computation as durations, communication as bytes, overlap
//! as computation running beside the share of the traffic the model hides. A simulator
//! then times the communication on its own; `estimate_s` is the compiler's figure for the
//! same step. The emitter (fabric-emit's `sim::workloads`) writes it as Chakra traces.

use crate::check::slo::model::{DecodeWork, EP_OVERLAP};
use crate::check::training::model::{self as train, TrainWork};
use crate::check::{Budgets, ServiceEstimate, TrainingEstimate};
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::plant::{InstanceId, Plant};
use crate::units::group_thousands;

/// The most NPUs a workload simulates unless the build says otherwise; a larger job is
/// reduced to fewer data-parallel ranks (W0805).
pub const DEFAULT_MAX_NPUS: u32 = 4096;

/// The most pipeline transfers per direction a training workload writes (more sends are
/// grouped into these).
pub const MAX_PIPELINE_TRANSFERS: f64 = 8.0;

/// What a workload simulates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WorkloadKind {
    /// One decode step of one decode replica of an inference service.
    DecodeStep,
    /// One step of a training job.
    TrainingStep,
}

impl WorkloadKind {
    /// Its name in workloads.json.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::DecodeStep => "decode_step",
            WorkloadKind::TrainingStep => "training_step",
        }
    }
}

/// One communicator dimension: a group of NPUs along one kind of parallelism.
#[derive(Clone, PartialEq, Debug)]
pub struct WorkDimension {
    /// The parallelism (`tp`, `pp`, `ep`, `dp`).
    pub level: &'static str,
    /// The links its members talk over: `nvlink` or `scale-out`.
    pub link: &'static str,
    /// NPUs along it.
    pub npus: u32,
    /// Bandwidth per NPU and direction, bytes per second.
    pub bandwidth_bytes_per_s: f64,
    /// Worst one-way latency between two of its NPUs, seconds.
    pub latency_s: f64,
}

/// A collective a step runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CollectiveKind {
    /// All-reduce (ring).
    AllReduce,
    /// All-to-all (each NPU sends to every other, one message at a time).
    AllToAll,
}

/// One operation of a step's program.
#[derive(Clone, PartialEq, Debug)]
pub enum Op {
    /// GPU work the model charges as time.
    Compute {
        /// What it stands for.
        name: &'static str,
        /// Its duration.
        seconds: f64,
    },
    /// A collective of `bytes` per NPU over the dimensions `dims` marks.
    Collective {
        /// What it stands for.
        name: &'static str,
        /// Its kind.
        kind: CollectiveKind,
        /// Each NPU's buffer, bytes.
        bytes: f64,
        /// The dimensions it spans.
        dims: Vec<bool>,
    },
    /// A pipeline transfer between neighbouring stages along dimension `dim`: forward
    /// (stage s to s + 1) or backward; each NPU sends where it has a neighbour that way and
    /// receives from the other side.
    PipelineSend {
        /// Forward or backward.
        forward: bool,
        /// Its index among the step's transfers in that direction (the message tag).
        index: u32,
        /// Bytes.
        bytes: f64,
        /// The pipeline dimension.
        dim: usize,
    },
}

/// An operation and the operations (indices into the program) it waits for.
#[derive(Clone, PartialEq, Debug)]
pub struct Step {
    /// The operation.
    pub op: Op,
    /// What must finish first.
    pub after: Vec<usize>,
}

/// One workload: a step of a service or job on its communicator dimensions.
#[derive(Clone, PartialEq, Debug)]
pub struct Workload {
    /// Its folder name: the service's or job's name.
    pub name: String,
    /// The `inference` or `training` instance.
    pub instance: InstanceId,
    /// What it simulates.
    pub kind: WorkloadKind,
    /// Dimensions, innermost first; their NPUs multiply to [`Workload::npus`].
    pub dimensions: Vec<WorkDimension>,
    /// NPUs simulated.
    pub npus: u32,
    /// GPUs the step runs on in the spec (larger where the workload is reduced).
    pub full_npus: u64,
    /// The compiler's time for the step simulated, seconds.
    pub estimate_s: f64,
    /// The compiler's time for the step on every GPU (equal unless reduced).
    pub full_estimate_s: f64,
    /// The program every NPU runs.
    pub program: Vec<Step>,
    /// How the workload was made, one line each (layout, reduction).
    pub notes: Vec<String>,
}

/// The workloads of a checked spec and what could not be made.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct WorkloadPlan {
    /// One per service with a decode step and per job with a step.
    pub workloads: Vec<Workload>,
    /// W0805 (reduced) and W0806 (no workload).
    pub diagnostics: Vec<Diagnostic>,
}

/// The query: the workloads of a checked spec with at most `max_npus` NPUs each, planned
/// once per build (every trace file of every workload reads it). Called only on a spec
/// without errors (the emitters), so it reads the checks ungated.
#[salsa::tracked]
pub fn workloads(db: &dyn salsa::Database, project: crate::source::Project, max_npus: u32) -> std::sync::Arc<WorkloadPlan> {
    let plant = crate::plant::plant(db, project);
    std::sync::Arc::new(plan(plant, crate::check::budgets(db, project), max_npus))
}

/// Plans the workloads of every service and job the checks estimated, reducing any above
/// `max_npus` NPUs.
pub fn plan(plant: &Plant, budgets: &Budgets, max_npus: u32) -> WorkloadPlan {
    let mut out = WorkloadPlan::default();
    for service in &budgets.services {
        if let Some(work) = service.estimate.as_ref().and_then(|e| e.decode_work) {
            match decode(service, &work) {
                Ok(w) => out.workloads.push(w),
                Err(why) => out.diagnostics.push(none(plant, service.instance, &service.name, &why)),
            }
        }
    }
    for job in &budgets.training {
        if job.step.is_none() {
            continue;
        }
        match training(plant, job, max_npus, &mut out.diagnostics) {
            Ok(w) => out.workloads.push(w),
            Err(why) => out.diagnostics.push(none(plant, job.instance, &job.name, &why)),
        }
    }
    out
}

/// A label on `field` of the instance's declaration, or on its name.
fn label(plant: &Plant, instance: InstanceId, field: &str, text: String) -> Label {
    let owner = plant.get(instance).decl;
    let decl = plant.program.decl(owner);
    let (file, span) = plant.program.field_origin(owner, field).unwrap_or((decl.file, decl.name_span));
    Label::new(file, span, text)
}

/// W0806: no workload for a service or job.
fn none(plant: &Plant, instance: InstanceId, name: &str, why: &str) -> Diagnostic {
    Diagnostic::warning(
        codes::W0806,
        format!("no ASTRA-sim workload for `{name}`: {why}"),
        label(plant, instance, "", "not in sim/astra-sim/workloads.json".to_string()),
    )
    .with_help("its figures are in report.json; sim/scenario.json still holds the whole plant")
}

/// A program under construction: each step waits for the steps that ended last.
#[derive(Default)]
struct Program {
    steps: Vec<Step>,
    last: Vec<usize>,
}

impl Program {
    fn push(&mut self, op: Op, after: Vec<usize>) -> usize {
        self.steps.push(Step { op, after });
        self.steps.len() - 1
    }

    /// Appends `op` after what ended last; skips computations of no time and transfers of
    /// no bytes.
    fn then(&mut self, op: Op) {
        if worth(&op) {
            let i = self.push(op, self.last.clone());
            self.last = vec![i];
        }
    }

    /// Runs `compute` beside the chain `hidden`, both after what ended last; the next step
    /// waits for both.
    fn beside(&mut self, compute: Op, hidden: Vec<Op>) {
        let start = self.last.clone();
        let mut ends = Vec::new();
        if worth(&compute) {
            ends.push(self.push(compute, start.clone()));
        }
        let mut chain = start.clone();
        for op in hidden.into_iter().filter(worth) {
            chain = vec![self.push(op, chain)];
        }
        if chain != start {
            ends.extend(chain);
        }
        if !ends.is_empty() {
            self.last = ends;
        }
    }
}

fn worth(op: &Op) -> bool {
    match op {
        Op::Compute { seconds, .. } => *seconds > 0.0,
        Op::Collective { bytes, .. } | Op::PipelineSend { bytes, .. } => *bytes > 0.0,
    }
}

fn compute(name: &'static str, seconds: f64) -> Op {
    Op::Compute { name, seconds }
}

fn collective(name: &'static str, kind: CollectiveKind, bytes: f64, dims: Vec<bool>) -> Op {
    Op::Collective { name, kind, bytes, dims }
}

/// The dimensions a collective spans: those whose level is one of `levels`.
fn span(dimensions: &[WorkDimension], levels: &[&str]) -> Vec<bool> {
    dimensions.iter().map(|d| levels.contains(&d.level)).collect()
}

/// One decode step of one decode replica: per layer, the tensor-parallel all-reduces (each
/// after the model's fixed collective latency), then the layer's computation beside the
/// hidden share of its expert dispatch and combine, then the rest of them.
fn decode(service: &ServiceEstimate, work: &DecodeWork) -> Result<Workload, String> {
    let l = work.layout;
    if l.pp > 1 {
        return Err(format!("its decode layout has pipeline parallelism (pp {}), which the workload does not model yet", l.pp));
    }
    let links = work.links;
    let gpus = l.gpus();
    if gpus <= 1 {
        return Err("its decode replica is one GPU, with no communication to simulate".to_string());
    }
    if l.ep > 1 && l.ep != gpus && l.ep != gpus / l.tp.max(1) {
        return Err(format!(
            "its experts span {} of a replica's {} GPUs, neither the whole replica nor its data-parallel ranks, which the workload's dimensions cannot express",
            l.ep, gpus
        ));
    }
    let inside = links.domain_gpus >= f64::from(gpus);
    let mut dimensions = Vec::new();
    if l.tp > 1 {
        dimensions.push(WorkDimension { level: "tp", link: "nvlink", npus: l.tp, bandwidth_bytes_per_s: links.nvlink_bw, latency_s: 0.0 });
    }
    let rest = gpus / l.tp.max(1);
    if rest > 1 {
        // Inside one NVLink domain the model charges NVLink, which has no latency figure.
        let (link, bandwidth, latency) =
            if inside { ("nvlink", links.nvlink_bw, 0.0) } else { ("scale-out", links.nic_bw, links.net_latency_s) };
        dimensions.push(WorkDimension { level: "dp", link, npus: rest, bandwidth_bytes_per_s: bandwidth, latency_s: latency });
    }
    if let Some(d) = dimensions.iter().find(|d| d.bandwidth_bytes_per_s <= 0.0) {
        return Err(format!("the `{}` dimension has no bandwidth figure ({} links)", d.level, d.link));
    }
    // Experts over the whole replica, or over its data-parallel ranks.
    let ep_levels: &[&str] = if l.ep >= gpus { &["tp", "dp"] } else { &["dp"] };
    let layers = work.layers.round().max(1.0);
    let per_layer = |s: f64| s / layers;
    let mut p = Program::default();
    for _ in 0..layers as u32 {
        for _ in 0..2 {
            if work.tp_all_reduce_bytes > 0.0 {
                p.then(compute("collective latency", work.collective_latency_s));
                p.then(collective(
                    "tensor-parallel all-reduce",
                    CollectiveKind::AllReduce,
                    work.tp_all_reduce_bytes,
                    span(&dimensions, &["tp"]),
                ));
            }
        }
        let busy = per_layer(work.busy_s);
        let overhead = per_layer(work.time.overhead_s);
        if work.ep_dispatch_bytes > 0.0 {
            let dims = span(&dimensions, ep_levels);
            p.then(compute("collective latency", 2.0 * work.collective_latency_s));
            let h = work.ep_hidden_share;
            let a2a = |name, bytes: f64| collective(name, CollectiveKind::AllToAll, bytes, dims.clone());
            p.beside(
                compute("layer (overlapped share)", EP_OVERLAP * busy),
                vec![
                    a2a("expert dispatch (hidden share)", h * work.ep_dispatch_bytes),
                    a2a("expert combine (hidden share)", h * work.ep_combine_bytes),
                ],
            );
            p.then(compute("layer (rest) and fixed cost", (1.0 - EP_OVERLAP) * busy + overhead));
            p.then(a2a("expert dispatch", (1.0 - h) * work.ep_dispatch_bytes));
            p.then(a2a("expert combine", (1.0 - h) * work.ep_combine_bytes));
        } else {
            p.then(compute("layer and fixed cost", busy + overhead));
        }
    }
    let notes = vec![format!(
        "one decode step of one replica of `{}`: tp {} dp {} ep {}, a batch of {} per attention group, {} layers",
        service.name,
        l.tp,
        l.dp,
        l.ep,
        service.estimate.as_ref().and_then(|e| e.operating).map_or(0, |o| o.batch),
        layers
    )];
    Ok(Workload {
        name: service.name.clone(),
        instance: service.instance,
        kind: WorkloadKind::DecodeStep,
        npus: gpus,
        full_npus: u64::from(gpus),
        dimensions,
        estimate_s: work.time.total_s,
        full_estimate_s: work.time.total_s,
        program: p.steps,
        notes,
    })
}

/// One training step: the computation beside the hidden shares of the tensor-parallel,
/// data-parallel and expert traffic, then the rest of each and the pipeline sends. Above
/// `max_npus` the job keeps its tensor and pipeline parallelism and the fewest data-parallel
/// ranks that fit (a multiple of its expert parallelism), each rank with the same
/// micro-batches, and W0805 says so.
fn training(plant: &Plant, job: &TrainingEstimate, max_npus: u32, diagnostics: &mut Vec<Diagnostic>) -> Result<Workload, String> {
    let (Some(layout), Some(inputs), Some(full)) = (job.layout, job.inputs, job.step) else {
        return Err("the job was not estimated".to_string());
    };
    if layout.cp > 1 {
        return Err(format!("its layout has context parallelism (cp {}), which the workload does not model yet", layout.cp));
    }
    if inputs.hardware.buildings > 1.0 {
        return Err(format!("it spans {} buildings, and the workload has no dimension for the campus link yet", inputs.hardware.buildings));
    }
    if layout.gpus() <= 1 {
        return Err("it runs on one GPU, with no communication to simulate".to_string());
    }
    let copy = u64::from(layout.tp) * u64::from(layout.pp);
    let ep = u64::from(layout.ep.max(1));
    let mut reduced = layout;
    let mut run = inputs.run;
    if layout.gpus() > u64::from(max_npus) {
        let dp = u64::from(max_npus) / copy / ep * ep;
        if dp == 0 {
            return Err(format!(
                "one expert-parallel group (tp {} × pp {} × ep {} = {} GPUs) is more than the {max_npus} NPUs a workload may have",
                layout.tp,
                layout.pp,
                ep,
                copy * ep
            ));
        }
        reduced.dp = dp as u32;
        run.global_batch = inputs.run.global_batch * dp as f64 / f64::from(layout.dp);
    }
    let work: TrainWork = train::work(&inputs.model, &reduced, &run, &inputs.hardware);
    let hw = work.hardware;
    let npus = reduced.gpus() as u32;
    let scale_out =
        |level, npus| WorkDimension { level, link: "scale-out", npus, bandwidth_bytes_per_s: hw.nic_bw, latency_s: hw.net_latency_s };
    let mut dimensions = Vec::new();
    if reduced.tp > 1 {
        dimensions.push(WorkDimension {
            level: "tp",
            link: "nvlink",
            npus: reduced.tp,
            bandwidth_bytes_per_s: hw.nvlink_bw,
            latency_s: 0.0,
        });
    }
    if reduced.pp > 1 {
        // The model sends pipeline activations over the NICs where the job has them.
        dimensions.push(if hw.nic_bw > 0.0 {
            scale_out("pp", reduced.pp)
        } else {
            WorkDimension { level: "pp", link: "nvlink", npus: reduced.pp, bandwidth_bytes_per_s: hw.nvlink_bw, latency_s: 0.0 }
        });
    }
    if reduced.ep > 1 {
        dimensions.push(scale_out("ep", reduced.ep));
    }
    let rest = reduced.dp / reduced.ep.max(1);
    if rest > 1 {
        dimensions.push(scale_out("dp", rest));
    }
    if let Some(d) = dimensions.iter().find(|d| d.bandwidth_bytes_per_s <= 0.0) {
        return Err(format!("the `{}` dimension has no bandwidth figure ({} links)", d.level, d.link));
    }
    let tp = span(&dimensions, &["tp"]);
    let dp = span(&dimensions, &["ep", "dp"]);
    let ep_dims = span(&dimensions, &["ep"]);
    let mut p = Program::default();
    let ar = |name, bytes, dims: &Vec<bool>| collective(name, CollectiveKind::AllReduce, bytes, dims.clone());
    let a2a = |name, bytes| collective(name, CollectiveKind::AllToAll, bytes, ep_dims.clone());
    p.beside(
        compute("forward, backward and pipeline bubble", work.compute_s),
        vec![
            ar("tensor-parallel all-reduces (hidden share)", work.tp_hidden_share * work.tp_all_reduce_bytes, &tp),
            ar("gradient all-reduce (hidden share)", work.dp_hidden_share * work.dp_all_reduce_bytes, &dp),
            a2a("expert all-to-all (hidden share)", work.ep_hidden_share * work.ep_all_to_all_bytes),
        ],
    );
    p.then(ar("tensor-parallel all-reduces", (1.0 - work.tp_hidden_share) * work.tp_all_reduce_bytes, &tp));
    if let Some(dim) = dimensions.iter().position(|d| d.level == "pp") {
        // At most MAX_PIPELINE_TRANSFERS per direction, the sends grouped evenly: the model
        // charges their bytes and one latency each, and a latency of under a microsecond
        // per merged send is far below the step's resolution.
        let transfers = work.pp_sends.floor().clamp(1.0, MAX_PIPELINE_TRANSFERS);
        let bytes = work.pp_send_bytes / transfers;
        for forward in [true, false] {
            for index in 0..transfers as u32 {
                p.then(Op::PipelineSend { forward, index, bytes, dim });
            }
        }
    }
    p.then(ar("gradient all-reduce", (1.0 - work.dp_hidden_share) * work.dp_all_reduce_bytes, &dp));
    p.then(a2a("expert all-to-all", (1.0 - work.ep_hidden_share) * work.ep_all_to_all_bytes));
    let mut notes = vec![format!(
        "one training step of `{}`: tp {} pp {} dp {} ep {} vp {}, {} micro-batches per rank",
        job.name,
        reduced.tp,
        reduced.pp,
        reduced.dp,
        reduced.ep,
        reduced.vp,
        (run.global_batch / f64::from(reduced.dp.max(1))).max(1.0)
    )];
    if reduced != layout {
        let line = format!(
            "reduced from dp {} ({} GPUs) to dp {} ({} NPUs), each rank with the same micro-batches; the full step is {:.6} s, this one {:.6} s",
            layout.dp,
            group_thousands(u128::from(layout.gpus())),
            reduced.dp,
            group_thousands(u128::from(npus)),
            full.total_s,
            work.step.total_s
        );
        notes.push(line.clone());
        diagnostics.push(
            Diagnostic::warning(
                codes::W0805,
                format!(
                    "the ASTRA-sim workload of `{}` simulates {} of its {} GPUs",
                    job.name,
                    group_thousands(u128::from(npus)),
                    group_thousands(u128::from(layout.gpus()))
                ),
                label(plant, job.instance, "gpus", format!("more than {} NPUs", group_thousands(u128::from(max_npus)))),
            )
            .with_note(line)
            .with_help("`fabric build --astra-max-npus N` sets the limit; workloads.json gives the compiler's figure for both steps"),
        );
    }
    Ok(Workload {
        name: job.name.clone(),
        instance: job.instance,
        kind: WorkloadKind::TrainingStep,
        dimensions,
        npus,
        full_npus: layout.gpus(),
        estimate_s: work.step.total_s,
        full_estimate_s: full.total_s,
        program: p.steps,
        notes,
    })
}
