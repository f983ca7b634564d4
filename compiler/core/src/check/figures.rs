//! What the budget checks compute, in one place below the checks: power figures, latencies,
//! the SLO model's estimates per service, and the diagnostics. `fabric report` and the
//! emitters read these and never re-derive them.

use super::slo::model::DecodeWork;
use super::slo::model::Parallelism;
use super::slo::plan::{Operating, Targets};
use super::training::model::{TrainHardware, TrainLayout, TrainMemory, TrainModel, TrainRun, TrainStep};
use crate::diagnostic::Diagnostic;
use crate::plant::InstanceId;

/// One latency the spec evaluates (a `latency(a, b)`, an `rtt` SLO, or a campus link).
#[derive(Clone, PartialEq, Debug)]
pub struct LatencyFigure {
    /// One end, as written or as the instance's path.
    pub from: String,
    /// The other end.
    pub to: String,
    /// The worst one-way latency, in seconds (a lower bound where `unknown` is not empty).
    pub worst_one_way_s: f64,
    /// Parts on the path without a latency figure, counted as zero.
    pub unknown: Vec<String>,
}

/// Everything the budget checks computed.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Budgets {
    /// Power figures.
    pub power: PowerBudget,
    /// Latencies evaluated, in source order, then campus links.
    pub latencies: Vec<LatencyFigure>,
    /// The two GPUs farthest apart (NICs where a node has no GPU), `None` without a fabric.
    pub farthest: Option<LatencyFigure>,
    /// Every inference service with the SLO model's figures, in source order.
    pub services: Vec<ServiceEstimate>,
    /// Every training job with the training model's figures, in source order.
    pub training: Vec<TrainingEstimate>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Optics of one fabric as built, and as it would be with pluggable optics everywhere.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct FabricOptics {
    /// Pluggable transceivers.
    pub transceivers: u64,
    /// Power of the transceivers and active cable ends, in watts.
    pub optics_power_w: f64,
    /// Transceivers with a pluggable transceiver at every switch port too.
    pub pluggable_transceivers: u64,
    /// Their power, in watts.
    pub pluggable_optics_power_w: f64,
    /// Power of the fabric's switches (with co-packaged optics where they have them).
    pub switch_power_w: f64,
    /// Switches without a power figure (not counted).
    pub switches_without_power: u32,
    /// Transceivers without a power figure (not counted).
    pub transceivers_without_power: u64,
}

/// The power figures of a spec.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct PowerBudget {
    /// IT power of every plant instance, in watts.
    pub it_power_w: Vec<f64>,
    /// Transceiver power inside every plant instance, in watts.
    pub optics_w: Vec<f64>,
    /// IT power of every generated rack, in watts.
    pub generated_rack_w: Vec<f64>,
    /// Power of every generated switch with the transceivers in its ports, in watts.
    pub switch_w: Vec<f64>,
    /// Per fabric.
    pub fabrics: Vec<FabricOptics>,
    /// The sites' IT power in watts.
    pub site_it_w: f64,
    /// The sites' facility power in watts: IT × PUE (1 where a site has none).
    pub facility_power_w: f64,
    /// Annual facility energy in joules of the sites that declare `utilization`.
    pub annual_energy_j: Option<f64>,
}

/// The figures a job's step is charged on: enough to recompute it at another layout (a
/// simulator workload reduced to fewer data-parallel ranks).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainInputs {
    /// The model trained.
    pub model: TrainModel,
    /// The run.
    pub run: TrainRun,
    /// One GPU and the links of the job.
    pub hardware: TrainHardware,
}

/// What the training model found for one job.
#[derive(Clone, PartialEq, Debug)]
pub struct TrainingEstimate {
    /// The `training` instance.
    pub instance: InstanceId,
    /// Its name.
    pub name: String,
    /// GPUs it runs on.
    pub gpus: u64,
    /// Its layout (the compiler's choice where `chosen`).
    pub layout: Option<TrainLayout>,
    /// Whether the compiler chose the layout.
    pub chosen: bool,
    /// Memory per GPU at that layout.
    pub memory: Option<TrainMemory>,
    /// One step at that layout.
    pub step: Option<TrainStep>,
    /// What the step was charged on (model, run, hardware), for simulator workloads.
    pub inputs: Option<TrainInputs>,
    /// Tokens per second.
    pub tokens_per_s: Option<f64>,
    /// Model FLOP/s per GPU.
    pub flops_per_gpu: Option<f64>,
    /// Model FLOPs utilization against BF16 peak.
    pub mfu: Option<f64>,
    /// Time of the run, seconds.
    pub time_to_train_s: Option<f64>,
    /// IT energy of the run × PUE, joules.
    pub energy_j: Option<f64>,
    /// GPUs no service may take.
    pub guaranteed_gpus: u64,
    /// GPUs it borrows from the services it yields to.
    pub borrowed_gpus: u64,
}

/// What the model found for one service.
#[derive(Clone, PartialEq, Debug)]
pub struct ServiceEstimate {
    /// The `inference` instance.
    pub instance: InstanceId,
    /// Its name.
    pub name: String,
    /// GPUs under its placement.
    pub gpus_placed: u64,
    /// GPUs it asks for: replicas × GPUs per replica.
    pub gpus_requested: u64,
    /// Its SLO's upper bounds.
    pub targets: Targets,
    /// The model's figures, `None` where the spec lacks one it needs (W0701 says which).
    pub estimate: Option<Estimate>,
}

/// One pool of a service's layout as estimated: its replicas and their parallelism.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct PoolFigures {
    /// GPUs of one replica.
    pub gpus_per_replica: u32,
    /// Replicas.
    pub replicas: u32,
    /// How a replica's GPUs split the model.
    pub parallelism: Parallelism,
}

impl PoolFigures {
    /// GPUs of the pool.
    pub fn gpus(&self) -> u64 {
        u64::from(self.gpus_per_replica) * u64::from(self.replicas)
    }
}

/// The model's figures for a service.
#[derive(Clone, PartialEq, Debug)]
pub struct Estimate {
    /// Whether weights plus one request's KV fit a replica as laid out.
    pub fits: bool,
    /// Weights of the model at its precision, bytes.
    pub weights_bytes: f64,
    /// HBM a decode replica may use, bytes.
    pub usable_bytes: f64,
    /// KV cache of one sequence at its full context, bytes (at the KV precision).
    pub kv_bytes_per_sequence: f64,
    /// Sequences a decode replica holds beside its weights.
    pub max_batch: u32,
    /// Where a decode replica's collectives run: `nvlink` or `scale-out`.
    pub interconnect: &'static str,
    /// The service as laid out, where it fits.
    pub operating: Option<Operating>,
    /// One decode step of one decode replica at the operating batch, as a simulator
    /// replays it (docs/simulation.md, "Workloads").
    pub decode_work: Option<DecodeWork>,
    /// Tokens per second the load asks for.
    pub demand_tokens_per_s: f64,
    /// Energy per token on the SLO's basis (IT, or facility with PUE), joules.
    pub energy_per_token_j: Option<f64>,
    /// `it` or `facility`.
    pub energy_basis: &'static str,
    /// Whether prefill and decode run on separate pools.
    pub disaggregated: bool,
    /// Whether the compiler chose the layout (planner mode).
    pub chosen: bool,
    /// The prefill pool (the one pool of an aggregated layout).
    pub prefill: PoolFigures,
    /// The decode pool (the one pool of an aggregated layout).
    pub decode: PoolFigures,
    /// One prompt's KV cache from the prefill to the decode pool, seconds (disaggregated).
    pub kv_transfer_s: Option<f64>,
    /// The most tokens per second per decode GPU the layout sustains within the TPOT target.
    pub saturated_output_per_gpu: Option<f64>,
    /// The layout that meets the SLOs with the fewest GPUs, written out as Fabric.
    pub suggested_layout: Option<String>,
    /// The GPUs of one replica of that layout's decode (or only) pool.
    pub gpus_per_replica_needed: Option<u32>,
    /// Its decode (or only) replicas.
    pub replicas_needed: Option<u32>,
    /// The GPUs the load needs at its SLOs: every pool of that layout.
    pub gpus_needed: Option<u64>,
    /// The layout as laid out (its replicas) at decode batches from 1 to what memory holds:
    /// TPOT and throughput against batch, for report.html's chart. Empty where it does not fit.
    pub batch_curve: Vec<BatchPoint>,
    /// Test-time scaling: the GPUs the layout needs at its SLOs with 1×, 2× and 4× the load's
    /// reasoning tokens. Empty where it does not fit.
    pub reasoning_scaling: Vec<ScalingPoint>,
}

/// One point of [`Estimate::batch_curve`].
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct BatchPoint {
    /// Sequences per decode attention group.
    pub batch: u32,
    /// Time per output token, seconds.
    pub tpot_s: f64,
    /// Output tokens per second of the whole service.
    pub tokens_per_s: f64,
}

/// One point of [`Estimate::reasoning_scaling`].
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct ScalingPoint {
    /// The factor on the load's reasoning tokens.
    pub factor: f64,
    /// Reasoning tokens per sample at that factor.
    pub reasoning_tokens: f64,
    /// GPUs the layout needs at its SLOs; `None` where no count of replicas meets them.
    pub gpus_needed: Option<u64>,
}

/// Workloads a failure scenario leaves as they were (none of their GPUs lost, nothing down
/// in their fabrics, no campus link changed under them): their figures are `base`'s, not
/// re-estimated.
pub struct Unchanged<'a> {
    /// The spec's own figures.
    pub base: &'a Budgets,
    /// The `inference` and `training` instances to take from `base`.
    pub workloads: Vec<crate::plant::InstanceId>,
}

impl Unchanged<'_> {
    /// The base estimate of service `root`, where it is unchanged.
    pub fn service(&self, root: crate::plant::InstanceId) -> Option<&ServiceEstimate> {
        self.workloads.contains(&root).then(|| self.base.services.iter().find(|s| s.instance == root)).flatten()
    }

    /// The base estimate of training job `root`, where it is unchanged.
    pub fn job(&self, root: crate::plant::InstanceId) -> Option<&TrainingEstimate> {
        self.workloads.contains(&root).then(|| self.base.training.iter().find(|t| t.instance == root)).flatten()
    }
}
