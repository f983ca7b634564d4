//! Operating points and sizing over [`super::model`]'s pools: an aggregated layout (prefill
//! and decode share the replicas) or a disaggregated one (a prefill pool hands each
//! prompt's KV cache to a decode pool), each request's batch slot as an M/M/c queue, the
//! smallest replica counts that meet the SLOs, and the planner that picks a layout.

use super::model::{Load, Parallelism, Pool, StepTime};

/// The percentile the SLOs name.
pub const PERCENTILE: f64 = 0.99;

/// The most replicas the sizing search considers.
pub const MAX_REPLICAS: u32 = 1_000_000;

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

/// How a service is laid out.
#[derive(Clone, Copy, PartialEq, Debug)]
#[allow(clippy::large_enum_variant)] // a few hundred candidates at most, copied by value
pub enum Layout {
    /// One pool does prefill and decode.
    Aggregated(Pool),
    /// A prefill pool sends each prompt's KV cache to a decode pool in `kv_transfer_s`.
    Disaggregated {
        /// The prefill pool.
        prefill: Pool,
        /// The decode pool.
        decode: Pool,
        /// One prompt's KV cache over the worst path between the pools.
        kv_transfer_s: f64,
    },
}

impl Layout {
    /// The pool that decodes.
    pub fn decode(&self) -> &Pool {
        match self {
            Layout::Aggregated(p) => p,
            Layout::Disaggregated { decode, .. } => decode,
        }
    }
    /// The pool that runs prompts.
    pub fn prefill(&self) -> &Pool {
        match self {
            Layout::Aggregated(p) => p,
            Layout::Disaggregated { prefill, .. } => prefill,
        }
    }
    /// Whether the layout is disaggregated.
    pub fn is_disaggregated(&self) -> bool {
        matches!(self, Layout::Disaggregated { .. })
    }
}

/// Replica counts: the prefill pool's (0 when aggregated) and the decode pool's.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Counts {
    /// Prefill replicas (disaggregated only).
    pub prefill: u32,
    /// Decode (or aggregated) replicas.
    pub decode: u32,
}

impl Counts {
    /// GPUs of the layout at these counts.
    pub fn gpus(&self, layout: &Layout) -> u64 {
        let decode = u64::from(self.decode) * u64::from(layout.decode().layout.gpus());
        match layout {
            Layout::Aggregated(_) => decode,
            Layout::Disaggregated { prefill, .. } => decode + u64::from(self.prefill) * u64::from(prefill.layout.gpus()),
        }
    }
}

/// The service at its replica counts and batch.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Operating {
    /// Replica counts.
    pub counts: Counts,
    /// Sequences decoded together on one attention group.
    pub batch: u32,
    /// The decode step at that batch.
    pub step: StepTime,
    /// Requests served at once: decode attention groups × ⌊batch / samples⌋.
    pub slots: f64,
    /// Prefill of one prompt on one attention group.
    pub prefill_s: f64,
    /// Aggregated: share of an attention group's time spent on prefill (0 when
    /// disaggregated).
    pub prefill_share: f64,
    /// One prompt's KV cache between the pools (0 when aggregated).
    pub kv_transfer_s: f64,
    /// Time per output token, prefill interference and speculation included.
    pub tpot_s: f64,
    /// Time a request holds its decode slot.
    pub service_s: f64,
    /// Offered load over decode slots (≥ 1 means the queue grows without bound).
    pub utilization: f64,
    /// Disaggregated: offered load over prefill attention groups.
    pub prefill_utilization: f64,
    /// Probability a request waits for a decode slot (Erlang C).
    pub wait_probability: f64,
    /// The p99 waits, summed: for a prefill group (disaggregated) and a decode slot.
    pub wait_p99_s: f64,
    /// p99 time to first token: waits + prefill + KV transfer.
    pub ttft_p99_s: f64,
    /// Tokens per second the service can generate.
    pub capacity_tokens_per_s: f64,
    /// Prompt tokens per second one prefill GPU can take (cached tokens included).
    pub input_tokens_per_s_per_gpu: f64,
    /// Tokens per second one decode GPU generates at the operating batch.
    pub output_tokens_per_s_per_gpu: f64,
    /// Energy per generated token, joules: the decode step's, plus the prompt's prefill
    /// over the tokens each request generates.
    pub energy_per_token_j: f64,
    /// The decode pool's share: energy of a step over the tokens it generates, joules.
    pub decode_energy_per_token_j: f64,
    /// The prefill pool's: energy of one prompt's prefill over its tokens, joules.
    pub prefill_energy_per_input_token_j: f64,
}

impl Operating {
    /// Whether both queues are stable.
    pub fn stable(&self) -> bool {
        self.utilization < 1.0 && self.prefill_utilization < 1.0
    }
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with `servers` servers
/// and `offered` Erlangs, from Erlang B: 0 more than ten standard deviations above the
/// offered load, an exact sum within that band (stopped once its terms are below 1e-15 of
/// it), and the normal approximation above a million Erlangs.
pub fn erlang_c(servers: u64, offered: f64) -> f64 {
    if servers == 0 {
        return 1.0;
    }
    let c = servers as f64;
    if offered >= c {
        return 1.0;
    }
    // Erlang B is the Poisson(a) probability of c over that of at most c: more than ten
    // standard deviations (and ten servers) above the offered load it is below 1e-20 (at
    // a = 1, and far smaller for larger loads), so nothing needs summing; a wait that rare
    // is far below any percentile an SLO asks about. This keeps enormous loads (2e7
    // requests per second offer 1e8 Erlangs) from summing once per server.
    if c - offered > 10.0 * offered.sqrt() + 10.0 {
        return 0.0;
    }
    // Otherwise by whichever exact sum is shorter: upward from one server (it stops a few
    // standard deviations past the offered load), or downward from `servers` (it stops as
    // far below the offered load): O(min(c, a) + √a) instead of O(c). Above a million
    // Erlangs even √a terms per call add up over a planner's thousands of calls, and the
    // Poisson distribution is normal to within 1e-3 of B: there B is computed in O(1).
    let b = if offered > NORMAL_ERLANGS {
        erlang_b_normal(servers, offered)
    } else if c - offered < offered {
        erlang_b_downward(servers, offered)
    } else {
        erlang_b_upward(servers, offered)
    };
    let rho = offered / c;
    b / (1.0 - rho * (1.0 - b))
}

/// Offered loads above which Erlang B is computed from the normal approximation of the
/// Poisson distribution ([`erlang_b_normal`]).
const NORMAL_ERLANGS: f64 = 1e6;

/// Erlang B as P(X = c) / P(X ≤ c) for X ~ Poisson(a): the probability from Stirling's
/// series for ln c!, the distribution function from the normal with continuity correction
/// (its error is about 1 / (6√a) of the tail, under 2e-4 above a million Erlangs).
fn erlang_b_normal(servers: u64, offered: f64) -> f64 {
    let c = servers as f64;
    // ln P(X = c) = c ln a − a − ln c!, with Stirling's series for ln c! and written in
    // d = c − a so that no two huge terms cancel: −(c ln(1 + d/a) − d) − ½ ln(2πc) − 1/(12c).
    let d = c - offered;
    let ln_pmf = -(c * (d / offered).ln_1p() - d) - 0.5 * (2.0 * std::f64::consts::PI * c).ln() - 1.0 / (12.0 * c);
    let cdf = 0.5 * erfc(-(c + 0.5 - offered) / (offered * 2.0).sqrt());
    (ln_pmf.exp() / cdf).min(1.0)
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (section 6.2;
/// relative error under 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07 + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Erlang B by the forward recursion B(k) = a·B(k−1) / (k + a·B(k−1)).
fn erlang_b_upward(servers: u64, offered: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=servers {
        b = offered * b / (k as f64 + offered * b);
        if b < 1e-15 && k as f64 > offered {
            break;
        }
    }
    b
}

/// Erlang B as 1 / Σₖ c!/(k!·a^(c−k)): the terms from k = c down grow while k > a and then
/// fall geometrically, so the sum stops once they are negligible; rescaled against overflow.
fn erlang_b_downward(servers: u64, offered: f64) -> f64 {
    let (mut term, mut sum, mut top) = (1.0f64, 1.0f64, 1.0f64);
    for k in (1..=servers).rev() {
        term *= k as f64 / offered;
        sum += term;
        if term > 1e250 {
            term /= 1e250;
            sum /= 1e250;
            top /= 1e250;
        }
        if (k as f64) < offered && term < 1e-17 * sum {
            break;
        }
    }
    top / sum
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

/// An M/M/c queue's utilization, probability of waiting and p99 wait.
fn queue(servers: f64, service_s: f64, arrival: f64) -> (f64, f64, f64) {
    let offered = arrival * service_s;
    let utilization = if servers > 0.0 { offered / servers } else { f64::INFINITY };
    if utilization < 1.0 && service_s.is_finite() {
        let c = erlang_c(servers as u64, offered);
        (utilization, c, mmc_wait_quantile(c, servers, service_s, arrival, PERCENTILE))
    } else {
        (utilization, 1.0, f64::INFINITY)
    }
}

/// The service laid out as `layout` with `counts` replicas and `batch` sequences per
/// decode attention group.
pub fn operate(layout: &Layout, counts: Counts, batch: u32, load: &Load) -> Operating {
    let decode = layout.decode();
    let prefill_pool = layout.prefill();
    let step = decode.step(f64::from(batch), load);
    let prefill_s = prefill_pool.prefill(load).total_s;
    let decode_groups = f64::from(counts.decode) * f64::from(decode.layout.dp);
    let (prefill_share, kv_transfer_s, prefill_groups) = match layout {
        Layout::Aggregated(_) => (load.arrival * prefill_s / decode_groups.max(1.0), 0.0, decode_groups),
        Layout::Disaggregated { prefill, kv_transfer_s, .. } => {
            (0.0, *kv_transfer_s, f64::from(counts.prefill) * f64::from(prefill.layout.dp))
        }
    };
    let tpot = if prefill_share < 1.0 { step.per_token_s / (1.0 - prefill_share) } else { f64::INFINITY };
    let slots = decode_groups * (f64::from(batch) / load.samples.max(1.0)).floor();
    let service = match layout {
        Layout::Aggregated(_) => prefill_s + load.generated() * tpot,
        Layout::Disaggregated { .. } => load.generated() * tpot,
    };
    let (utilization, wait_probability, decode_wait) = queue(slots, service, load.arrival);
    let (prefill_utilization, prefill_wait) = match layout {
        Layout::Aggregated(_) => (0.0, 0.0),
        Layout::Disaggregated { .. } => {
            let (u, _, w) = queue(prefill_groups, prefill_s, load.arrival);
            (u, w)
        }
    };
    let wait_p99 = decode_wait + prefill_wait;
    let capacity = if tpot.is_finite() { decode_groups * f64::from(batch) / tpot } else { 0.0 };
    let decode_gpus = f64::from(counts.decode) * decode.gpus();
    let group = f64::from(prefill_pool.layout.attention_group());
    let prefill_energy = group * prefill_pool.gpu.power_w * prefill_s / (load.generated() * load.samples).max(1.0);
    let tokens_per_step = f64::from(batch.max(1)) * decode.speculation.accepted() * f64::from(decode.layout.dp);
    Operating {
        counts,
        batch,
        step,
        slots,
        prefill_s,
        prefill_share,
        kv_transfer_s,
        tpot_s: tpot,
        service_s: service,
        utilization,
        prefill_utilization,
        wait_probability,
        wait_p99_s: wait_p99,
        ttft_p99_s: wait_p99 + prefill_s + kv_transfer_s,
        capacity_tokens_per_s: capacity,
        input_tokens_per_s_per_gpu: if prefill_s > 0.0 { load.prompt / prefill_s / group } else { 0.0 },
        output_tokens_per_s_per_gpu: if decode_gpus > 0.0 { capacity / decode_gpus } else { 0.0 },
        energy_per_token_j: decode.gpus() * decode.gpu.power_w * step.total_s / tokens_per_step + prefill_energy,
        decode_energy_per_token_j: decode.gpus() * decode.gpu.power_w * step.total_s / tokens_per_step,
        prefill_energy_per_input_token_j: group * prefill_pool.gpu.power_w * prefill_s / load.prompt.max(1.0),
    }
}

/// The batch per attention group: as many sequences as memory holds, fewer where the TPOT
/// target needs it (with prefill's share of an aggregated pool's time taken off the step's
/// budget); `None` when memory does not hold one request's samples or not even they meet
/// the TPOT target.
pub fn operating_batch(layout: &Layout, counts: Counts, load: &Load, targets: &Targets) -> Option<u32> {
    let decode = layout.decode();
    let max_batch = decode.memory(load).max_batch;
    let least = load.samples.max(1.0).ceil() as u32;
    if max_batch < least {
        return None;
    }
    let Some(tpot) = targets.tpot_p99_s else { return Some(max_batch) };
    let share = match layout {
        Layout::Aggregated(p) => load.arrival * p.prefill(load).total_s / (f64::from(counts.decode) * f64::from(p.layout.dp)).max(1.0),
        Layout::Disaggregated { .. } => 0.0,
    };
    if share >= 1.0 {
        // Prefill alone overloads the replicas: the queue is unstable at any batch.
        return Some(max_batch);
    }
    decode.largest_batch_within(least, max_batch, tpot * (1.0 - share), load)
}

/// The service at `counts` and its operating batch; `None` where no batch meets the TPOT
/// target (see [`operating_batch`]).
pub fn plan(layout: &Layout, counts: Counts, load: &Load, targets: &Targets) -> Option<Operating> {
    operating_batch(layout, counts, load, targets).map(|b| operate(layout, counts, b, load))
}

/// Whether the service meets its latency targets and carries its load.
pub fn meets(op: &Operating, targets: &Targets) -> bool {
    op.stable()
        && targets.ttft_p99_s.is_none_or(|t| op.ttft_p99_s <= t * (1.0 + 1e-9))
        && targets.tpot_p99_s.is_none_or(|t| op.tpot_s <= t * (1.0 + 1e-9))
}

/// The smallest `n` in 1..=MAX_REPLICAS with `ok(n)`, where `ok` is monotone (more replicas
/// never hurt): doubling, then bisection. `None` when not even the maximum works.
fn smallest(ok: impl Fn(u32) -> bool) -> Option<u32> {
    if !ok(MAX_REPLICAS) {
        return None;
    }
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

/// The fewest replicas that meet `targets`. Aggregated: one count. Disaggregated: first the
/// decode pool (TPOT, a stable queue, and its wait within a tenth of the TTFT budget), then
/// the prefill pool with that decode pool until every target holds.
pub fn counts_needed(layout: &Layout, load: &Load, targets: &Targets) -> Option<Counts> {
    let works = |c: Counts| plan(layout, c, load, targets).is_some_and(|op| meets(&op, targets));
    match layout {
        Layout::Aggregated(_) => smallest(|n| works(Counts { prefill: 0, decode: n })).map(|n| Counts { prefill: 0, decode: n }),
        Layout::Disaggregated { .. } => {
            // With ample prefill replicas the prefill queue never waits: the wait is decode's.
            let decode_only = Targets { ttft_p99_s: targets.ttft_p99_s.map(|t| t / 10.0), ..*targets };
            let decode_ok = |n: u32| {
                plan(layout, Counts { prefill: MAX_REPLICAS, decode: n }, load, &decode_only).is_some_and(|op| {
                    op.utilization < 1.0
                        && decode_only.tpot_p99_s.is_none_or(|t| op.tpot_s <= t * (1.0 + 1e-9))
                        && decode_only.ttft_p99_s.is_none_or(|t| op.wait_p99_s <= t)
                })
            };
            let decode = smallest(decode_ok)?;
            let prefill = smallest(|n| works(Counts { prefill: n, decode }))?;
            Some(Counts { prefill, decode })
        }
    }
}

/// The layouts the planner tries for a replica of `gpus` GPUs: dense models split each
/// layer over the NVLink domain and pipeline beyond it; mixture-of-experts models also try
/// attention data parallelism with the experts over every GPU (`dp = ep = gpus`).
pub fn candidate_layouts(gpus: u32, domain: u32, moe: bool) -> Vec<Parallelism> {
    let mut out = Vec::new();
    let tp = largest_power_of_two_dividing(gpus).min(domain.max(1)).min(gpus.max(1));
    let pp = gpus / tp.max(1);
    if tp * pp == gpus {
        out.push(Parallelism { tp, pp, dp: 1, ep: if moe { tp } else { 1 } });
    }
    if moe && gpus > 1 {
        out.push(Parallelism { tp: 1, pp: 1, dp: gpus, ep: gpus });
    }
    out
}

fn largest_power_of_two_dividing(n: u32) -> u32 {
    if n == 0 { 1 } else { 1 << n.trailing_zeros() }
}

/// The replica sizes the planner tries: 1, 2, 4, … up to a node, then whole nodes doubling,
/// up to `limit` GPUs.
pub fn candidate_sizes(node: u32, limit: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut g = 1;
    while g < node.max(1) && g <= limit {
        out.push(g);
        g *= 2;
    }
    let mut g = node.max(1);
    while g <= limit {
        out.push(g);
        g = g.saturating_mul(2);
        if g == 0 {
            break;
        }
    }
    out
}

/// What the planner chose: the layout, its replica counts and its GPUs.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Choice {
    /// The layout.
    pub layout: Layout,
    /// Its replica counts.
    pub counts: Counts,
    /// Its GPUs.
    pub gpus: u64,
}

/// The fewest-GPU layout among `layouts` that meets `targets` within `limit` GPUs; ties go
/// to the earlier (aggregated before disaggregated, smaller replicas first).
pub fn cheapest(layouts: impl IntoIterator<Item = Layout>, load: &Load, targets: &Targets, limit: u64) -> Option<Choice> {
    let mut best: Option<Choice> = None;
    for layout in layouts {
        if layout.decode().memory(load).max_batch < load.samples.max(1.0).ceil() as u32 {
            continue;
        }
        let Some(counts) = counts_needed(&layout, load, targets) else { continue };
        let gpus = counts.gpus(&layout);
        if gpus <= limit && best.is_none_or(|b| gpus < b.gpus) {
            best = Some(Choice { layout, counts, gpus });
        }
    }
    best
}

/// The most tokens per second per decode GPU the layout sustains at `counts` within its
/// targets: the largest arrival rate (by bisection) at which the queues stay stable and
/// every target holds, times the tokens each request generates, over the decode GPUs. A
/// disaggregated layout's decode pool is measured alone (with prefill never the limit), as
/// decode benchmarks run it. This is the saturated throughput serving benchmarks and
/// AIConfigurator report; `None` when not even a trickle of load meets the targets.
pub fn saturated_output_per_gpu(layout: &Layout, counts: Counts, load: &Load, targets: &Targets) -> Option<f64> {
    let counts = if layout.is_disaggregated() { Counts { prefill: MAX_REPLICAS, ..counts } } else { counts };
    let decode_gpus = f64::from(counts.decode) * layout.decode().gpus();
    let per_request = load.generated() * load.samples.max(1.0);
    if decode_gpus <= 0.0 || per_request <= 0.0 {
        return None;
    }
    let holds = |arrival: f64| {
        let at = Load { arrival, ..*load };
        plan(layout, counts, &at, targets).is_some_and(|op| meets(&op, targets))
    };
    let (mut good, mut bad) = (0.0_f64, 1.0_f64);
    while holds(bad) {
        good = bad;
        bad *= 2.0;
        if bad > 1e12 {
            return None;
        }
    }
    if good == 0.0 && !holds(bad * 1e-9) {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (good + bad);
        if holds(mid) { good = mid } else { bad = mid }
    }
    Some(good * per_request / decode_gpus)
}

/// A layout written out as Fabric, to pin in the spec.
pub fn written_layout(choice: &Choice) -> String {
    let par = |p: &Parallelism| format!("parallelism {{ tp = {}, pp = {}, dp = {}, ep = {} }}", p.tp, p.pp, p.dp, p.ep);
    match choice.layout {
        Layout::Aggregated(pool) => {
            format!("gpus_per_replica = {}, replicas = {}, {}", pool.layout.gpus(), choice.counts.decode, par(&pool.layout))
        }
        Layout::Disaggregated { prefill, decode, .. } => format!(
            "prefill {{ gpus_per_replica = {}, replicas = {}, {} }} decode {{ gpus_per_replica = {}, replicas = {}, {} }}",
            prefill.layout.gpus(),
            choice.counts.prefill,
            par(&prefill.layout),
            decode.layout.gpus(),
            choice.counts.decode,
            par(&decode.layout)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
    }

    fn pool(tp: u32) -> Pool {
        super::super::model::tests::pool(super::super::model::tests::dense(), tp, 1, 1)
    }

    fn load(arrival: f64) -> Load {
        Load { arrival, prompt: 1000.0, reasoning: 0.0, output: 200.0, samples: 1.0, prefix_cache_hit: 0.0 }
    }

    #[test]
    fn erlang_c_matches_hand_values() {
        // One server: C = ρ. Two servers, 1 Erlang: B = 0.2, C = 0.2 / (1 − 0.5 × 0.8) = 1/3.
        assert!(close(erlang_c(1, 0.5), 0.5));
        assert!(close(erlang_c(2, 1.0), 1.0 / 3.0));
        assert_eq!(erlang_c(4, 4.0), 1.0);
        assert!(erlang_c(1000, 100.0) < 1e-12);
        // Just inside the ten-sigma band the exact sum runs; just outside it C is 0, and the
        // exact value there is far below the percentiles SLOs ask about.
        let a = 10_000.0;
        let edge = (a + 10.0 * 100.0 + 10.0) as u64;
        assert!(erlang_c(edge, a) > 0.0 && erlang_c(edge, a) < 1e-20, "{}", erlang_c(edge, a));
        assert_eq!(erlang_c(edge + 1, a), 0.0);
        assert!(erlang_c(10_200, a) > 1e-3, "two sigma above the load, arrivals still wait");
        // Above a million Erlangs the normal approximation stands in for the exact sum: at
        // exactly a million both can be computed, and they agree within 1e-3 across the band.
        let a = 1e6;
        for sigmas in [0.01, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0] {
            let c = (a + sigmas * 1000.0) as u64;
            let exact = erlang_b_downward(c, a);
            let normal = erlang_b_normal(c, a);
            assert!((normal / exact - 1.0).abs() < 1e-3, "{sigmas} sigma: normal {normal}, exact {exact}");
        }
        // At absurd loads the approximation stays a probability and stays continuous: one
        // standard deviation above 1e16 Erlangs, B is about φ(1)/(Φ(1)·σ).
        let a = 1e16;
        let b = erlang_b_normal((a + 1e8) as u64, a);
        let expected = (-0.5f64).exp() / (2.0 * std::f64::consts::PI).sqrt() / 0.841_344_7 / 1e8;
        assert!((b / expected - 1.0).abs() < 1e-2, "{b} against {expected}");
        // Both sums of Erlang B agree.
        for (servers, offered) in
            [(10u64, 7.5), (100, 93.0), (1_000, 600.0), (5_000, 4_950.0), (16_000, 12_000.0), (16_000, 15_900.0), (300, 10.0)]
        {
            let (up, down) = (erlang_b_upward(servers, offered), erlang_b_downward(servers, offered));
            // (The upward sum stops once B is under 1e-15, so below that both are "no wait".)
            assert!((up - down).abs() <= 1e-9 * up.max(down) || up.max(down) < 1e-14, "{servers} {offered}: {up} vs {down}");
        }
    }

    #[test]
    fn mmc_p99_wait_follows_the_exponential_tail() {
        // M/M/1, ρ = 0.5, S = 1 s: P(W > t) = 0.5 e^(−0.5 t) = 0.01 at t = 2 ln 50.
        assert!(close(mmc_wait_quantile(0.5, 1.0, 1.0, 0.5, 0.99), 2.0 * 50f64.ln()));
        assert_eq!(mmc_wait_quantile(0.005, 1.0, 1.0, 0.5, 0.99), 0.0);
    }

    #[test]
    fn an_aggregated_pool_pays_prefill_out_of_decode_time() {
        let layout = Layout::Aggregated(pool(2));
        let l = load(4.0);
        let op = operate(&layout, Counts { prefill: 0, decode: 2 }, 50, &l);
        let prefill = pool(2).prefill(&l).total_s;
        let share = 4.0 * prefill / 2.0;
        assert!(close(op.prefill_share, share));
        assert!(close(op.tpot_s, pool(2).step(50.0, &l).per_token_s / (1.0 - share)));
        assert!(close(op.service_s, prefill + 200.0 * op.tpot_s));
        assert!(close(op.utilization, 4.0 * op.service_s / 100.0));
        assert!(close(op.ttft_p99_s, op.wait_p99_s + prefill));
        assert!(close(op.capacity_tokens_per_s, 2.0 * 50.0 / op.tpot_s));
        assert!(close(op.output_tokens_per_s_per_gpu, op.capacity_tokens_per_s / 4.0));
        // Energy: the decode step's per token, plus each prompt's prefill over its 200 tokens.
        let step = pool(2).step(50.0, &l).total_s;
        assert!(close(op.decode_energy_per_token_j, 2.0 * 1000.0 * step / 50.0));
        assert!(close(op.prefill_energy_per_input_token_j, 2.0 * 1000.0 * prefill / 1000.0));
        assert!(close(op.energy_per_token_j, op.decode_energy_per_token_j + op.prefill_energy_per_input_token_j * 1000.0 / 200.0));
    }

    #[test]
    fn a_disaggregated_layout_adds_the_kv_transfer_and_the_prefill_queue() {
        let layout = Layout::Disaggregated { prefill: pool(1), decode: pool(2), kv_transfer_s: 0.003 };
        let l = load(4.0);
        let op = operate(&layout, Counts { prefill: 2, decode: 2 }, 50, &l);
        assert_eq!(op.prefill_share, 0.0);
        assert!(close(op.tpot_s, pool(2).step(50.0, &l).per_token_s));
        let prefill = pool(1).prefill(&l).total_s;
        assert!(close(op.prefill_utilization, 4.0 * prefill / 2.0));
        assert!(close(op.ttft_p99_s, op.wait_p99_s + prefill + 0.003));
        assert_eq!(Counts { prefill: 2, decode: 2 }.gpus(&layout), 6);
    }

    #[test]
    fn counts_needed_is_the_smallest_that_meets_the_targets() {
        let targets = Targets { ttft_p99_s: Some(1.0), tpot_p99_s: Some(0.02), energy_per_token_j: None };
        let l = load(200.0);
        let layout = Layout::Aggregated(pool(2));
        let c = counts_needed(&layout, &l, &targets).unwrap();
        assert!(meets(&plan(&layout, c, &l, &targets).unwrap(), &targets));
        let fewer = Counts { decode: c.decode - 1, ..c };
        assert!(plan(&layout, fewer, &l, &targets).is_none_or(|op| !meets(&op, &targets)));
        // Disaggregated: both pools sized, the result meets every target.
        let split = Layout::Disaggregated { prefill: pool(1), decode: pool(2), kv_transfer_s: 0.001 };
        let d = counts_needed(&split, &l, &targets).unwrap();
        assert!(meets(&plan(&split, d, &l, &targets).unwrap(), &targets));
        assert!(plan(&split, Counts { prefill: d.prefill - 1, ..d }, &l, &targets).is_none_or(|op| !meets(&op, &targets)));
    }

    #[test]
    fn a_target_no_scale_meets_is_none() {
        let targets = Targets { tpot_p99_s: Some(1e-6), ..Targets::default() };
        assert_eq!(counts_needed(&Layout::Aggregated(pool(1)), &load(1.0), &targets), None);
    }

    #[test]
    fn saturated_throughput_is_the_largest_load_that_still_meets_the_targets() {
        let targets = Targets { ttft_p99_s: Some(2.0), tpot_p99_s: Some(0.03), energy_per_token_j: None };
        let layout = Layout::Aggregated(pool(2));
        let counts = Counts { prefill: 0, decode: 1 };
        let per_gpu = saturated_output_per_gpu(&layout, counts, &load(1.0), &targets).unwrap();
        let arrival = per_gpu * 2.0 / 200.0;
        assert!(plan(&layout, counts, &load(arrival * 0.999), &targets).is_some_and(|op| meets(&op, &targets)));
        assert!(plan(&layout, counts, &load(arrival * 1.01), &targets).is_none_or(|op| !meets(&op, &targets)));
    }

    #[test]
    fn candidates_split_over_the_domain_and_try_attention_data_parallelism_for_experts() {
        assert_eq!(candidate_layouts(8, 8, false), [Parallelism { tp: 8, pp: 1, dp: 1, ep: 1 }]);
        assert_eq!(candidate_layouts(16, 8, false), [Parallelism { tp: 8, pp: 2, dp: 1, ep: 1 }]);
        assert_eq!(
            candidate_layouts(16, 72, true),
            [Parallelism { tp: 16, pp: 1, dp: 1, ep: 16 }, Parallelism { tp: 1, pp: 1, dp: 16, ep: 16 }]
        );
        assert_eq!(candidate_sizes(8, 64), [1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(candidate_sizes(4, 10), [1, 2, 4, 8]);
    }

    #[test]
    fn a_choice_is_written_out_as_fabric() {
        let choice = Choice { layout: Layout::Aggregated(pool(2)), counts: Counts { prefill: 0, decode: 3 }, gpus: 6 };
        assert_eq!(written_layout(&choice), "gpus_per_replica = 2, replicas = 3, parallelism { tp = 2, pp = 1, dp = 1, ep = 1 }");
    }
}
