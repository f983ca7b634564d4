//! The analytical inference model of docs/slo-model.md, as pure functions of SI figures
//! (bytes, seconds, FLOP/s, watts): memory fit, prefill, the decode step's roofline plus
//! the interconnect's share, an M/M/c queue over batch slots, energy per token, and the
//! search for the smallest replica count that meets the SLOs. Nothing here reads the plant;
//! `slo` gathers the inputs and turns the results into diagnostics.

/// Bytes an activation element takes on the wire (BF16).
pub const ACTIVATION_BYTES: f64 = 2.0;

/// The percentile the SLOs name.
pub const PERCENTILE: f64 = 0.99;

/// The most replicas the sizing search considers.
pub const MAX_REPLICAS: u32 = 1_000_000;

/// A model at a precision.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct ModelFigures {
    /// Total parameters (all experts of a mixture of experts).
    pub params: f64,
    /// Parameters active per token.
    pub active_params: f64,
    /// Bytes per parameter at the precision.
    pub bytes_per_param: f64,
    /// KV-cache bytes per token of context.
    pub kv_bytes_per_token: f64,
    /// Transformer layers; with `hidden_size`, enables the interconnect term.
    pub layers: Option<f64>,
    /// Hidden size (elements per token's activation).
    pub hidden_size: Option<f64>,
}

/// One GPU of the replica, with the serving efficiencies applied by the caller.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct GpuFigures {
    /// HBM in bytes.
    pub memory_bytes: f64,
    /// Memory bandwidth in bytes per second.
    pub memory_bw: f64,
    /// Dense compute at the precision in FLOP/s.
    pub flops: f64,
    /// Its share of IT power in watts (the GPU with its share of node and rack).
    pub power_w: f64,
}

/// The links a replica's collectives cross.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Interconnect {
    /// Bandwidth per GPU and direction, bytes per second.
    pub bandwidth: f64,
    /// One-way latency of one collective step in seconds.
    pub latency_s: f64,
}

/// The serving assumptions (docs/slo-model.md), overridable per service.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Assumptions {
    /// Fraction of HBM the engine may use for weights and KV cache.
    pub memory_utilization: f64,
    /// Fraction of peak compute reached.
    pub compute_efficiency: f64,
    /// Fraction of peak memory bandwidth reached.
    pub bandwidth_efficiency: f64,
}

/// The load of a service.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Load {
    /// Requests per second.
    pub arrival: f64,
    /// Prompt tokens per request.
    pub prompt: f64,
    /// Reasoning tokens per sample.
    pub reasoning: f64,
    /// Answer tokens per sample.
    pub output: f64,
    /// Samples per request, decoded concurrently.
    pub samples: f64,
}

impl Load {
    /// Context one sequence reaches: prompt + reasoning + output.
    pub fn context(&self) -> f64 {
        self.prompt + self.reasoning + self.output
    }
    /// Tokens generated per sample.
    pub fn generated(&self) -> f64 {
        self.reasoning + self.output
    }
    /// Tokens generated per second: arrival × (reasoning + output) × samples.
    pub fn demand_tokens_per_s(&self) -> f64 {
        self.arrival * self.generated() * self.samples
    }
}

/// One replica shape: everything but the replica count.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Replica {
    /// The model.
    pub model: ModelFigures,
    /// One GPU.
    pub gpu: GpuFigures,
    /// GPUs per replica.
    pub gpus: f64,
    /// The collectives' links.
    pub interconnect: Interconnect,
    /// The assumptions.
    pub assumptions: Assumptions,
}

/// Memory of one replica.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct MemoryFit {
    /// Weights at the precision, bytes.
    pub weights_bytes: f64,
    /// HBM the engine may use across the replica, bytes.
    pub usable_bytes: f64,
    /// KV cache of one sequence at its full context, bytes.
    pub kv_bytes_per_sequence: f64,
    /// Sequences whose KV fits beside the weights (0 when the weights alone do not fit).
    pub max_batch: u32,
}

impl Replica {
    /// Weights + KV against usable HBM: weights = params × bytes/param; usable = GPUs × HBM ×
    /// memory utilization; max batch = ⌊(usable − weights) / (kv/token × context)⌋.
    pub fn memory(&self, load: &Load) -> MemoryFit {
        let weights = self.model.params * self.model.bytes_per_param;
        let usable = self.gpus * self.gpu.memory_bytes * self.assumptions.memory_utilization;
        let per_sequence = self.model.kv_bytes_per_token * load.context();
        let free = usable - weights;
        let max_batch = if free <= 0.0 {
            0
        } else if per_sequence <= 0.0 {
            u32::MAX
        } else {
            (free / per_sequence).floor().min(f64::from(u32::MAX)) as u32
        };
        MemoryFit { weights_bytes: weights, usable_bytes: usable, kv_bytes_per_sequence: per_sequence, max_batch }
    }

    /// Prefill time of one prompt: 2 × active params × prompt tokens over the replica's
    /// compute at its efficiency.
    pub fn prefill_s(&self, load: &Load) -> f64 {
        2.0 * self.model.active_params * load.prompt / (self.gpus * self.gpu.flops * self.assumptions.compute_efficiency)
    }

    /// The interconnect's share of one decode step at `batch`: two all-reduces per layer
    /// (after attention and after the MLP or expert combine) of batch × hidden activations,
    /// each a ring: 2 (g − 1) latency steps and 2 (g − 1)/g of the data per GPU.
    pub fn comm_s(&self, batch: f64) -> f64 {
        let (Some(layers), Some(hidden)) = (self.model.layers, self.model.hidden_size) else { return 0.0 };
        let g = self.gpus;
        if g <= 1.0 || self.interconnect.bandwidth <= 0.0 {
            return 0.0;
        }
        let data = batch * hidden * ACTIVATION_BYTES;
        let one = 2.0 * (g - 1.0) * self.interconnect.latency_s + 2.0 * (g - 1.0) / g * data / self.interconnect.bandwidth;
        2.0 * layers * one
    }

    /// One decode step at `batch` sequences: the roofline of bytes read (active weights +
    /// each sequence's KV at its mean decode context) over memory bandwidth and 2 × active
    /// params × batch FLOPs over compute, plus the interconnect's share.
    pub fn step_s(&self, batch: f64, load: &Load) -> StepTime {
        let mean_context = load.prompt + load.generated() / 2.0;
        let bytes = self.model.active_params * self.model.bytes_per_param + batch * self.model.kv_bytes_per_token * mean_context;
        let memory_s = bytes / (self.gpus * self.gpu.memory_bw * self.assumptions.bandwidth_efficiency);
        let compute_s = 2.0 * self.model.active_params * batch / (self.gpus * self.gpu.flops * self.assumptions.compute_efficiency);
        let comm_s = self.comm_s(batch);
        StepTime { memory_s, compute_s, comm_s, total_s: memory_s.max(compute_s) + comm_s }
    }

    /// The largest batch in `lo..=hi` whose step meets `tpot`: the step time grows with the
    /// batch, so a binary search finds it. `None` when even `lo` misses.
    pub fn largest_batch_within(&self, lo: u32, hi: u32, tpot: f64, load: &Load) -> Option<u32> {
        if lo > hi || self.step_s(f64::from(lo), load).total_s > tpot {
            return None;
        }
        let (mut good, mut bad) = (lo, hi.saturating_add(1));
        while bad - good > 1 {
            let mid = good + (bad - good) / 2;
            if self.step_s(f64::from(mid), load).total_s <= tpot { good = mid } else { bad = mid }
        }
        Some(good)
    }
}

/// The parts of one decode step.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct StepTime {
    /// Bytes read over memory bandwidth.
    pub memory_s: f64,
    /// FLOPs over compute.
    pub compute_s: f64,
    /// The interconnect's share.
    pub comm_s: f64,
    /// max(memory, compute) + interconnect.
    pub total_s: f64,
}

/// The service at a replica count and batch.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Operating {
    /// Replicas.
    pub replicas: u32,
    /// Sequences decoded together per replica.
    pub batch: u32,
    /// Requests a replica serves at once: ⌊batch / samples⌋.
    pub slots_per_replica: u32,
    /// Prefill of one prompt.
    pub prefill_s: f64,
    /// Share of replica time spent on prefill.
    pub prefill_share: f64,
    /// Time per output token, prefill interference included.
    pub tpot_s: f64,
    /// Time a request holds its slot: prefill + generated tokens × TPOT.
    pub service_s: f64,
    /// Offered load over slots (≥ 1 means the queue grows without bound).
    pub utilization: f64,
    /// Probability a request waits for a slot (Erlang C).
    pub wait_probability: f64,
    /// The p99 wait for a slot.
    pub wait_p99_s: f64,
    /// p99 time to first token: p99 wait + prefill.
    pub ttft_p99_s: f64,
    /// Tokens per second the service can generate.
    pub capacity_tokens_per_s: f64,
    /// Energy per generated token at full batch, joules.
    pub energy_per_token_j: f64,
}

impl Operating {
    /// Whether the queue is stable.
    pub fn stable(&self) -> bool {
        self.utilization < 1.0
    }
}

/// Evaluates the service with `replicas` of `replica` at `batch` sequences each.
pub fn operate(replica: &Replica, replicas: u32, batch: u32, load: &Load) -> Operating {
    let step = replica.step_s(f64::from(batch), load).total_s;
    let prefill = replica.prefill_s(load);
    let slots_per_replica = (f64::from(batch) / load.samples.max(1.0)).floor() as u32;
    let prefill_share = load.arrival * prefill / f64::from(replicas.max(1));
    let tpot = if prefill_share < 1.0 { step / (1.0 - prefill_share) } else { f64::INFINITY };
    let service = prefill + load.generated() * tpot;
    let servers = f64::from(replicas) * f64::from(slots_per_replica);
    let offered = load.arrival * service;
    let utilization = if servers > 0.0 { offered / servers } else { f64::INFINITY };
    let (wait_probability, wait_p99) = if utilization < 1.0 && service.is_finite() {
        let c = erlang_c(replicas as u64 * u64::from(slots_per_replica), offered);
        (c, mmc_wait_quantile(c, servers, service, load.arrival, PERCENTILE))
    } else {
        (1.0, f64::INFINITY)
    };
    let replica_tokens_per_s = if tpot.is_finite() { f64::from(batch) / tpot } else { 0.0 };
    Operating {
        replicas,
        batch,
        slots_per_replica,
        prefill_s: prefill,
        prefill_share,
        tpot_s: tpot,
        service_s: service,
        utilization,
        wait_probability,
        wait_p99_s: wait_p99,
        ttft_p99_s: wait_p99 + prefill,
        capacity_tokens_per_s: f64::from(replicas) * replica_tokens_per_s,
        energy_per_token_j: replica.gpus * replica.gpu.power_w * step / f64::from(batch.max(1)),
    }
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with `servers` servers
/// and `offered` Erlangs, by the stable recurrence of Erlang B. Past the offered load B
/// only falls, so the recurrence stops once B is below 1e-15: the result is then an upper
/// bound under 1e-14, far below any percentile the SLOs ask about.
pub fn erlang_c(servers: u64, offered: f64) -> f64 {
    if servers == 0 {
        return 1.0;
    }
    let c = servers as f64;
    if offered >= c {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = offered * b / (k as f64 + offered * b);
        if b < 1e-15 && k as f64 > offered {
            break;
        }
    }
    let rho = offered / c;
    b / (1.0 - rho * (1.0 - b))
}

/// The `quantile` of the wait in an M/M/c queue: P(W > t) = C · e^(−(c/S − λ) t), so
/// t = ln(C / (1 − q)) / (c/S − λ), and 0 where C ≤ 1 − q.
pub fn mmc_wait_quantile(wait_probability: f64, servers: f64, service_s: f64, arrival: f64, quantile: f64) -> f64 {
    let tail = 1.0 - quantile;
    if wait_probability <= tail {
        return 0.0;
    }
    let drain = servers / service_s - arrival;
    if drain <= 0.0 {
        return f64::INFINITY;
    }
    (wait_probability / tail).ln() / drain
}

/// What the service's SLOs ask, in seconds and joules (`None`: not bounded).
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Targets {
    /// p99 time to first token.
    pub ttft_p99_s: Option<f64>,
    /// p99 time per output token.
    pub tpot_p99_s: Option<f64>,
    /// Energy per generated token.
    pub energy_per_token_j: Option<f64>,
}

/// The batch a replica runs at with `replicas` replicas: as many sequences as memory holds,
/// fewer where the TPOT target needs it, with prefill's share of replica time taken off the
/// step's budget; `None` when memory does not hold one request's samples or not even they
/// meet the TPOT target. Where prefill alone takes all of the replicas' time the batch is
/// the largest, and [`operate`] finds the queue unstable.
pub fn operating_batch(replica: &Replica, replicas: u32, max_batch: u32, load: &Load, targets: &Targets) -> Option<u32> {
    let least = load.samples.max(1.0).ceil() as u32;
    if max_batch < least {
        return None;
    }
    match targets.tpot_p99_s {
        Some(tpot) => {
            let share = load.arrival * replica.prefill_s(load) / f64::from(replicas.max(1));
            if share >= 1.0 {
                // Prefill alone overloads the replicas: the queue is unstable at any batch.
                return Some(max_batch);
            }
            replica.largest_batch_within(least, max_batch, tpot * (1.0 - share), load)
        }
        None => Some(max_batch),
    }
}

/// The service with `replicas` replicas at its operating batch; `None` where no batch
/// meets the TPOT target (see [`operating_batch`]).
pub fn plan(replica: &Replica, replicas: u32, max_batch: u32, load: &Load, targets: &Targets) -> Option<Operating> {
    operating_batch(replica, replicas, max_batch, load, targets).map(|b| operate(replica, replicas, b, load))
}

/// Whether the service meets its latency targets and carries its load.
pub fn meets(op: &Operating, targets: &Targets) -> bool {
    op.stable()
        && targets.ttft_p99_s.is_none_or(|t| op.ttft_p99_s <= t * (1.0 + 1e-9))
        && targets.tpot_p99_s.is_none_or(|t| op.tpot_s <= t * (1.0 + 1e-9))
}

/// The smallest replica count that meets `targets`, each replica at its operating batch,
/// by binary search (more replicas never hurt: prefill's share, utilization and wait all
/// fall, and the batch may grow); `None` when no count up to [`MAX_REPLICAS`] does (a
/// target the replica shape cannot meet at any scale).
pub fn replicas_needed(replica: &Replica, max_batch: u32, load: &Load, targets: &Targets) -> Option<u32> {
    let ok = |n: u32| plan(replica, n, max_batch, load, targets).is_some_and(|op| meets(&op, targets));
    if !ok(MAX_REPLICAS) {
        return None;
    }
    // Doubling finds a count that works; bisection then finds the smallest.
    let (mut bad, mut good) = (0u32, MAX_REPLICAS);
    let mut probe = 1u32;
    while probe < MAX_REPLICAS {
        if ok(probe) {
            good = probe;
            break;
        }
        bad = probe;
        probe = probe.saturating_mul(2);
    }
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if ok(mid) { good = mid } else { bad = mid }
    }
    Some(good)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: f64 = 1e9;

    /// DeepSeek-R1 at FP8 on H100s (hardware.md: 80 GB, 3.35 TB/s, 1,979 TFLOP/s FP8).
    fn r1_on_h100(gpus: f64) -> Replica {
        Replica {
            model: ModelFigures {
                params: 671e9,
                active_params: 37e9,
                bytes_per_param: 1.0,
                kv_bytes_per_token: 70_272.0,
                layers: Some(61.0),
                hidden_size: Some(7168.0),
            },
            gpu: GpuFigures { memory_bytes: 80.0 * GB, memory_bw: 3.35e12, flops: 1.979e15, power_w: 1275.0 },
            gpus,
            interconnect: Interconnect { bandwidth: 450.0 * GB, latency_s: 0.0 },
            assumptions: Assumptions { memory_utilization: 0.9, compute_efficiency: 0.5, bandwidth_efficiency: 0.8 },
        }
    }

    fn load() -> Load {
        Load { arrival: 1.0, prompt: 4000.0, reasoning: 12_000.0, output: 800.0, samples: 1.0 }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
    }

    #[test]
    fn r1_fp8_weights_do_not_fit_eight_h100s_but_fit_sixteen() {
        // 8 × 80 GB × 0.9 = 576 GB < 671 GB of weights.
        let m = r1_on_h100(8.0).memory(&load());
        assert!(close(m.weights_bytes, 671e9));
        assert!(close(m.usable_bytes, 576e9));
        assert_eq!(m.max_batch, 0);
        // 16 × 80 GB × 0.9 = 1,152 GB; free 481 GB; one sequence 70,272 × 16,800 = 1.1806 GB.
        let m = r1_on_h100(16.0).memory(&load());
        assert!(close(m.kv_bytes_per_sequence, 70_272.0 * 16_800.0));
        assert_eq!(m.max_batch, (481e9_f64 / (70_272.0 * 16_800.0)).floor() as u32);
        assert_eq!(m.max_batch, 407);
    }

    #[test]
    fn prefill_is_flops_over_compute() {
        // 2 × 37e9 × 4000 / (16 × 1.979e15 × 0.5) = 18.69 ms.
        let t = r1_on_h100(16.0).prefill_s(&load());
        assert!(close(t, 2.0 * 37e9 * 4000.0 / (16.0 * 1.979e15 * 0.5)));
        assert!((t - 0.018_69).abs() < 1e-5);
    }

    #[test]
    fn decode_step_is_the_roofline_plus_the_ring() {
        let r = r1_on_h100(16.0);
        let l = load();
        // Batch 1: bytes = 37e9 + 70,272 × (4000 + 6400) = 37.7308 GB over 16 × 3.35e12 × 0.8.
        let s = r.step_s(1.0, &l);
        let bytes = 37e9 + 70_272.0 * 10_400.0;
        assert!(close(s.memory_s, bytes / (16.0 * 3.35e12 * 0.8)));
        assert!(close(s.compute_s, 2.0 * 37e9 / (16.0 * 1.979e15 * 0.5)));
        // Ring: 2 layers-collectives × 61 × (2 × 15/16 × 7168 × 2 B / 450 GB/s), latency 0.
        let comm = 2.0 * 61.0 * (2.0 * 15.0 / 16.0 * 7168.0 * 2.0 / 450e9);
        assert!(close(s.comm_s, comm));
        assert!(close(s.total_s, s.memory_s + comm));
        // Larger batches cost more per step but less per token.
        let big = r.step_s(64.0, &l);
        assert!(big.total_s > s.total_s && big.total_s / 64.0 < s.total_s);
    }

    #[test]
    fn comm_counts_latency_per_ring_step() {
        let mut r = r1_on_h100(16.0);
        r.interconnect = Interconnect { bandwidth: 50.0 * GB, latency_s: 2e-6 };
        let data = 7168.0 * 2.0;
        let expect = 2.0 * 61.0 * (2.0 * 15.0 * 2e-6 + 2.0 * 15.0 / 16.0 * data / 50e9);
        assert!(close(r.comm_s(1.0), expect));
        r.gpus = 1.0;
        assert_eq!(r.comm_s(1.0), 0.0);
    }

    #[test]
    fn erlang_c_matches_hand_values() {
        // One server: C = ρ.
        assert!(close(erlang_c(1, 0.5), 0.5));
        // Two servers, 1 Erlang: B = 0.2, C = 0.2 / (1 − 0.5 × 0.8) = 1/3.
        assert!(close(erlang_c(2, 1.0), 1.0 / 3.0));
        assert_eq!(erlang_c(4, 4.0), 1.0);
        // Many servers, light load: almost never waits.
        assert!(erlang_c(1000, 100.0) < 1e-12);
    }

    #[test]
    fn mmc_p99_wait_follows_the_exponential_tail() {
        // M/M/1, ρ = 0.5, S = 1 s: P(W > t) = 0.5 e^(−0.5 t) = 0.01 at t = 2 ln 50.
        let t = mmc_wait_quantile(0.5, 1.0, 1.0, 0.5, 0.99);
        assert!(close(t, 2.0 * 50f64.ln()));
        assert_eq!(mmc_wait_quantile(0.005, 1.0, 1.0, 0.5, 0.99), 0.0);
    }

    #[test]
    fn operating_point_adds_queueing_to_prefill() {
        let r = r1_on_h100(16.0);
        let l = load();
        let op = operate(&r, 4, 100, &l);
        let prefill = r.prefill_s(&l);
        let share = l.arrival * prefill / 4.0;
        let tpot = r.step_s(100.0, &l).total_s / (1.0 - share);
        assert!(close(op.tpot_s, tpot));
        assert!(close(op.service_s, prefill + 12_800.0 * tpot));
        assert!(close(op.utilization, op.service_s / 400.0));
        assert!(close(op.ttft_p99_s, op.wait_p99_s + prefill));
        assert!(close(op.capacity_tokens_per_s, 4.0 * 100.0 / tpot));
        assert!(close(op.energy_per_token_j, 16.0 * 1275.0 * r.step_s(100.0, &l).total_s / 100.0));
    }

    #[test]
    fn samples_share_a_replica_batch() {
        let r = r1_on_h100(16.0);
        let l = Load { samples: 8.0, ..load() };
        assert_eq!(operate(&r, 1, 100, &l).slots_per_replica, 12);
        assert_eq!(operating_batch(&r, 1, 7, &l, &Targets::default()), None);
        assert_eq!(operating_batch(&r, 1, 100, &l, &Targets::default()), Some(100));
    }

    #[test]
    fn tpot_target_caps_the_batch() {
        let r = r1_on_h100(16.0);
        let l = load();
        let targets = Targets { tpot_p99_s: Some(0.05), ..Targets::default() };
        // Prefill's share of replica time comes off the step's budget.
        let budget = 0.05 * (1.0 - l.arrival * r.prefill_s(&l) / 2.0);
        let b = operating_batch(&r, 2, 407, &l, &targets).unwrap();
        assert!(r.step_s(f64::from(b), &l).total_s <= budget);
        assert!(b == 407 || r.step_s(f64::from(b + 1), &l).total_s > budget);
        let op = plan(&r, 2, 407, &l, &targets).unwrap();
        assert!(op.tpot_s <= 0.05 * (1.0 + 1e-12));
        let tight = Targets { tpot_p99_s: Some(1e-4), ..Targets::default() };
        assert_eq!(operating_batch(&r, 2, 407, &l, &tight), None);
    }

    #[test]
    fn replicas_needed_is_the_smallest_count_that_meets_the_targets() {
        let r = r1_on_h100(16.0);
        let l = Load { arrival: 40.0, ..load() };
        let targets = Targets { ttft_p99_s: Some(2.0), tpot_p99_s: Some(0.05), energy_per_token_j: None };
        let n = replicas_needed(&r, 407, &l, &targets).unwrap();
        assert!(meets(&plan(&r, n, 407, &l, &targets).unwrap(), &targets));
        assert!(plan(&r, n - 1, 407, &l, &targets).is_none_or(|op| !meets(&op, &targets)));
    }

    #[test]
    fn doubling_reasoning_or_samples_roughly_doubles_the_replicas() {
        let r = r1_on_h100(16.0);
        let targets = Targets { ttft_p99_s: Some(2.0), tpot_p99_s: Some(0.05), energy_per_token_j: None };
        let needed = |l: Load| {
            let fit = r.memory(&l).max_batch;
            f64::from(replicas_needed(&r, fit, &l, &targets).unwrap())
        };
        let base = Load { arrival: 40.0, ..load() };
        let n = needed(base);
        let reasoning = needed(Load { reasoning: 24_000.0, ..base }) / n;
        let samples = needed(Load { samples: 2.0, ..base }) / n;
        assert!((1.7..=2.6).contains(&reasoning), "reasoning ×2 → replicas ×{reasoning}");
        assert!((1.7..=2.6).contains(&samples), "samples ×2 → replicas ×{samples}");
    }

    #[test]
    fn a_target_no_scale_meets_is_none() {
        let r = r1_on_h100(16.0);
        let l = load();
        // Prefill alone takes 18.7 ms; no replica count brings TTFT under 10 ms.
        let targets = Targets { ttft_p99_s: Some(0.01), ..Targets::default() };
        assert_eq!(replicas_needed(&r, 407, &l, &targets), None);
    }
}
