//! The serving model of docs/slo-model.md, as pure functions of SI figures (bytes,
//! seconds, FLOP/s, watts): one *pool* of replicas laid out as `tp × pp × dp` GPUs with
//! experts over `ep`, its memory, the prefill of one request on one attention group, and one
//! decode step at a batch: the larger of memory and compute time, plus the exposed share of
//! tensor-parallel all-reduces, expert-parallel all-to-alls and pipeline sends, plus a fixed
//! cost per layer. Nothing here reads the plant; `gather` collects the inputs and `plan`
//! turns pools into operating points.

/// Bytes an activation element takes on the wire (BF16).
pub const ACTIVATION_BYTES: f64 = 2.0;

/// Bytes a token's hidden element takes in an expert dispatch (FP8, as DeepEP sends it);
/// the combine returns BF16 ([`ACTIVATION_BYTES`]).
pub const DISPATCH_BYTES: f64 = 1.0;

/// Calibration (docs/slo-model.md, "Calibration"): a step's fixed cost per layer (kernel
/// launches, synchronisation). Fitted to AIConfigurator 0.12's batch-1 TPOT on TRT-LLM 1.3
/// silicon data: Llama 3.1 70B FP8 on H100 at TP2, TP4 and TP8 (16.1, 9.8, 6.8 ms).
pub const LAYER_OVERHEAD_S: f64 = 25e-6;

/// Calibration: the latency of one collective inside an NVLink domain (a TP all-reduce, an
/// expert dispatch or combine), fitted with [`LAYER_OVERHEAD_S`] to the same batch-1 TPOTs.
pub const COLLECTIVE_LATENCY_S: f64 = 10e-6;

/// Calibration: the share of the expert all-to-all that overlaps with computation in a
/// decode step (two-batch overlap, as SGLang and DeepSeek run expert parallelism).
pub const EP_OVERLAP: f64 = 0.8;

/// Calibration: in a decode step each routed expert sees a few tokens, so its grouped GEMM
/// reads weights and computes at this share of the dense efficiencies (prefill, with
/// thousands of tokens per expert, is not affected). Fitted to AIConfigurator 0.12's
/// DeepSeek-V3 and Qwen3-235B decode on H200 and to SGLang's and DeepSeek's published
/// decode throughput (docs/slo-model.md, "Calibration").
pub const EXPERT_DECODE_EFFICIENCY: f64 = 0.5;

/// A model at its precisions.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct ModelFigures {
    /// Total parameters (all experts of a mixture of experts).
    pub params: f64,
    /// Parameters active per token.
    pub active_params: f64,
    /// Bytes per parameter at the weight precision.
    pub bytes_per_param: f64,
    /// KV-cache bytes per token of context at the KV precision.
    pub kv_bytes_per_token: f64,
    /// Transformer layers (0: unknown; collectives and per-layer costs are left out).
    pub layers: f64,
    /// Hidden size (0: unknown).
    pub hidden_size: f64,
    /// Routed experts per MoE layer (0 for a dense model).
    pub experts: f64,
    /// Routed experts per token.
    pub experts_per_token: f64,
    /// KV heads: how far tensor parallelism shards the KV cache (1 for MLA).
    pub kv_heads: f64,
    /// Attention FLOPs of a decoded token per token of context (all layers).
    pub attention_flops: f64,
    /// Attention FLOPs of a prompt token per earlier token (all layers).
    pub prefill_attention_flops: f64,
}

impl ModelFigures {
    /// Whether the model routes tokens to experts.
    pub fn is_moe(&self) -> bool {
        self.experts > self.experts_per_token && self.experts_per_token > 0.0 && self.params > self.active_params
    }

    /// Parameters of one routed expert, all layers: (P − A) / (N − k), since
    /// P = base + N · e and A = base + k · e.
    pub fn expert_params(&self) -> f64 {
        if self.is_moe() { (self.params - self.active_params) / (self.experts - self.experts_per_token) } else { 0.0 }
    }

    /// Parameters of every routed expert: N · e.
    pub fn routed_params(&self) -> f64 {
        self.experts * self.expert_params()
    }

    /// Parameters every token runs through (attention, dense layers, shared experts,
    /// embeddings): P − N · e.
    pub fn base_params(&self) -> f64 {
        self.params - self.routed_params()
    }
}

/// One GPU, peak figures (the efficiencies are in [`Assumptions`]).
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct GpuFigures {
    /// HBM in bytes.
    pub memory_bytes: f64,
    /// Memory bandwidth in bytes per second.
    pub memory_bw: f64,
    /// Dense compute at the weight precision in FLOP/s.
    pub flops: f64,
    /// Its share of IT power in watts (the GPU with its share of node and rack).
    pub power_w: f64,
}

/// How a replica's GPUs split the model: `tp × pp × dp` GPUs, experts over `ep`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct Parallelism {
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline-parallel degree.
    pub pp: u32,
    /// Attention data-parallel degree.
    pub dp: u32,
    /// Expert-parallel degree.
    pub ep: u32,
}

impl Parallelism {
    /// GPUs of one replica: tp × pp × dp.
    pub fn gpus(&self) -> u32 {
        self.tp * self.pp * self.dp
    }

    /// GPUs of one attention group (the GPUs one request's prefill runs on): tp × pp.
    pub fn attention_group(&self) -> u32 {
        self.tp * self.pp
    }
}

/// The links a pool's collectives cross.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Links {
    /// NVLink bandwidth per GPU and direction, bytes per second (0: none).
    pub nvlink_bw: f64,
    /// GPUs in one NVLink domain.
    pub domain_gpus: f64,
    /// Scale-out bandwidth per GPU (its share of its node's NICs), bytes per second.
    pub nic_bw: f64,
    /// One-way latency between GPUs over the scale-out fabric, seconds.
    pub net_latency_s: f64,
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

/// Speculative or multi-token-prediction decoding.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Speculation {
    /// Draft tokens per step.
    pub tokens: f64,
    /// Share of draft tokens accepted.
    pub acceptance: f64,
}

impl Speculation {
    /// Tokens each sequence runs through the model per step: 1 + drafts.
    pub fn processed(&self) -> f64 {
        1.0 + self.tokens
    }

    /// Tokens each sequence gains per step: 1 + drafts × acceptance.
    pub fn accepted(&self) -> f64 {
        1.0 + self.tokens * self.acceptance
    }
}

/// The load of a service.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
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
    /// Share of prompt tokens found in the prefix cache.
    pub prefix_cache_hit: f64,
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
    /// Mean context of a decode step: prompt + generated / 2.
    pub fn mean_decode_context(&self) -> f64 {
        self.prompt + self.generated() / 2.0
    }
    /// Prompt tokens prefill computes: prompt × (1 − prefix-cache hit).
    pub fn computed_prompt(&self) -> f64 {
        self.prompt * (1.0 - self.prefix_cache_hit.clamp(0.0, 1.0))
    }
    /// Tokens generated per second: arrival × (reasoning + output) × samples.
    pub fn demand_tokens_per_s(&self) -> f64 {
        self.arrival * self.generated() * self.samples
    }
}

/// A pool of identical replicas: everything but the replica count.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Pool {
    /// The model.
    pub model: ModelFigures,
    /// One GPU.
    pub gpu: GpuFigures,
    /// The replica's layout.
    pub layout: Parallelism,
    /// The collectives' links.
    pub links: Links,
    /// The assumptions.
    pub assumptions: Assumptions,
    /// Speculative decoding.
    pub speculation: Speculation,
}

/// Memory of one GPU of a pool.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct MemoryFit {
    /// Weights one GPU holds, bytes.
    pub weights_per_gpu: f64,
    /// Weights of the whole model at its precision, bytes.
    pub weights_bytes: f64,
    /// HBM the engine may use on one GPU, bytes.
    pub usable_per_gpu: f64,
    /// KV cache one GPU holds for one sequence at its full context, bytes.
    pub kv_per_sequence_per_gpu: f64,
    /// Sequences per attention group whose KV fits beside the weights (0 when the weights
    /// alone do not fit).
    pub max_batch: u32,
}

/// The parts of one decode step at a batch.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct StepTime {
    /// Bytes one GPU reads over its memory bandwidth.
    pub memory_s: f64,
    /// FLOPs of one GPU over its compute.
    pub compute_s: f64,
    /// Exposed communication: TP all-reduces, the exposed share of the expert all-to-all,
    /// pipeline sends.
    pub comm_s: f64,
    /// The fixed per-layer cost.
    pub overhead_s: f64,
    /// max(memory, compute) + communication + overhead.
    pub total_s: f64,
    /// The step over the tokens each sequence gains in it (speculation).
    pub per_token_s: f64,
    /// Share of the routed experts the step reads (1 for dense models).
    pub experts_touched: f64,
}

/// One decode step of one GPU as a simulator replays it: the time [`Pool::step`] charges
/// and the traffic behind its communication, per layer of the GPU's pipeline stage. Bytes
/// are each GPU's buffer as ASTRA-sim's collectives take it (`comm_size`).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct DecodeWork {
    /// The step as the model charges it.
    pub time: StepTime,
    /// Layers of one pipeline stage.
    pub layers: f64,
    /// max(memory, compute) of the whole step.
    pub busy_s: f64,
    /// Each tensor-parallel all-reduce (two per layer); 0 without tensor parallelism.
    pub tp_all_reduce_bytes: f64,
    /// Each GPU's expert dispatch buffer per layer (FP8); 0 without expert parallelism.
    pub ep_dispatch_bytes: f64,
    /// Each GPU's expert combine buffer per layer (BF16).
    pub ep_combine_bytes: f64,
    /// Share of the all-to-all traffic the model hides behind computation:
    /// min(overlap, overlap × busy / all-to-all time).
    pub ep_hidden_share: f64,
    /// Each pipeline send; 0 without pipeline parallelism.
    pub pp_send_bytes: f64,
    /// The fixed latency the model charges each collective inside an NVLink domain.
    pub collective_latency_s: f64,
    /// The replica's layout.
    pub layout: Parallelism,
    /// The links the replica's GPUs cross.
    pub links: Links,
}

/// The parts of one request's prefill.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct PrefillTime {
    /// FLOPs over the attention group's compute (weights read once where that is longer).
    pub compute_s: f64,
    /// Exposed communication.
    pub comm_s: f64,
    /// compute + communication.
    pub total_s: f64,
}

impl Pool {
    /// GPUs of one replica.
    pub fn gpus(&self) -> f64 {
        f64::from(self.layout.gpus())
    }

    fn tp(&self) -> f64 {
        f64::from(self.layout.tp)
    }
    fn pp(&self) -> f64 {
        f64::from(self.layout.pp)
    }
    fn dp(&self) -> f64 {
        f64::from(self.layout.dp)
    }
    fn ep(&self) -> f64 {
        f64::from(self.layout.ep)
    }

    /// KV bytes of one token one GPU holds: its pipeline stage's layers, and its share of
    /// the KV heads (tensor parallelism shards KV only as far as there are KV heads).
    fn kv_per_token_per_gpu(&self) -> f64 {
        let shards = self.tp().min(self.model.kv_heads.max(1.0));
        self.model.kv_bytes_per_token / (self.pp() * shards)
    }

    /// Weights per GPU: the base parameters over the attention group (tp × pp), the routed
    /// experts over the whole replica (ep, and expert tensor parallelism for the rest);
    /// usable = HBM × utilization; max batch per attention group = ⌊(usable − weights) /
    /// KV per sequence per GPU⌋.
    pub fn memory(&self, load: &Load) -> MemoryFit {
        let b = self.model.bytes_per_param;
        let weights = self.model.base_params() * b / (self.tp() * self.pp()) + self.model.routed_params() * b / self.gpus();
        let usable = self.gpu.memory_bytes * self.assumptions.memory_utilization;
        let per_sequence = self.kv_per_token_per_gpu() * load.context();
        let free = usable - weights;
        let max_batch = if free <= 0.0 {
            0
        } else if per_sequence <= 0.0 {
            u32::MAX
        } else {
            (free / per_sequence).floor().min(f64::from(u32::MAX)) as u32
        };
        MemoryFit {
            weights_per_gpu: weights,
            weights_bytes: self.model.params * b,
            usable_per_gpu: usable,
            kv_per_sequence_per_gpu: per_sequence,
            max_batch,
        }
    }

    /// The share of routed experts a step of `tokens` routed tokens touches: with uniform
    /// routing each expert is missed by a token with probability 1 − k/N, so
    /// 1 − (1 − k/N)^tokens.
    pub fn experts_touched(&self, tokens: f64) -> f64 {
        if !self.model.is_moe() {
            return 1.0;
        }
        1.0 - (1.0 - self.model.experts_per_token / self.model.experts).powf(tokens.max(0.0))
    }

    /// A ring all-reduce of `bytes` over the tensor-parallel group (NVLink): 2 (tp − 1)/tp
    /// of the data per GPU.
    fn tp_all_reduce_s(&self, bytes: f64) -> f64 {
        if self.layout.tp <= 1 || self.links.nvlink_bw <= 0.0 {
            return 0.0;
        }
        COLLECTIVE_LATENCY_S + 2.0 * (self.tp() - 1.0) / self.tp() * bytes / self.links.nvlink_bw
    }

    /// One expert all-to-all (dispatch and combine) of `tokens` tokens per GPU: each sends
    /// its hidden state to k experts, (ep − 1)/ep of them on other GPUs; the peers inside
    /// the NVLink domain over NVLink, the rest over the scale-out fabric at the GPU's NIC
    /// share, whichever takes longer, plus two one-way latencies beyond the domain. Returns
    /// (bandwidth time, latency): only the first overlaps computation.
    fn ep_all_to_all_s(&self, tokens: f64) -> (f64, f64) {
        if !self.model.is_moe() || self.layout.ep <= 1 {
            return (0.0, 0.0);
        }
        let ep = self.ep();
        let bytes = tokens * self.model.experts_per_token * self.model.hidden_size * (DISPATCH_BYTES + ACTIVATION_BYTES) * (ep - 1.0) / ep;
        let inside = (self.links.domain_gpus.max(1.0).min(ep) - 1.0) / (ep - 1.0);
        let nvlink = if self.links.nvlink_bw > 0.0 { bytes * inside / self.links.nvlink_bw } else { 0.0 };
        let outside = 1.0 - inside;
        let net = if outside > 0.0 && self.links.nic_bw > 0.0 { bytes * outside / self.links.nic_bw } else { 0.0 };
        let latency = if outside > 0.0 { 2.0 * self.links.net_latency_s.max(COLLECTIVE_LATENCY_S) } else { 2.0 * COLLECTIVE_LATENCY_S };
        (nvlink.max(net), latency)
    }

    /// Pipeline sends of `bytes` between the pp stages: (pp − 1) hops over NVLink inside
    /// the domain, else the scale-out fabric.
    fn pp_send_s(&self, bytes: f64) -> f64 {
        if self.layout.pp <= 1 {
            return 0.0;
        }
        let inside = self.gpus() <= self.links.domain_gpus;
        let hop = if inside && self.links.nvlink_bw > 0.0 {
            bytes / self.links.nvlink_bw
        } else if self.links.nic_bw > 0.0 {
            bytes / self.links.nic_bw + self.links.net_latency_s
        } else {
            0.0
        };
        (self.pp() - 1.0) * hop
    }

    /// One decode step with `batch` sequences on each attention group. Per GPU:
    ///
    /// - memory: base weights / (tp · pp) + routed experts / GPUs × share touched + the
    ///   batch's KV at the mean decode context;
    /// - compute: 2 · base · tokens / (tp · pp) + 2 · k · e · tokens · dp / GPUs + tokens ·
    ///   context · attention FLOPs / (tp · pp), tokens = batch × (1 + drafts);
    /// - communication: 2 TP all-reduces per layer, the expert all-to-all's exposed share
    ///   per layer, pipeline sends;
    /// - a fixed cost per layer.
    pub fn step(&self, batch: f64, load: &Load) -> StepTime {
        self.work(batch, load).time
    }

    /// One decode step at `batch` as [`Pool::step`] charges it, with the traffic behind its
    /// communication: what a simulator replays (docs/simulation.md, "Workloads").
    pub fn work(&self, batch: f64, load: &Load) -> DecodeWork {
        let m = &self.model;
        let tokens = batch * self.speculation.processed();
        let context = load.mean_decode_context();
        let touched = self.experts_touched(tokens * self.dp());
        let shared = m.base_params() * m.bytes_per_param / (self.tp() * self.pp());
        let experts = m.routed_params() * m.bytes_per_param / self.gpus() * touched;
        let kv = batch * context * self.kv_per_token_per_gpu();
        let bandwidth = self.gpu.memory_bw * self.assumptions.bandwidth_efficiency;
        let memory_s = (shared + kv) / bandwidth + experts / (bandwidth * EXPERT_DECODE_EFFICIENCY);
        let dense_flops =
            2.0 * m.base_params() * tokens / (self.tp() * self.pp()) + tokens * context * m.attention_flops / (self.tp() * self.pp());
        let expert_flops = 2.0 * m.experts_per_token * m.expert_params() * tokens * self.dp() / self.gpus();
        let compute = self.gpu.flops * self.assumptions.compute_efficiency;
        let compute_s = dense_flops / compute + expert_flops / (compute * EXPERT_DECODE_EFFICIENCY);
        let activations = tokens * m.hidden_size * ACTIVATION_BYTES;
        let layers_here = m.layers / self.pp();
        let tp_s = 2.0 * layers_here * self.tp_all_reduce_s(activations);
        let ep_tokens = tokens / self.tp();
        let (ep_bw, ep_latency) = self.ep_all_to_all_s(ep_tokens);
        let (ep_s, ep_latency_s) = (layers_here * ep_bw, layers_here * ep_latency);
        let busy = memory_s.max(compute_s);
        let ep_exposed = (ep_s - EP_OVERLAP * busy).max(ep_s * (1.0 - EP_OVERLAP)) + ep_latency_s;
        let comm_s = tp_s + ep_exposed + self.pp_send_s(activations);
        let overhead_s = m.layers * LAYER_OVERHEAD_S;
        let total_s = busy + comm_s + overhead_s;
        let time = StepTime {
            memory_s,
            compute_s,
            comm_s,
            overhead_s,
            total_s,
            per_token_s: total_s / self.speculation.accepted(),
            experts_touched: touched,
        };
        let tp = self.layout.tp > 1 && self.links.nvlink_bw > 0.0;
        let ep = m.is_moe() && self.layout.ep > 1;
        // Each GPU's all-to-all buffer: a token's hidden state to each of its k experts, its
        // own share included (a simulator sends (ep − 1)/ep of it away).
        let ep_buffer = ep_tokens * m.experts_per_token * m.hidden_size;
        DecodeWork {
            time,
            layers: layers_here,
            busy_s: busy,
            tp_all_reduce_bytes: if tp { activations } else { 0.0 },
            ep_dispatch_bytes: if ep { ep_buffer * DISPATCH_BYTES } else { 0.0 },
            ep_combine_bytes: if ep { ep_buffer * ACTIVATION_BYTES } else { 0.0 },
            ep_hidden_share: if ep && ep_s > 0.0 { (EP_OVERLAP * busy / ep_s).min(EP_OVERLAP) } else { 0.0 },
            pp_send_bytes: if self.layout.pp > 1 { activations } else { 0.0 },
            collective_latency_s: COLLECTIVE_LATENCY_S,
            layout: self.layout,
            links: self.links,
        }
    }

    /// The prefill of one request on one attention group: 2 · A FLOPs per computed prompt
    /// token plus attention over the context before it, over the group's compute (or the
    /// group's weights read once, where that is longer); plus two TP all-reduces per layer
    /// and the expert all-to-all's exposed share.
    pub fn prefill(&self, load: &Load) -> PrefillTime {
        let m = &self.model;
        let computed = load.computed_prompt();
        let cached = load.prompt - computed;
        let group = f64::from(self.layout.attention_group());
        let attention = m.prefill_attention_flops * computed * (cached + computed / 2.0);
        let flops = 2.0 * m.active_params * computed + attention;
        let compute = flops / (group * self.gpu.flops * self.assumptions.compute_efficiency);
        let weights = (m.base_params() / group + m.routed_params() / self.gpus()) * m.bytes_per_param;
        let read = weights / (self.gpu.memory_bw * self.assumptions.bandwidth_efficiency);
        let compute_s = compute.max(read);
        let layers_here = m.layers / self.pp();
        let tp_s = 2.0 * layers_here * self.tp_all_reduce_s(computed * m.hidden_size * ACTIVATION_BYTES);
        let (ep_bw, ep_latency) = self.ep_all_to_all_s(computed / self.tp());
        let ep_s = layers_here * ep_bw;
        let ep_exposed = (ep_s - EP_OVERLAP * compute_s).max(ep_s * (1.0 - EP_OVERLAP)) + layers_here * ep_latency;
        let comm_s = tp_s + ep_exposed + self.pp_send_s(computed * m.hidden_size * ACTIVATION_BYTES);
        PrefillTime { compute_s, comm_s, total_s: compute_s + comm_s + m.layers * LAYER_OVERHEAD_S }
    }

    /// The largest batch per attention group in `lo..=hi` whose step gives each token in
    /// `per_token` or less: the step grows with the batch, so a binary search finds it.
    /// `None` when even `lo` misses.
    pub fn largest_batch_within(&self, lo: u32, hi: u32, per_token: f64, load: &Load) -> Option<u32> {
        if lo > hi || self.step(f64::from(lo), load).per_token_s > per_token {
            return None;
        }
        let (mut good, mut bad) = (lo, hi.saturating_add(1));
        while bad - good > 1 {
            let mid = good + (bad - good) / 2;
            if self.step(f64::from(mid), load).per_token_s <= per_token { good = mid } else { bad = mid }
        }
        Some(good)
    }
}

/// Bytes per parameter at a precision.
pub fn bytes_per_param(precision: &str) -> f64 {
    match precision {
        "fp4" => 0.5,
        "fp8" => 1.0,
        _ => 2.0,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
    }

    /// DeepSeek-V3 at FP8 with an FP8 KV cache (stdlib figures).
    fn deepseek() -> ModelFigures {
        ModelFigures {
            params: 671e9,
            active_params: 37e9,
            bytes_per_param: 1.0,
            kv_bytes_per_token: 35_136.0,
            layers: 61.0,
            hidden_size: 7168.0,
            experts: 256.0,
            experts_per_token: 8.0,
            kv_heads: 1.0,
            attention_flops: 16_990_208.0,
            prefill_attention_flops: 4_997_120.0,
        }
    }

    /// A dense model with round figures, for hand calculations.
    pub(in crate::check::slo) fn dense() -> ModelFigures {
        ModelFigures {
            params: 10e9,
            active_params: 10e9,
            bytes_per_param: 1.0,
            kv_bytes_per_token: 100_000.0,
            layers: 10.0,
            hidden_size: 1000.0,
            experts: 0.0,
            experts_per_token: 0.0,
            kv_heads: 8.0,
            attention_flops: 1e6,
            prefill_attention_flops: 1e6,
        }
    }

    /// A pool of `model` on round-figure GPUs, for hand calculations.
    pub(in crate::check::slo) fn pool(model: ModelFigures, tp: u32, dp: u32, ep: u32) -> Pool {
        Pool {
            model,
            gpu: GpuFigures { memory_bytes: 100e9, memory_bw: 1e12, flops: 1e15, power_w: 1000.0 },
            layout: Parallelism { tp, pp: 1, dp, ep },
            links: Links { nvlink_bw: 100e9, domain_gpus: 8.0, nic_bw: 10e9, net_latency_s: 5e-6 },
            assumptions: Assumptions { memory_utilization: 0.9, compute_efficiency: 0.5, bandwidth_efficiency: 0.8 },
            speculation: Speculation::default(),
        }
    }

    fn load() -> Load {
        Load { arrival: 1.0, prompt: 1000.0, reasoning: 0.0, output: 200.0, samples: 1.0, prefix_cache_hit: 0.0 }
    }

    #[test]
    fn expert_parameters_follow_from_total_and_active() {
        let m = deepseek();
        // e = (671 − 37) / (256 − 8) B; shared = 671 B − 256 e.
        let e = 634e9 / 248.0;
        assert!(close(m.expert_params(), e));
        assert!(close(m.base_params(), 671e9 - 256.0 * e));
        assert!((m.base_params() - 16.548e9).abs() < 1e6);
        assert_eq!(dense().expert_params(), 0.0);
        assert_eq!(dense().base_params(), 10e9);
    }

    #[test]
    fn memory_shards_shared_weights_over_the_attention_group_and_experts_over_the_replica() {
        let m = deepseek();
        let dp8 = pool(m, 1, 8, 8).memory(&load());
        assert!(close(dp8.weights_per_gpu, m.base_params() + m.routed_params() / 8.0));
        let tp8 = pool(m, 8, 1, 8).memory(&load());
        assert!(close(tp8.weights_per_gpu, m.base_params() / 8.0 + m.routed_params() / 8.0));
        // MLA's latent KV is whole on every tensor-parallel rank (kv_heads = 1).
        assert!(close(tp8.kv_per_sequence_per_gpu, 35_136.0 * 1200.0));
        // A dense model's KV shards over tp up to its KV heads.
        let d = pool(dense(), 4, 1, 1).memory(&load());
        assert!(close(d.kv_per_sequence_per_gpu, 100_000.0 * 1200.0 / 4.0));
        assert!(close(d.weights_per_gpu, 2.5e9));
        // ⌊(100 GB × 0.9 − 2.5 GB) / 30 MB⌋ = 2,916.
        assert_eq!(d.max_batch, 2916);
    }

    #[test]
    fn a_batch_touches_nearly_every_expert() {
        let p = pool(deepseek(), 1, 8, 8);
        assert!(close(p.experts_touched(1.0), 8.0 / 256.0));
        assert!(close(p.experts_touched(2.0), 1.0 - (248.0f64 / 256.0).powi(2)));
        assert!(p.experts_touched(2048.0) > 0.999_999);
        assert_eq!(pool(dense(), 1, 1, 1).experts_touched(1.0), 1.0);
    }

    #[test]
    fn dense_decode_step_is_the_roofline_plus_all_reduces_and_the_per_layer_cost() {
        let p = pool(dense(), 4, 1, 1);
        let l = load();
        let s = p.step(10.0, &l);
        // Memory: 10 GB / 4 + 10 × 1,100 × 100 kB / 4 over 1 TB/s × 0.8.
        let bytes = 2.5e9 + 10.0 * 1100.0 * 100_000.0 / 4.0;
        assert!(close(s.memory_s, bytes / 0.8e12));
        // Compute: (2 × 10 B × 10 + 10 × 1,100 × 1 MFLOP) / 4 over 1 PFLOP/s × 0.5.
        let flops = (2.0 * 10e9 * 10.0 + 10.0 * 1100.0 * 1e6) / 4.0;
        assert!(close(s.compute_s, flops / 0.5e15));
        // Two all-reduces per layer of 10 × 1,000 × 2 B: latency + 2 × 3/4 × data / 100 GB/s.
        let all_reduce = COLLECTIVE_LATENCY_S + 1.5 * 20_000.0 / 100e9;
        assert!(close(s.comm_s, 2.0 * 10.0 * all_reduce));
        assert!(close(s.overhead_s, 10.0 * LAYER_OVERHEAD_S));
        assert!(close(s.total_s, s.memory_s.max(s.compute_s) + s.comm_s + s.overhead_s));
        assert!(close(s.per_token_s, s.total_s));
    }

    #[test]
    fn speculation_divides_the_step_over_accepted_tokens() {
        let mut p = pool(dense(), 1, 1, 1);
        p.speculation = Speculation { tokens: 1.0, acceptance: 0.8 };
        let s = p.step(4.0, &load());
        // The step processes 4 × 2 tokens and each sequence gains 1.8.
        assert!(close(s.per_token_s, s.total_s / 1.8));
        let flops = 2.0 * 10e9 * 8.0 + 8.0 * 1100.0 * 1e6;
        assert!(close(s.compute_s, flops / 0.5e15));
    }

    #[test]
    fn expert_parallel_steps_pay_an_all_to_all() {
        let m = deepseek();
        let inside = pool(m, 1, 8, 8);
        let s = inside.step(16.0, &load());
        // 16 tokens × 8 experts × 7,168 × 3 B × 7/8 per layer over NVLink.
        let bytes = 16.0 * 8.0 * 7168.0 * 3.0 * 7.0 / 8.0;
        let a2a = 61.0 * bytes / 100e9;
        let busy = s.memory_s.max(s.compute_s);
        let exposed = (a2a - EP_OVERLAP * busy).max(a2a * (1.0 - EP_OVERLAP)) + 61.0 * 2.0 * COLLECTIVE_LATENCY_S;
        assert!(close(s.comm_s, exposed));
        // Beyond the domain the NIC share carries most of it.
        let mut wide = pool(m, 1, 32, 32);
        wide.links.domain_gpus = 8.0;
        let w = wide.step(16.0, &load());
        assert!(w.comm_s > s.comm_s);
    }

    #[test]
    fn prefill_runs_on_one_attention_group_and_skips_cached_tokens() {
        let p = pool(dense(), 2, 4, 1);
        let l = load();
        // (2 × 10 B × 1,000 + 1 MFLOP × 1,000 × 500) / (2 GPUs × 1 PFLOP/s × 0.5).
        let compute = (2.0 * 10e9 * 1000.0 + 1e6 * 1000.0 * 500.0) / (2.0 * 0.5e15);
        let t = p.prefill(&l);
        assert!(close(t.compute_s, compute));
        let all_reduce = COLLECTIVE_LATENCY_S + 2.0 * 0.5 * 1000.0 * 1000.0 * 2.0 / 100e9;
        assert!(close(t.comm_s, 2.0 * 10.0 * all_reduce));
        // Half the prompt cached: 500 tokens computed, each attending to 500 + 250 before it.
        let cached = p.prefill(&Load { prefix_cache_hit: 0.5, ..l });
        let half = (2.0 * 10e9 * 500.0 + 1e6 * 500.0 * 750.0) / (2.0 * 0.5e15);
        assert!(close(cached.compute_s, half));
    }

    #[test]
    fn the_largest_batch_within_a_budget_is_found_by_bisection() {
        let p = pool(dense(), 1, 1, 1);
        let l = load();
        let budget = p.step(100.0, &l).per_token_s;
        assert_eq!(p.largest_batch_within(1, 2916, budget, &l), Some(100));
        assert_eq!(p.largest_batch_within(1, 2916, 1e-9, &l), None);
    }

    #[test]
    fn bytes_per_parameter_follow_the_precision() {
        assert_eq!(bytes_per_param("fp4"), 0.5);
        assert_eq!(bytes_per_param("fp8"), 1.0);
        assert_eq!(bytes_per_param("bf16"), 2.0);
    }
}
