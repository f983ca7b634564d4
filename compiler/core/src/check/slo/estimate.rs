//! The estimate of one service: its inputs checked for completeness, its layout built (as
//! asked, or chosen by the planner), the operating point planned, and each SLO judged.

use super::diagnostics::*;
use super::gather::*;
use super::model::{Parallelism, Pool, bytes_per_param};
use super::plan::{self, Counts, Layout, Operating, Targets, written_layout};
use crate::check::PoolFigures;
use crate::diagnostic::{Diagnostic, codes};
use crate::resolve::DeclId;
use crate::units::{Dim, format_number, format_quantity};

/// What [`Service::judge`] needs of an estimate to judge its operating point.
pub(super) struct Judged<'r> {
    pub(super) layout: &'r Layout,
    pub(super) inputs: &'r Inputs,
    pub(super) tpot: Option<Bound>,
    pub(super) ttft: Option<Bound>,
    pub(super) energy: Option<Bound>,
    pub(super) pue: f64,
    pub(super) facility: bool,
    /// Where the layout's size is written (the decode pool's or the service's block).
    pub(super) size_decl: DeclId,
    pub(super) suggestion: String,
    pub(super) assumptions_note: String,
}

impl Service<'_> {
    /// A pool of `par` starting at the placement's `first` GPU.
    pub(super) fn pool(&self, inputs: &Inputs, par: Parallelism, first: usize) -> (Pool, &'static str) {
        let (links, kind) = self.links(first, par.gpus());
        let pool = Pool {
            model: inputs.model,
            gpu: inputs.gpu,
            layout: par,
            links,
            assumptions: inputs.assumptions,
            speculation: inputs.speculation,
        };
        (pool, kind)
    }

    /// The layouts the planner weighs inside the placement: aggregated replicas of every
    /// candidate size and parallelism, and disaggregated pairs of the smallest prefill
    /// replica that holds the model (of each parallelism) with every decode candidate.
    pub(super) fn candidates(&self, inputs: &Inputs, limit: u32) -> Vec<Layout> {
        let limit = limit.clamp(1, MAX_GPUS_PER_REPLICA);
        let node = self.gpus_per_node().max(1);
        let domain = self.domain_gpus();
        let moe = inputs.model.is_moe();
        let mut pools: Vec<Pool> = Vec::new();
        for g in plan::candidate_sizes(node, limit) {
            for par in plan::candidate_layouts(g, domain, moe) {
                // Pipeline stages cost decode latency real engines avoid: a layout with pp > 1
                // is a candidate only where no layout without it holds the model.
                if par.pp > 1 && pools.iter().any(|p| p.layout.pp == 1 || p.layout.dp == 1) {
                    continue;
                }
                let (pool, _) = self.pool(inputs, par, 0);
                if pool.memory(&inputs.load).max_batch >= inputs.load.samples.max(1.0) as u32 {
                    pools.push(pool);
                }
            }
        }
        let mut out: Vec<Layout> = pools.iter().map(|&p| Layout::Aggregated(p)).collect();
        let mut prefill: Vec<Pool> = Vec::new();
        for p in &pools {
            if !prefill.iter().any(|q| (q.layout.dp > 1) == (p.layout.dp > 1)) {
                prefill.push(*p);
            }
        }
        for p in &prefill {
            let kv = inputs.load.prompt * inputs.model.kv_bytes_per_token;
            let kv_transfer_s = self.kv_transfer_s(0, 0, p.layout.attention_group(), kv);
            for d in &pools {
                out.push(Layout::Disaggregated { prefill: *p, decode: *d, kv_transfer_s });
            }
        }
        out
    }

    /// The layout as the spec asks for it; for the planner, the cheapest candidate that meets
    /// the targets (`None` when none does inside the placement). A pool without a
    /// `parallelism` block gets the candidate of its size that needs the fewest GPUs.
    pub(super) fn layout(&self, asked: &Asked, inputs: &Inputs, targets: &Targets) -> Option<(Layout, Counts, bool, &'static str)> {
        let load = &inputs.load;
        let best_par = |gpus: u32, first: usize| -> Parallelism {
            let options = plan::candidate_layouts(gpus, self.domain_gpus(), inputs.model.is_moe());
            let layouts: Vec<Layout> = options.iter().map(|&par| Layout::Aggregated(self.pool(inputs, par, first).0)).collect();
            plan::cheapest(layouts.iter().copied(), load, targets, u64::MAX)
                .map(|c| c.layout.decode().layout)
                .or_else(|| layouts.iter().map(|l| l.decode().layout).max_by_key(|par| (par.dp, par.tp)))
                .unwrap_or(Parallelism { tp: gpus.max(1), pp: 1, dp: 1, ep: 1 })
        };
        match asked {
            Asked::Aggregated(a) => {
                let par = a.parallelism.map_or_else(|| best_par(a.gpus, 0), |(p, _)| p);
                let (pool, kind) = self.pool(inputs, par, 0);
                Some((Layout::Aggregated(pool), Counts { prefill: 0, decode: a.replicas }, false, kind))
            }
            Asked::Disaggregated(p, d) => {
                let prefill_gpus = (p.gpus as usize) * (p.replicas as usize);
                let ppar = p.parallelism.map_or_else(|| best_par(p.gpus, 0), |(x, _)| x);
                let dpar = d.parallelism.map_or_else(|| best_par(d.gpus, prefill_gpus), |(x, _)| x);
                let (prefill, _) = self.pool(inputs, ppar, 0);
                let (decode, kind) = self.pool(inputs, dpar, prefill_gpus);
                let kv = load.prompt * inputs.model.kv_bytes_per_token;
                let decode_gpus = (d.gpus as usize) * (d.replicas as usize);
                let kv_transfer_s = self.kv_transfer_s(prefill_gpus, decode_gpus, ppar.attention_group(), kv);
                let layout = Layout::Disaggregated { prefill, decode, kv_transfer_s };
                Some((layout, Counts { prefill: p.replicas, decode: d.replicas }, false, kind))
            }
            Asked::Planner => {
                let placed = self.gpus.len() as u32;
                let choice = plan::cheapest(self.candidates(inputs, placed), load, targets, u64::from(placed))?;
                let kind = if choice.layout.decode().layout.gpus() <= self.domain_gpus() { "nvlink" } else { "scale-out" };
                Some((choice.layout, choice.counts, true, kind))
            }
        }
    }

    /// Runs the model for the layout asked: E0707 (context), E0701 (fit), then the SLOs.
    pub(super) fn estimate(&self, asked: &Asked, diagnostics: &mut Vec<Diagnostic>) -> Result<Option<Estimate>, Missing> {
        if self.gpus.is_empty() {
            return Ok(None); // the placement diagnostics say why
        }
        let inputs = self.inputs()?;
        let load = inputs.load;
        let targets = self.targets();
        let assumptions_note = assumptions_note(&inputs, &inputs.notes);
        if let Some(limit) = self.number(inputs.model_decl, "context")
            && load.context() > limit
        {
            diagnostics.push(self.context_too_long(&load, limit, inputs.model_decl, &assumptions_note));
        }
        let facility = self
            .slo_decl
            .and_then(|s| self.program.field(s, "energy_basis"))
            .and_then(|f| f.text().map(str::to_string))
            .is_some_and(|b| b == "facility");
        let pue = if facility { self.plant.inherited_number(self.gpus[0], "pue").unwrap_or(1.0) } else { 1.0 };
        // The cheapest layout of replicas up to MAX_GPUS_PER_REPLICA: the suggestion of every
        // E07xx and gpus_needed (which may exceed the placement; the help says so).
        let best = plan::cheapest(self.candidates(&inputs, MAX_GPUS_PER_REPLICA), &load, &targets, u64::MAX);
        let suggestion = self.suggestion(best.as_ref());
        let Some((layout, counts, chosen, kind)) = self.layout(asked, &inputs, &targets) else {
            diagnostics.push(self.nothing_meets(&inputs, &targets, &assumptions_note));
            return Ok(None);
        };
        let decode = layout.decode();
        let fit = decode.memory(&load);
        let prefill_fit = layout.prefill().memory(&load);
        let fits = f64::from(fit.max_batch) >= load.samples && prefill_fit.max_batch >= 1;
        let pool_figures =
            |pool: &Pool, replicas: u32| PoolFigures { gpus_per_replica: pool.layout.gpus(), replicas, parallelism: pool.layout };
        let (prefill_fig, decode_fig) = match &layout {
            Layout::Aggregated(p) => (pool_figures(p, counts.decode), pool_figures(p, counts.decode)),
            Layout::Disaggregated { prefill, decode, .. } => (pool_figures(prefill, counts.prefill), pool_figures(decode, counts.decode)),
        };
        let mut estimate = Estimate {
            fits,
            weights_bytes: fit.weights_bytes,
            usable_bytes: fit.usable_per_gpu * decode.gpus(),
            kv_bytes_per_sequence: inputs.model.kv_bytes_per_token * load.context(),
            max_batch: fit.max_batch.saturating_mul(decode.layout.dp),
            interconnect: kind,
            operating: None,
            decode_work: None,
            demand_tokens_per_s: load.demand_tokens_per_s(),
            energy_per_token_j: None,
            energy_basis: if facility { "facility" } else { "it" },
            disaggregated: layout.is_disaggregated(),
            chosen,
            prefill: prefill_fig,
            decode: decode_fig,
            kv_transfer_s: match layout {
                Layout::Disaggregated { kv_transfer_s, .. } => Some(kv_transfer_s),
                Layout::Aggregated(_) => None,
            },
            saturated_output_per_gpu: plan::saturated_output_per_gpu(&layout, counts, &load, &targets),
            suggested_layout: best.as_ref().map(written_layout),
            gpus_per_replica_needed: best.as_ref().map(|b| b.layout.decode().layout.gpus()),
            replicas_needed: best.as_ref().map(|b| b.counts.decode),
            gpus_needed: best.as_ref().map(|b| b.gpus),
            batch_curve: Vec::new(),
            reasoning_scaling: Vec::new(),
        };
        let size_decl = match asked {
            Asked::Disaggregated(_, d) => d.decl,
            _ => self.decl,
        };
        if !fits {
            let (pool, pool_fit) = if f64::from(fit.max_batch) < load.samples { (decode, &fit) } else { (layout.prefill(), &prefill_fit) };
            diagnostics.push(self.does_not_fit(pool, &inputs, pool_fit, size_decl, &suggestion, &assumptions_note));
            return Ok(Some(estimate));
        }
        let (tpot, ttft, energy) = (self.bound("tpot_p99"), self.bound("ttft_p99"), self.bound("energy_per_token"));
        let Some(op) = plan::plan(&layout, counts, &load, &targets) else {
            // Even one request's samples decode too slowly, with prefill's share taken off.
            if let Some(bound) = &tpot {
                let step = decode.step(load.samples, &load);
                let what = format!("takes {} per output token even at a batch of {}", t(step.per_token_s), format_number(load.samples));
                diagnostics.push(
                    self.over(codes::E0703, what, "tpot_p99", bound, Dim::TIME)
                        .with_label(self.label(Some(size_decl), "gpus_per_replica", format!("{} GPUs per replica", decode.layout.gpus())))
                        .with_note(step_note(decode, load.samples, &step))
                        .with_note(assumptions_note.clone())
                        .with_help(suggestion.clone()),
                );
            }
            return Ok(Some(estimate));
        };
        if let Asked::Disaggregated(p, d) = asked
            && let Some(diagnostic) = self.kv_over_campus_link(p, d, &inputs)
        {
            diagnostics.push(diagnostic);
        }
        estimate.operating = Some(op);
        estimate.decode_work = Some(decode.work(f64::from(op.batch), &load));
        estimate.energy_per_token_j = Some(op.energy_per_token_j * pue);
        estimate.batch_curve = batch_curve(&layout, counts, fit.max_batch, op.batch, &load);
        estimate.reasoning_scaling = [1.0, 2.0, 4.0]
            .iter()
            .map(|&factor| {
                let scaled = super::model::Load { reasoning: load.reasoning * factor, ..load };
                let gpus = plan::counts_needed(&layout, &scaled, &targets).map(|c| c.gpus(&layout));
                crate::check::ScalingPoint { factor, reasoning_tokens: scaled.reasoning, gpus_needed: gpus }
            })
            .collect();
        let judged =
            Judged { layout: &layout, inputs: &inputs, tpot, ttft, energy, pue, facility, size_decl, suggestion, assumptions_note };
        self.judge(op, &judged, diagnostics);
        Ok(Some(estimate))
    }

    /// Judges the operating point against the SLO's bounds: E0704 where the load exceeds
    /// the capacity, E0703 (TPOT), E0702 (TTFT) and E0705 (energy per token).
    pub(super) fn judge(&self, op: Operating, j: &Judged<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let load = &j.inputs.load;
        let decode = j.layout.decode();
        let replicas_label = || self.label(Some(j.size_decl), "replicas", plural(op.counts.decode, "replica"));
        let queue_note = queue_note(&op, decode, load);
        if !op.stable() {
            let message = if op.prefill_utilization >= 1.0 {
                format!(
                    "inference `{}` receives {}; its prefill pool can take {}",
                    self.name,
                    format_quantity(load.arrival, Dim::REQUEST_RATE),
                    format_quantity(load.arrival / op.prefill_utilization, Dim::REQUEST_RATE)
                )
            } else {
                format!(
                    "inference `{}` asks for {}; it can generate {}",
                    self.name,
                    rate(load.demand_tokens_per_s()),
                    rate(op.capacity_tokens_per_s)
                )
            };
            diagnostics.push(
                Diagnostic::error(codes::E0704, message, replicas_label())
                    .with_label(self.label(self.load_decl, "arrival", "the load"))
                    .with_note(format!(
                        "load = arrival × (reasoning + output) × samples = {} × ({} + {}) × {} = {}",
                        format_quantity(load.arrival, Dim::REQUEST_RATE),
                        tok(load.reasoning),
                        tok(load.output),
                        format_number(load.samples),
                        rate(load.demand_tokens_per_s())
                    ))
                    .with_note(if op.prefill_utilization >= 1.0 {
                        let groups = f64::from(op.counts.prefill) * f64::from(j.layout.prefill().layout.dp);
                        format!(
                            "prefill capacity = attention groups / prefill = {} / {} = {}",
                            format_number(groups),
                            t(op.prefill_s),
                            format_quantity(groups / op.prefill_s, Dim::REQUEST_RATE)
                        )
                    } else {
                        format!(
                            "capacity = attention groups × batch / TPOT = {} × {} / {} = {}",
                            format_number(f64::from(op.counts.decode) * f64::from(decode.layout.dp)),
                            op.batch,
                            t(op.tpot_s),
                            rate(op.capacity_tokens_per_s)
                        )
                    })
                    .with_note(queue_note.clone())
                    .with_note(j.assumptions_note.clone())
                    .with_path(self.name.clone())
                    .with_help(j.suggestion.clone()),
            );
            return;
        }
        if let Some(bound) = &j.tpot
            && !bound.holds(op.tpot_s)
        {
            let mut d = self
                .over(codes::E0703, format!("takes {} per output token at p99", t(op.tpot_s)), "tpot_p99", bound, Dim::TIME)
                .with_label(replicas_label())
                .with_note(step_note(decode, f64::from(op.batch), &op.step));
            if op.prefill_share > 0.0 {
                d = d.with_note(format!(
                    "prefill takes {} of each attention group's time: TPOT = step / (1 − {}) = {}",
                    percent(op.prefill_share),
                    percent(op.prefill_share),
                    t(op.tpot_s)
                ));
            }
            diagnostics.push(d.with_note(j.assumptions_note.clone()).with_path(self.name.clone()).with_help(j.suggestion.clone()));
        }
        if let Some(bound) = &j.ttft
            && !bound.holds(op.ttft_p99_s)
        {
            diagnostics.push(
                self.over(codes::E0702, format!("reaches its first token in {} at p99", t(op.ttft_p99_s)), "ttft_p99", bound, Dim::TIME)
                    .with_label(replicas_label())
                    .with_note(format!(
                        "TTFT p99 = p99 waits + prefill + KV transfer = {} + {} + {} = {}",
                        t(op.wait_p99_s),
                        t(op.prefill_s),
                        t(op.kv_transfer_s),
                        t(op.ttft_p99_s)
                    ))
                    .with_note(prefill_note(j.layout.prefill(), load))
                    .with_note(queue_note.clone())
                    .with_note(j.assumptions_note.clone())
                    .with_path(self.name.clone())
                    .with_help(j.suggestion.clone()),
            );
        }
        let energy_j = op.energy_per_token_j * j.pue;
        if let Some(bound) = &j.energy
            && !bound.holds(energy_j)
        {
            let basis = if j.facility { format!(" × PUE {}", format_number(j.pue)) } else { String::new() };
            diagnostics.push(
                self.over(
                    codes::E0705,
                    format!("spends {} on each generated token", format_quantity(energy_j, Dim::ENERGY)),
                    "energy_per_token",
                    bound,
                    Dim::ENERGY_PER_TOKEN,
                )
                .with_note(format!(
                    "energy per token = GPUs × power per GPU × step / tokens per step + prefill's share{basis} = {} × {} × {} / {} + … = {}",
                    format_number(decode.gpus()),
                    format_quantity(decode.gpu.power_w, Dim::POWER),
                    t(op.step.total_s),
                    format_number(f64::from(op.batch) * f64::from(decode.layout.dp) * decode.speculation.accepted()),
                    format_quantity(energy_j, Dim::ENERGY_PER_TOKEN)
                ))
                .with_note("power per GPU is its NVLink domain's IT power over the domain's GPUs; fabric switches are not counted")
                .with_note(j.assumptions_note.clone())
                .with_path(self.name.clone())
                .with_help("run larger batches (more memory per replica, a looser tpot_p99), a lower precision, or more efficient GPUs"),
            );
        }
    }

    /// E0701 for a service without a load, where the weights alone overflow a replica of
    /// `per_replica` GPUs at the parallelism the planner would give it; `None` where they
    /// fit or a figure is missing (nothing asked for the estimates).
    pub(super) fn weights_only_fit(&self, per_replica: u32) -> Option<Diagnostic> {
        let model_decl = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let precision = self.program.field(self.decl, "precision").and_then(|f| f.text().map(str::to_string)).unwrap_or_default();
        let params = self.number(model_decl, "params")?;
        let bytes = params * bytes_per_param(&precision);
        let (gpu, _) = self.gpu(&precision).ok()?;
        let assumptions = self.assumptions();
        let usable_per_gpu = gpu.memory_bytes * assumptions.memory_utilization;
        let usable = usable_per_gpu * f64::from(per_replica);
        if bytes <= usable {
            return None;
        }
        let node = self.gpus_per_node().max(1);
        let mut g = (bytes / usable_per_gpu).ceil() as u32;
        if g > node {
            g = g.div_ceil(node) * node;
        }
        Some(self.weights_do_not_fit(per_replica, bytes, usable, &precision, g, &assumptions))
    }
}

/// The layout at `counts` for decode batches 1, 2, 4, … up to what memory holds, and at the
/// operating batch: TPOT and the service's output tokens per second.
fn batch_curve(
    layout: &Layout,
    counts: Counts,
    max_batch: u32,
    operating: u32,
    load: &super::model::Load,
) -> Vec<crate::check::BatchPoint> {
    let mut batches: Vec<u32> = std::iter::successors(Some(1u32), |b| b.checked_mul(2)).take_while(|&b| b <= max_batch.max(1)).collect();
    batches.push(max_batch.max(1));
    batches.push(operating.max(1));
    batches.sort_unstable();
    batches.dedup();
    batches
        .into_iter()
        .map(|b| {
            let op = plan::operate(layout, counts, b, load);
            crate::check::BatchPoint { batch: b, tpot_s: op.tpot_s, tokens_per_s: op.capacity_tokens_per_s }
        })
        .filter(|p| p.tpot_s.is_finite() && p.tokens_per_s.is_finite())
        .collect()
}
