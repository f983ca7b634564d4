//! The training model of docs/training-model.md, as pure functions of SI figures: memory
//! per GPU (weights, gradients and optimizer state sharded by the layout and the ZeRO stage,
//! activations with or without recomputation) and the time of one step (compute at a stated
//! efficiency, the pipeline bubble, and the exposed share of tensor-parallel, pipeline,
//! data-parallel and expert-parallel communication, across campus links where the job spans
//! buildings).

/// Bytes of a weight and of a gradient in training (BF16, also under FP8 compute).
pub const WEIGHT_BYTES: f64 = 2.0;

/// Bytes of optimizer state per parameter: FP32 master weights and Adam's two moments.
pub const OPTIMIZER_BYTES: f64 = 12.0;

/// Activation bytes per token per layer per hidden element with selective recomputation
/// and sequence parallelism (Korthikanti et al., "Reducing Activation Recomputation in Large
/// Transformer Models", 2022: 34 s·b·h / t per layer).
pub const SELECTIVE_ACTIVATION_BYTES: f64 = 34.0;

/// Activation bytes per token per layer per hidden element kept with full recomputation (the
/// layer's BF16 input).
pub const FULL_RECOMPUTE_ACTIVATION_BYTES: f64 = 2.0;

/// Calibration (docs/training-model.md): the share of data-parallel gradient traffic that
/// overlaps the backward pass.
pub const DP_OVERLAP: f64 = 0.8;

/// Calibration: the share of tensor-parallel all-reduces hidden behind computation
/// (sequence parallelism's reduce-scatter and all-gather partly overlap the GEMMs).
pub const TP_OVERLAP: f64 = 0.5;

/// Calibration (docs/training-model.md): the share of peak compute a training step's
/// matrix multiplications reach by default. NVIDIA's Nemotron-4 340B recipe reaches 55 % MFU
/// on 128 H100 (dgxc-benchmarking), MegaScale 55 % on 12,288 A100.
pub const COMPUTE_EFFICIENCY: f64 = 0.6;

/// Activation recomputation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Recompute {
    /// Every activation kept.
    None,
    /// What is cheap to keep kept, attention's recomputed.
    Selective,
    /// Only each layer's input kept; the forward pass runs twice.
    Full,
    /// Selective, plus full recomputation of the fewest layers that make the job fit
    /// (Megatron's `recompute_num_layers`).
    Auto,
}

/// The model trained.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainModel {
    /// Total parameters.
    pub params: f64,
    /// Parameters active per token.
    pub active_params: f64,
    /// Transformer layers.
    pub layers: f64,
    /// Hidden size.
    pub hidden_size: f64,
    /// Routed experts (0 for dense).
    pub experts: f64,
    /// Routed experts per token.
    pub experts_per_token: f64,
    /// Attention FLOPs of a token per earlier token of its sequence, forward, all layers.
    pub attention_flops: f64,
}

impl TrainModel {
    /// Parameters of every routed expert (0 for dense): N · (P − A) / (N − k).
    pub fn routed_params(&self) -> f64 {
        if self.experts > self.experts_per_token && self.experts_per_token > 0.0 {
            self.experts * (self.params - self.active_params) / (self.experts - self.experts_per_token)
        } else {
            0.0
        }
    }
}

/// A training layout: `tp × pp × dp × cp` GPUs, experts over `ep` of the data-parallel ranks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct TrainLayout {
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
    /// Virtual pipeline stages per GPU (interleaved 1F1B; 1 without interleaving).
    pub vp: u32,
}

impl TrainLayout {
    /// GPUs of the layout: tp × pp × dp × cp.
    pub fn gpus(&self) -> u64 {
        u64::from(self.tp) * u64::from(self.pp) * u64::from(self.dp) * u64::from(self.cp)
    }
}

/// One GPU and the links of the job.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainHardware {
    /// HBM in bytes.
    pub memory_bytes: f64,
    /// Dense compute at the precision, FLOP/s.
    pub flops: f64,
    /// Dense BF16 compute, FLOP/s (the MFU's denominator).
    pub bf16_flops: f64,
    /// NVLink bandwidth per GPU and direction, bytes/s.
    pub nvlink_bw: f64,
    /// Scale-out bandwidth per GPU, bytes/s.
    pub nic_bw: f64,
    /// GPUs in one NVLink domain.
    pub domain_gpus: f64,
    /// Worst one-way latency between the job's GPUs, seconds.
    pub net_latency_s: f64,
    /// Buildings the job spans.
    pub buildings: f64,
    /// Capacity of the campus link between them, bytes/s (infinite within one building).
    pub campus_bw: f64,
}

/// The run.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainRun {
    /// Sequence length.
    pub sequence: f64,
    /// Sequences per step.
    pub global_batch: f64,
    /// Tokens of the whole run.
    pub tokens: f64,
    /// ZeRO stage (0–3).
    pub zero: u32,
    /// Recomputation.
    pub recompute: Recompute,
    /// Usable share of HBM.
    pub memory_utilization: f64,
    /// Share of peak compute reached.
    pub compute_efficiency: f64,
}

/// Memory of one GPU, bytes.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainMemory {
    /// Weights.
    pub weights: f64,
    /// Gradients.
    pub gradients: f64,
    /// Optimizer state.
    pub optimizer: f64,
    /// Activations of the micro-batches in flight.
    pub activations: f64,
    /// Share of layers recomputed in full (1 under `full`, 0 under `none` and `selective`).
    pub recomputed: f64,
    /// Their sum.
    pub total: f64,
    /// HBM the job may use.
    pub usable: f64,
}

/// The time of one step and its parts, seconds.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainStep {
    /// Model FLOPs of the step (6 · active params · tokens + attention).
    pub model_flops: f64,
    /// FLOPs over the GPUs' compute at the efficiency (recomputation included).
    pub compute_s: f64,
    /// The pipeline bubble: (pp − 1) / micro-batches of the compute.
    pub bubble_s: f64,
    /// Exposed tensor-parallel all-reduces.
    pub tp_s: f64,
    /// Pipeline sends.
    pub pp_s: f64,
    /// Exposed data-parallel gradient reduce-scatter and all-gather.
    pub dp_s: f64,
    /// Exposed expert all-to-all.
    pub ep_s: f64,
    /// The sum.
    pub total_s: f64,
    /// Bytes crossing the campus link per step (0 within one building).
    pub cross_building_bytes: f64,
}

/// Parameters one GPU holds: the shared ones over tp · pp, the routed experts also over ep.
pub fn params_per_gpu(model: &TrainModel, layout: &TrainLayout) -> f64 {
    let shard = f64::from(layout.tp) * f64::from(layout.pp);
    let routed = model.routed_params();
    (model.params - routed) / shard + routed / (shard * f64::from(layout.ep))
}

/// Memory per GPU: weights and gradients at 2 bytes, optimizer state at 12, sharded over
/// data parallelism as the ZeRO stage says; activations of one sequence (split over cp) per
/// layer, for the L / pp layers of a stage and the pp micro-batches 1F1B keeps in flight.
pub fn memory(model: &TrainModel, layout: &TrainLayout, run: &TrainRun, hw: &TrainHardware) -> TrainMemory {
    // ZeRO shards the shared parameters' state over dp, the routed experts' over the dp / ep
    // ranks that hold the same experts.
    let shard_tp_pp = f64::from(layout.tp) * f64::from(layout.pp);
    let routed = model.routed_params() / (shard_tp_pp * f64::from(layout.ep.max(1)));
    let shared = params_per_gpu(model, layout) - routed;
    let dp = f64::from(layout.dp.max(1));
    let expert_dp = (dp / f64::from(layout.ep.max(1))).max(1.0);
    let sharded = |stage: u32, bytes: f64| {
        if run.zero >= stage { bytes * (shared / dp + routed / expert_dp) } else { bytes * (shared + routed) }
    };
    let weights = sharded(3, WEIGHT_BYTES);
    let gradients = sharded(2, WEIGHT_BYTES);
    let optimizer = sharded(1, OPTIMIZER_BYTES);
    let tokens = run.sequence / f64::from(layout.cp.max(1));
    let selective = SELECTIVE_ACTIVATION_BYTES * tokens * model.hidden_size / f64::from(layout.tp);
    let full = FULL_RECOMPUTE_ACTIVATION_BYTES * tokens * model.hidden_size;
    // Interleaving keeps (1 + (pp − 1)/(pp · vp)) times as many activations in flight
    // (Korthikanti et al. 2022, section 4.2.3).
    let pp = f64::from(layout.pp.max(1));
    let vp = f64::from(layout.vp.max(1));
    let layers = model.layers * if layout.vp > 1 { 1.0 + (pp - 1.0) / (pp * vp) } else { 1.0 };
    let states = weights + gradients + optimizer;
    let usable = hw.memory_bytes * run.memory_utilization;
    let recomputed = match run.recompute {
        Recompute::Full => 1.0,
        Recompute::None | Recompute::Selective => 0.0,
        // The fewest layers whose full recomputation brings the activations within what the
        // states leave; all of them where even that does not fit.
        Recompute::Auto => {
            let room = usable - states;
            if selective * layers <= room || selective <= full {
                0.0
            } else {
                ((selective * layers - room) / ((selective - full) * layers)).clamp(0.0, 1.0)
            }
        }
    };
    let activations = match run.recompute {
        // Without recomputation attention keeps its scores too: 5 · heads · s² bytes per
        // layer, about 5 · s · h extra per token at the usual head size of 128.
        Recompute::None => {
            (SELECTIVE_ACTIVATION_BYTES * model.hidden_size + 5.0 * tokens * model.hidden_size / 128.0) * tokens / f64::from(layout.tp)
                * layers
        }
        _ => (recomputed * full + (1.0 - recomputed) * selective) * layers,
    };
    let total = states + activations;
    TrainMemory { weights, gradients, optimizer, activations, recomputed, total, usable }
}

/// One step: see the module doc and docs/training-model.md.
pub fn step(model: &TrainModel, layout: &TrainLayout, run: &TrainRun, hw: &TrainHardware) -> TrainStep {
    let gpus = layout.gpus() as f64;
    let tokens = run.global_batch * run.sequence;
    let attention = 3.0 * tokens * (run.sequence / 2.0) * model.attention_flops;
    let model_flops = 6.0 * model.active_params * tokens + attention;
    // Recomputation repeats the forward pass of the layers recomputed in full (2 FLOPs per
    // active parameter per token) and attention's everywhere else.
    let recompute = match run.recompute {
        Recompute::None => 0.0,
        _ => memory(model, layout, run, hw).recomputed * 2.0 * model.active_params * tokens + attention / 3.0,
    };
    let compute_s = (model_flops + recompute) / (gpus * hw.flops * run.compute_efficiency);
    let micro_batches = (run.global_batch / f64::from(layout.dp.max(1))).max(1.0);
    let vp = f64::from(layout.vp.max(1));
    let bubble_s = compute_s * (f64::from(layout.pp) - 1.0) / (vp * micro_batches);
    // Tensor parallelism: 4 all-reduces per layer per micro-batch (2 forward, 2 backward) of
    // the micro-batch's activations, ring over NVLink.
    let tp = f64::from(layout.tp);
    let activation_bytes = run.sequence / f64::from(layout.cp.max(1)) * model.hidden_size * WEIGHT_BYTES;
    let tp_s = if layout.tp > 1 && hw.nvlink_bw > 0.0 {
        let per = 2.0 * (tp - 1.0) / tp * activation_bytes / hw.nvlink_bw;
        4.0 * model.layers / f64::from(layout.pp) * micro_batches * per * (1.0 - TP_OVERLAP)
    } else {
        0.0
    };
    // Pipeline: a send forward and one backward per micro-batch per stage boundary (vp of
    // them per GPU when interleaved).
    let pp_s = if layout.pp > 1 {
        let link = if hw.nic_bw > 0.0 { hw.nic_bw } else { hw.nvlink_bw.max(1.0) };
        2.0 * vp * micro_batches * (activation_bytes / link + hw.net_latency_s)
    } else {
        0.0
    };
    // Data parallelism: a reduce-scatter and an all-gather of the gradients, 2 (dp − 1)/dp
    // of them per GPU over its NIC share; across buildings hierarchical, the campus link
    // carrying 2 (B − 1)/B of the model's gradients.
    let dp = f64::from(layout.dp);
    let gradient_bytes = params_per_gpu(model, layout) * WEIGHT_BYTES;
    let within = if layout.dp > 1 && hw.nic_bw > 0.0 { 2.0 * (dp - 1.0) / dp * gradient_bytes / hw.nic_bw } else { 0.0 };
    let cross_building_bytes =
        if hw.buildings > 1.0 && layout.dp > 1 { 2.0 * (hw.buildings - 1.0) / hw.buildings * model.params * WEIGHT_BYTES } else { 0.0 };
    let across = if cross_building_bytes > 0.0 && hw.campus_bw.is_finite() && hw.campus_bw > 0.0 {
        cross_building_bytes / hw.campus_bw + 2.0 * hw.net_latency_s
    } else {
        0.0
    };
    let dp_total = within + across;
    // Experts: dispatch and combine forward and backward of each token's hidden state to k
    // experts, (ep − 1)/ep of them away, over the NIC share.
    let ep = f64::from(layout.ep);
    let ep_total = if model.routed_params() > 0.0 && layout.ep > 1 && hw.nic_bw > 0.0 {
        let per_gpu_tokens = tokens / gpus;
        let bytes = 4.0 * per_gpu_tokens * model.experts_per_token * model.hidden_size * WEIGHT_BYTES * (ep - 1.0) / ep * model.layers;
        bytes / hw.nic_bw
    } else {
        0.0
    };
    // Gradient and expert traffic share the NICs, so they share the computation they hide
    // behind: together at most DP_OVERLAP of the compute, and at least 1 − DP_OVERLAP of
    // each stays exposed (ASTRA-sim, replaying one GPU's traffic in turn, showed the two
    // hidden separately overlapped the same computation twice: docs/simulation.md).
    let nic_total = dp_total + ep_total;
    let nic_exposed = (nic_total - DP_OVERLAP * compute_s).max(nic_total * (1.0 - DP_OVERLAP));
    let (dp_s, ep_s) = if nic_total > 0.0 { (nic_exposed * dp_total / nic_total, nic_exposed * ep_total / nic_total) } else { (0.0, 0.0) };
    let total_s = compute_s + bubble_s + tp_s + pp_s + dp_s + ep_s;
    TrainStep { model_flops, compute_s, bubble_s, tp_s, pp_s, dp_s, ep_s, total_s, cross_building_bytes }
}

/// One training step of one GPU as a simulator replays it: the time [`step`] charges and
/// the traffic behind its communication, each kind grouped over the step (the model charges
/// bandwidth, not a latency per collective, for all but the pipeline sends). Bytes are each
/// GPU's buffer as ASTRA-sim's collectives take it (`comm_size`).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct TrainWork {
    /// The step as the model charges it.
    pub step: TrainStep,
    /// The layout.
    pub layout: TrainLayout,
    /// Computation and the pipeline bubble.
    pub compute_s: f64,
    /// Every tensor-parallel all-reduce of the step together (4 per layer per micro-batch).
    pub tp_all_reduce_bytes: f64,
    /// Share of the tensor-parallel traffic the model hides behind computation.
    pub tp_hidden_share: f64,
    /// The pipeline sends of the step in one direction (vp × micro-batches of them).
    pub pp_send_bytes: f64,
    /// Pipeline sends per direction.
    pub pp_sends: f64,
    /// The gradients all-reduced over data parallelism (reduce-scatter and all-gather).
    pub dp_all_reduce_bytes: f64,
    /// Share of the data-parallel traffic hidden behind computation.
    pub dp_hidden_share: f64,
    /// Every expert dispatch and combine of the step together.
    pub ep_all_to_all_bytes: f64,
    /// Share of the expert traffic hidden behind computation.
    pub ep_hidden_share: f64,
    /// The hardware figures the step was charged on.
    pub hardware: TrainHardware,
}

/// [`step`] at `layout`, with the traffic behind it (see [`TrainWork`]).
pub fn work(model: &TrainModel, layout: &TrainLayout, run: &TrainRun, hw: &TrainHardware) -> TrainWork {
    let step = step(model, layout, run, hw);
    let tokens = run.global_batch * run.sequence;
    let micro_batches = (run.global_batch / f64::from(layout.dp.max(1))).max(1.0);
    let activation_bytes = run.sequence / f64::from(layout.cp.max(1)) * model.hidden_size * WEIGHT_BYTES;
    let tp_all_reduce_bytes = if layout.tp > 1 && hw.nvlink_bw > 0.0 {
        4.0 * model.layers / f64::from(layout.pp) * micro_batches * activation_bytes
    } else {
        0.0
    };
    let pp_sends = if layout.pp > 1 { f64::from(layout.vp.max(1)) * micro_batches } else { 0.0 };
    let dp_all_reduce_bytes = if layout.dp > 1 && hw.nic_bw > 0.0 { params_per_gpu(model, layout) * WEIGHT_BYTES } else { 0.0 };
    let dp = f64::from(layout.dp);
    let dp_time = if dp_all_reduce_bytes > 0.0 { 2.0 * (dp - 1.0) / dp * dp_all_reduce_bytes / hw.nic_bw } else { 0.0 };
    let ep = f64::from(layout.ep);
    let ep_all_to_all_bytes = if model.routed_params() > 0.0 && layout.ep > 1 && hw.nic_bw > 0.0 {
        4.0 * tokens / layout.gpus() as f64 * model.experts_per_token * model.hidden_size * WEIGHT_BYTES * model.layers
    } else {
        0.0
    };
    let ep_time = ep_all_to_all_bytes * (ep - 1.0) / ep.max(1.0) / hw.nic_bw;
    // The NIC traffic's hidden share, as `step` charges it: one budget for both kinds.
    // Campus traffic joins the gradients' time where the job spans buildings, as in `step`.
    let across = if step.cross_building_bytes > 0.0 && hw.campus_bw.is_finite() && hw.campus_bw > 0.0 {
        step.cross_building_bytes / hw.campus_bw + 2.0 * hw.net_latency_s
    } else {
        0.0
    };
    let nic_time = dp_time + across + ep_time;
    let nic_hidden = if nic_time > 0.0 { (DP_OVERLAP * step.compute_s / nic_time).min(DP_OVERLAP) } else { 0.0 };
    let hidden = |time: f64| if time > 0.0 { nic_hidden } else { 0.0 };
    TrainWork {
        step,
        layout: *layout,
        compute_s: step.compute_s + step.bubble_s,
        tp_all_reduce_bytes,
        tp_hidden_share: if tp_all_reduce_bytes > 0.0 { TP_OVERLAP } else { 0.0 },
        pp_send_bytes: pp_sends * activation_bytes,
        pp_sends,
        dp_all_reduce_bytes,
        dp_hidden_share: hidden(dp_time),
        ep_all_to_all_bytes,
        ep_hidden_share: hidden(ep_time),
        hardware: *hw,
    }
}

/// What is wrong with a layout for `gpus` GPUs, if anything: its degrees must multiply to
/// the GPUs, tensor parallelism stay inside the NVLink domain, `ep` divide `dp` and the
/// experts, `pp × vp` not exceed the layers, and `dp` divide the global batch (every rank
/// takes whole sequences).
pub fn layout_problem(model: &TrainModel, l: &TrainLayout, run: &TrainRun, gpus: u64, domain: u32) -> Option<String> {
    let layers = model.layers.max(1.0) as u64;
    let batch = run.global_batch.max(0.0) as u64;
    if l.gpus() != gpus {
        Some(format!("tp × pp × dp × cp = {} × {} × {} × {} = {} GPUs; the job has {gpus}", l.tp, l.pp, l.dp, l.cp, l.gpus()))
    } else if l.tp > domain.max(1) {
        Some(format!("tp = {} is more than the {} GPUs of an NVLink domain", l.tp, domain.max(1)))
    } else if !l.dp.is_multiple_of(l.ep.max(1)) {
        Some(format!("ep = {} does not divide dp = {}", l.ep, l.dp))
    } else if model.experts > 0.0 && !(model.experts.max(1.0) as u32).is_multiple_of(l.ep.max(1)) {
        Some(format!("ep = {} does not divide the model's {} experts", l.ep, model.experts))
    } else if u64::from(l.pp) * u64::from(l.vp) > layers {
        Some(format!("pp × vp = {} × {} stages are more than the model's {layers} layers", l.pp, l.vp))
    } else if batch == 0 || !batch.is_multiple_of(u64::from(l.dp)) {
        Some(format!("dp = {} does not divide the global batch of {batch} sequences", l.dp))
    } else {
        None
    }
}

/// The layouts the compiler tries for `gpus` GPUs: tensor parallelism up to the NVLink
/// domain (powers of two); pipeline depths that divide the layers or are powers of two
/// (uneven stages, as Llama 3 405B's 16 stages of 126 layers), each with interleavings of
/// 1, 2, 3, 4, 6, 8 or 12 virtual stages that leave every chunk a layer; the rest data
/// parallel where it divides the global batch; experts over as many data-parallel ranks as
/// divide both them and the experts.
pub fn candidate_layouts(model: &TrainModel, gpus: u64, domain: u32, global_batch: f64) -> Vec<TrainLayout> {
    let mut out = Vec::new();
    let layers = model.layers.max(1.0) as u32;
    let depths: Vec<u32> = (1..=layers.min(128)).filter(|p| layers.is_multiple_of(*p) || p.is_power_of_two()).collect();
    let mut tp = 1u32;
    while tp <= domain.max(1) && u64::from(tp) <= gpus {
        for &pp in &depths {
            let shard = u64::from(tp) * u64::from(pp);
            if !gpus.is_multiple_of(shard) {
                continue;
            }
            let dp = (gpus / shard) as u32;
            let ep = if model.routed_params() > 0.0 { dp.min(model.experts as u32).max(1) } else { 1 };
            let experts = model.experts.max(1.0) as u32;
            let ep = (1..=ep).rev().find(|e| dp.is_multiple_of(*e) && experts.is_multiple_of(*e)).unwrap_or(1);
            if dp == 0 || !(global_batch as u64).is_multiple_of(u64::from(dp)) {
                continue;
            }
            for vp in [1u32, 2, 3, 4, 6, 8, 12].into_iter().filter(|v| *v == 1 || (pp > 1 && pp * v <= layers)) {
                out.push(TrainLayout { tp, pp, dp, ep, cp: 1, vp });
            }
        }
        tp *= 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
    }

    fn dense() -> TrainModel {
        TrainModel {
            params: 10e9,
            active_params: 10e9,
            layers: 10.0,
            hidden_size: 1000.0,
            experts: 0.0,
            experts_per_token: 0.0,
            attention_flops: 1e6,
        }
    }

    fn hw() -> TrainHardware {
        TrainHardware {
            memory_bytes: 80e9,
            flops: 1e15,
            bf16_flops: 1e15,
            nvlink_bw: 100e9,
            nic_bw: 10e9,
            domain_gpus: 8.0,
            net_latency_s: 0.0,
            buildings: 1.0,
            campus_bw: f64::INFINITY,
        }
    }

    fn run() -> TrainRun {
        TrainRun {
            sequence: 1000.0,
            global_batch: 64.0,
            tokens: 1e9,
            zero: 1,
            recompute: Recompute::Selective,
            memory_utilization: 0.9,
            compute_efficiency: 0.5,
        }
    }

    #[test]
    fn memory_shards_by_layout_and_zero_stage() {
        let layout = TrainLayout { tp: 2, pp: 5, dp: 4, ep: 1, cp: 1, vp: 1 };
        let m = memory(&dense(), &layout, &run(), &hw());
        // 10 B / 10 = 1 B parameters per GPU: 2 GB weights, 2 GB gradients, 12 GB / 4 optimizer.
        assert!(close(m.weights, 2e9) && close(m.gradients, 2e9) && close(m.optimizer, 3e9));
        // 34 × 1,000 tokens × 1,000 / 2 per layer × 10 layers.
        assert!(close(m.activations, 34.0 * 1000.0 * 1000.0 / 2.0 * 10.0));
        let zero3 = memory(&dense(), &layout, &TrainRun { zero: 3, ..run() }, &hw());
        assert!(close(zero3.weights, 0.5e9) && close(zero3.gradients, 0.5e9));
        let none = memory(&dense(), &layout, &TrainRun { zero: 0, ..run() }, &hw());
        assert!(close(none.optimizer, 12e9));
    }

    #[test]
    fn step_is_compute_plus_bubble_plus_exposed_communication() {
        let layout = TrainLayout { tp: 2, pp: 5, dp: 4, ep: 1, cp: 1, vp: 1 };
        let s = step(&dense(), &layout, &run(), &hw());
        let tokens = 64_000.0;
        let attention = 3.0 * tokens * 500.0 * 1e6;
        assert!(close(s.model_flops, 6.0 * 10e9 * tokens + attention));
        // Selective recomputation re-runs attention's forward.
        assert!(close(s.compute_s, (s.model_flops + attention / 3.0) / (40.0 * 0.5e15)));
        // 16 micro-batches per data-parallel rank: a bubble of 4/16.
        assert!(close(s.bubble_s, s.compute_s * 4.0 / 16.0));
        let per = 2.0 * 0.5 * 1000.0 * 1000.0 * 2.0 / 100e9;
        assert!(close(s.tp_s, 4.0 * 2.0 * 16.0 * per * (1.0 - TP_OVERLAP)));
        let dp_total = 2.0 * 0.75 * 1e9 * 2.0 / 10e9;
        assert!(close(s.dp_s, (dp_total - DP_OVERLAP * s.compute_s).max(dp_total * (1.0 - DP_OVERLAP))));
        assert!(close(s.total_s, s.compute_s + s.bubble_s + s.tp_s + s.pp_s + s.dp_s + s.ep_s));
        assert_eq!(s.cross_building_bytes, 0.0);
    }

    #[test]
    fn spanning_two_buildings_sends_the_gradients_over_the_campus_link() {
        let layout = TrainLayout { tp: 2, pp: 5, dp: 4, ep: 1, cp: 1, vp: 1 };
        let two = TrainHardware { buildings: 2.0, campus_bw: 1e9, ..hw() };
        let s = step(&dense(), &layout, &run(), &two);
        assert!(close(s.cross_building_bytes, 10e9 * 2.0));
        assert!(s.dp_s > step(&dense(), &layout, &run(), &hw()).dp_s);
    }

    #[test]
    fn candidates_split_gpus_exactly() {
        let c = candidate_layouts(&dense(), 64, 8, 64.0);
        assert!(!c.is_empty() && c.iter().all(|l| l.gpus() == 64 && l.tp <= 8));
        assert!(c.contains(&TrainLayout { tp: 8, pp: 2, dp: 4, ep: 1, cp: 1, vp: 1 }));
    }
}
