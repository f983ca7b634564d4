//! The SLO diagnostics and their notes: a bound broken, a placement too small, a context
//! too long, a model that does not fit, figures missing; and the formatting they share.

use super::gather::*;
use super::model::{Assumptions, Load, MemoryFit, Parallelism, Pool, StepTime};
use super::plan::{Choice, Operating, Targets};
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::plant::InstanceId;
use crate::resolve::DeclId;
use crate::schema::Kind;
use crate::source::SourceFile;
use crate::units::{Dim, format_number, format_quantity, group_thousands};

impl Service<'_> {
    /// An SLO diagnostic at its bound: "inference `x` {what}; its SLO is {field} {bound}".
    pub(super) fn over(&self, code: crate::diagnostic::Code, what: String, field: &str, bound: &Bound, dim: Dim) -> Diagnostic {
        Diagnostic::error(
            code,
            format!("inference `{}` {what}; its SLO is {field} {}", self.name, bound.text(dim)),
            Label::new(self.slo_file(), bound.span, format!("{field} {}", bound.text(dim))),
        )
        .with_path(self.name.clone())
    }

    pub(super) fn slo_file(&self) -> SourceFile {
        self.slo_decl.map_or(self.file, |s| self.program.decl(s).file)
    }

    /// The help that names the layout that would hold with the fewest GPUs.
    pub(super) fn suggestion(&self, best: Option<&Choice>) -> String {
        match best {
            Some(b) => format!(
                "the fewest GPUs that meet these SLOs: {} GPUs as {}; the placement holds {}",
                group_thousands(u128::from(b.gpus)),
                super::plan::written_layout(b),
                group_thousands(self.gpus.len() as u128)
            ),
            None => format!(
                "no layout with replicas of up to {} GPUs meets these SLOs on this GPU: loosen the SLO, use a lower precision or faster GPUs",
                group_thousands(u128::from(MAX_GPUS_PER_REPLICA))
            ),
        }
    }

    pub(super) fn placement_too_small(&self, asked: &Asked) -> Diagnostic {
        let placed = self.gpus.len() as u64;
        let (what, decl, field) = match asked {
            Asked::Aggregated(a) => (format!("{} replicas × {}", a.replicas, a.gpus), self.decl, "replicas"),
            Asked::Disaggregated(p, d) => {
                (format!("prefill {} × {} and decode {} × {}", p.replicas, p.gpus, d.replicas, d.gpus), d.decl, "replicas")
            }
            Asked::Planner => (String::new(), self.decl, "placement"),
        };
        let fit_replicas = match asked {
            Asked::Aggregated(a) if a.gpus > 0 => placed / u64::from(a.gpus),
            _ => 0,
        };
        Diagnostic::error(
            codes::E0706,
            format!(
                "inference `{}` asks for {} GPUs ({what}); its placement holds {}",
                self.name,
                group_thousands(u128::from(asked.gpus())),
                group_thousands(u128::from(placed))
            ),
            self.label(Some(self.decl), "placement", format!("{} GPUs here", group_thousands(u128::from(placed)))),
        )
        .with_label(self.label(Some(decl), field, "asked here"))
        .with_note("every replica needs its own GPUs under the placement")
        .with_path(self.name.clone())
        .with_help(if fit_replicas > 0 {
            format!("place the service on a larger part of the plant, or use replicas = {fit_replicas}")
        } else {
            "place the service on a part of the plant with more GPUs".to_string()
        })
    }

    /// E0706 for the planner: no layout inside the placement meets the SLOs.
    pub(super) fn nothing_meets(&self, inputs: &Inputs, targets: &Targets, assumptions: &str) -> Diagnostic {
        let _ = targets;
        Diagnostic::error(
            codes::E0706,
            format!(
                "no layout of inference `{}` inside its placement ({} GPUs) meets its SLOs at its load",
                self.name,
                group_thousands(self.gpus.len() as u128)
            ),
            self.label(Some(self.decl), "placement", format!("{} GPUs here", group_thousands(self.gpus.len() as u128))),
        )
        .with_note(format!(
            "the planner tried aggregated replicas and disaggregated prefill/decode pools of 1 to {} GPUs, each with tensor, pipeline, and (for mixture-of-experts models) attention-data and expert parallelism",
            group_thousands(u128::from((self.gpus.len() as u32).min(MAX_GPUS_PER_REPLICA)))
        ))
        .with_note(format!("load: {} of {} prompts", format_quantity(inputs.load.arrival, Dim::REQUEST_RATE), tok(inputs.load.prompt)))
        .with_note(assumptions.to_string())
        .with_path(self.name.clone())
        .with_help("place the service on more GPUs, loosen the SLO or the load, or use a lower precision or faster GPUs")
    }

    /// E0606 where the prefill and decode pools sit in different buildings and the KV cache
    /// their prompts hand over (arrival × prompt × KV per token) exceeds the campus link's
    /// capacity.
    pub(super) fn kv_over_campus_link(&self, p: &PoolAsk, d: &PoolAsk, inputs: &Inputs) -> Option<Diagnostic> {
        let prefill_gpus = (p.gpus as usize) * (p.replicas as usize);
        let decode_gpus = (d.gpus as usize) * (d.replicas as usize);
        let building = |g: &InstanceId| self.plant.ancestor(*g, Kind::Building);
        let from: std::collections::BTreeSet<InstanceId> = self.gpus.iter().take(prefill_gpus).filter_map(building).collect();
        let to: std::collections::BTreeSet<InstanceId> =
            self.gpus.iter().skip(prefill_gpus).take(decode_gpus).filter_map(building).collect();
        let load = &inputs.load;
        let bits_per_s = load.arrival * load.prompt * inputs.model.kv_bytes_per_token * 8.0;
        for &a in &from {
            for &b in to.iter().filter(|&&b| b != a) {
                // Redundant links between the two buildings carry the KV cache side by side.
                let links: Vec<&crate::network::CampusLink> = self.network.links_between(a, b).map(|(_, l)| l).collect();
                let Some(link) = links.first() else { continue };
                if links.iter().any(|l| l.capacity_bps.is_none()) {
                    continue;
                }
                let capacity: f64 = links.iter().filter_map(|l| l.capacity_bps).sum();
                let crossing: f64 = links.iter().map(|l| l.crossing_bps).sum();
                let names: Vec<String> = links.iter().map(|l| self.plant.path(l.instance)).collect();
                let total = bits_per_s + crossing;
                if total <= capacity {
                    continue;
                }
                let link_decl = self.plant.get(link.instance).decl;
                let at = self.program.decl(link_decl);
                let (file, span) = self.program.field_origin(link_decl, "capacity").unwrap_or((at.file, at.name_span));
                return Some(
                    Diagnostic::error(
                        codes::E0606,
                        format!(
                            "the KV cache inference `{}` hands from its prefill to its decode pool crosses campus link `{}` at {}{}; {} {}",
                            self.name,
                            names.join("`, `"),
                            format_quantity(bits_per_s, Dim::DATA_RATE),
                            if crossing > 0.0 {
                                format!(", {} with the fabrics' cables", format_quantity(total, Dim::DATA_RATE))
                            } else {
                                String::new()
                            },
                            if links.len() > 1 { "their capacity is" } else { "its capacity is" },
                            format_quantity(capacity, Dim::DATA_RATE)
                        ),
                        crate::diagnostic::Label::new(file, span, "this capacity"),
                    )
                    .with_label(self.label(Some(d.decl), "replicas", "the decode pool, in another building"))
                    .with_note(format!(
                        "KV traffic = arrival × prompt × KV per token = {} × {} × {} = {}",
                        format_quantity(load.arrival, Dim::REQUEST_RATE),
                        tok(load.prompt),
                        format_quantity(inputs.model.kv_bytes_per_token * 8.0, Dim::INFORMATION),
                        format_quantity(bits_per_s, Dim::DATA_RATE)
                    ))
                    .with_note("the pools take the placement's GPUs in order: the prefill pool's first, then the decode pool's")
                    .with_path(self.name.clone())
                    .with_help("place both pools in one building, add capacity to the link, or use a lower `kv_precision`"),
                );
            }
        }
        None
    }

    /// E0708: `gpus_per_replica` without `replicas` or the other way round.
    pub(super) fn half_a_layout(&self) -> Diagnostic {
        let set = |f: &str| self.program.field(self.decl, f).is_some_and(|v| v.set().is_some());
        let (have, lack) = if set("gpus_per_replica") { ("gpus_per_replica", "replicas") } else { ("replicas", "gpus_per_replica") };
        Diagnostic::error(
            codes::E0708,
            format!("inference `{}` sets `{have}` but not `{lack}`", self.name),
            self.label(Some(self.decl), have, "half of an aggregated layout"),
        )
        .with_note("an aggregated layout is `gpus_per_replica` and `replicas`; pools are `prefill { }` and `decode { }`; with none of them the compiler plans the layout")
        .with_path(self.name.clone())
        .with_help(format!("set `{lack}` too, or remove `{have}` to have the compiler choose"))
    }

    /// E0708: an aggregated size beside pools, or one pool without the other.
    pub(super) fn mixed_layout(&self, aggregated: bool) -> Diagnostic {
        let (message, at) = match (aggregated, self.prefill_decl, self.decode_decl) {
            (true, p, d) => (
                "sets both an aggregated size (`gpus_per_replica`, `replicas`) and a `prefill`/`decode` pool".to_string(),
                p.or(d).unwrap_or(self.decl),
            ),
            (false, Some(p), None) => ("has a `prefill` pool but no `decode` pool".to_string(), p),
            (false, None, Some(d)) => ("has a `decode` pool but no `prefill` pool".to_string(), d),
            _ => ("has an inconsistent layout".to_string(), self.decl),
        };
        let d = self.program.decl(at);
        Diagnostic::error(
            codes::E0708,
            format!("inference `{}` {message}", self.name),
            crate::diagnostic::Label::new(d.file, d.name_span, "here"),
        )
        .with_note("a layout is aggregated (`gpus_per_replica`, `replicas`), or disaggregated (both `prefill { }` and `decode { }`), or left to the planner")
        .with_path(self.name.clone())
        .with_help("keep one of the three forms")
    }

    /// E0708: `parallelism` on the service without a size to split.
    pub(super) fn parallelism_without_size(&self, par: DeclId) -> Diagnostic {
        let d = self.program.decl(par);
        Diagnostic::error(
            codes::E0708,
            format!("the `parallelism` of inference `{}` has no replica to split", self.name),
            crate::diagnostic::Label::new(d.file, d.name_span, "parallelism without gpus_per_replica"),
        )
        .with_note(
            "on the service, `parallelism` splits an aggregated replica; in a `prefill` or `decode` pool it splits that pool's replica",
        )
        .with_path(self.name.clone())
        .with_help("set `gpus_per_replica` and `replicas` beside it, move it into a pool, or remove it to have the compiler choose")
    }

    /// E0709 where tp × pp × dp is not the replica's GPUs or ep does not divide them.
    pub(super) fn bad_parallelism(&self, pool: &PoolAsk, par: Parallelism, at: DeclId) -> Option<Diagnostic> {
        let product = u64::from(par.tp) * u64::from(par.pp) * u64::from(par.dp);
        let problem = if product != u64::from(pool.gpus) {
            format!("tp × pp × dp = {} × {} × {} = {product}, but a replica has {} GPUs", par.tp, par.pp, par.dp, pool.gpus)
        } else if !pool.gpus.is_multiple_of(par.ep) {
            format!("ep = {} does not divide the replica's {} GPUs", par.ep, pool.gpus)
        } else {
            return None;
        };
        let d = self.program.decl(at);
        Some(
            Diagnostic::error(
                codes::E0709,
                format!("the parallelism of inference `{}` does not split its replica: {problem}", self.name),
                crate::diagnostic::Label::new(d.file, d.name_span, "this parallelism"),
            )
            .with_label(self.label(Some(pool.decl), "gpus_per_replica", format!("{} GPUs per replica", pool.gpus)))
            .with_note("tensor (tp), pipeline (pp) and attention data (dp) parallelism multiply to the replica's GPUs; experts spread over ep of them")
            .with_path(self.name.clone())
            .with_help(format!(
                "for {} GPUs, for example `parallelism {{ tp = {}, pp = 1, dp = {}, ep = {} }}`",
                pool.gpus,
                pool.gpus.clamp(1, 8),
                (pool.gpus / pool.gpus.clamp(1, 8)).max(1),
                pool.gpus.max(1)
            )),
        )
    }

    pub(super) fn context_too_long(&self, load: &Load, limit: f64, model: Option<DeclId>, assumptions: &str) -> Diagnostic {
        let model_name = model.and_then(|m| self.program.decl(m).name.clone()).unwrap_or_default();
        let mut d = Diagnostic::error(
            codes::E0707,
            format!(
                "inference `{}` needs a context of {}; model `{model_name}` takes at most {}",
                self.name,
                tok(load.context()),
                tok(limit)
            ),
            self.label(
                self.load_decl,
                if load.reasoning > 0.0 { "reasoning" } else { "prompt" },
                format!("context {}", tok(load.context())),
            ),
        )
        .with_note(format!(
            "context = prompt + reasoning + output = {} + {} + {} = {}",
            tok(load.prompt),
            tok(load.reasoning),
            tok(load.output),
            tok(load.context())
        ))
        .with_note(assumptions.to_string())
        .with_path(self.name.clone())
        .with_help("shorten the prompt or cap reasoning tokens, or serve a model with a longer context");
        if let Some(m) = model
            && let Some((file, span)) = self.program.field_origin(m, "context")
        {
            d = d.with_label(Label::new(file, span, format!("{model_name} context")));
        }
        d
    }

    /// E0701: a pool's weights, or its weights and one request's KV, overflow its GPUs.
    pub(super) fn does_not_fit(
        &self,
        pool: &Pool,
        inputs: &Inputs,
        fit: &MemoryFit,
        size_decl: DeclId,
        suggestion: &str,
        assumptions: &str,
    ) -> Diagnostic {
        let b = |bytes: f64| format_quantity(bytes * 8.0, Dim::INFORMATION);
        let load = &inputs.load;
        let request_kv = fit.kv_per_sequence_per_gpu * load.samples;
        let gpus = pool.layout.gpus();
        let message = if fit.weights_per_gpu > fit.usable_per_gpu {
            format!(
                "the weights of inference `{}` need {} per GPU on a replica of {gpus} GPUs ({} usable)",
                self.name,
                b(fit.weights_per_gpu),
                b(fit.usable_per_gpu)
            )
        } else {
            format!(
                "a replica of inference `{}` holds its weights but not the KV cache of one request ({} more needed per GPU)",
                self.name,
                b(fit.weights_per_gpu + request_kv - fit.usable_per_gpu)
            )
        };
        let precision = self.program.field(self.decl, "precision").and_then(|f| f.text().map(str::to_string)).unwrap_or_default();
        let model_name = inputs.model_decl.and_then(|m| self.program.decl(m).name.clone()).unwrap_or_default();
        let m = &inputs.model;
        let par = pool.layout;
        let mut d =
            Diagnostic::error(codes::E0701, message, self.label(Some(size_decl), "gpus_per_replica", format!("{gpus} GPUs per replica")))
                .with_label(self.label(Some(self.decl), "model", format!("{model_name} at {precision}")))
                .with_note(format!(
                    "weights = params × bytes per parameter = {} × {} B ({precision}) = {}",
                    grouped(m.params),
                    format_number(m.bytes_per_param),
                    b(fit.weights_bytes)
                ))
                .with_note(format!(
                    "per GPU = shared parameters / (tp × pp) + routed experts / GPUs = {} / {} + {} / {gpus} parameters = {}",
                    grouped(m.base_params().round()),
                    par.attention_group(),
                    grouped(m.routed_params().round()),
                    b(fit.weights_per_gpu)
                ))
                .with_note(format!(
                    "usable per GPU = memory × utilization = {} × {} = {}",
                    b(pool.gpu.memory_bytes),
                    format_number(pool.assumptions.memory_utilization),
                    b(fit.usable_per_gpu)
                ))
                .with_path(self.name.clone())
                .with_help(format!("{suggestion}; or use GPUs with more memory, or a lower precision"));
        if request_kv > 0.0 {
            d = d.with_note(format!(
                "KV of one request per GPU = KV per token per GPU × context × samples = {} × {} = {}",
                tok(load.context()),
                format_number(load.samples),
                b(request_kv)
            ));
        }
        d.with_note(assumptions.to_string())
    }

    /// E0701 where the weights alone overflow a replica (a service without a load).
    pub(super) fn weights_do_not_fit(
        &self,
        per_replica: u32,
        bytes: f64,
        usable: f64,
        precision: &str,
        needed: u32,
        assumptions: &Assumptions,
    ) -> Diagnostic {
        let b = |bytes: f64| format_quantity(bytes * 8.0, Dim::INFORMATION);
        let model_decl = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let model_name = model_decl.and_then(|m| self.program.decl(m).name.clone()).unwrap_or_default();
        Diagnostic::error(
            codes::E0701,
            format!(
                "the weights of inference `{}` ({}) do not fit a replica of {per_replica} GPUs ({} usable)",
                self.name,
                b(bytes),
                b(usable)
            ),
            self.label(Some(self.decl), "gpus_per_replica", format!("{per_replica} GPUs per replica")),
        )
        .with_label(self.label(Some(self.decl), "model", format!("{model_name} at {precision}")))
        .with_note(format!("usable memory = GPUs × memory × utilization = {per_replica} × {} × {} = {}", b(usable / f64::from(per_replica.max(1)) / assumptions.memory_utilization), format_number(assumptions.memory_utilization), b(usable)))
        .with_note(format!(
            "assumed (docs/slo-model.md): {} of GPU memory usable; no `load` block, so no KV cache is counted",
            percent(assumptions.memory_utilization)
        ))
        .with_path(self.name.clone())
        .with_help(format!(
            "use gpus_per_replica = {needed} to hold the weights alone; a `load` block sizes the KV cache too; or use GPUs with more memory, or a lower precision"
        ))
    }

    pub(super) fn incomplete(&self, missing: &[String]) -> Diagnostic {
        Diagnostic::warning(
            codes::W0701,
            format!("inference `{}` is not checked against its SLOs: the model lacks figures", self.name),
            Label::new(self.file, self.program.decl(self.decl).name_span, "not estimated"),
        )
        .with_note(format!("missing: {}", missing.join(", ")))
        .with_note("the memory fit, TTFT, TPOT, throughput and energy estimates need every one of them (docs/slo-model.md)")
        .with_path(self.name.clone())
        .with_help("set the missing figures, or use the model and GPU entries of the standard library")
    }
}

pub(super) fn t(seconds: f64) -> String {
    if seconds.is_finite() { format_quantity(seconds, Dim::TIME) } else { "forever".to_string() }
}

/// A count with thousands separators where it is whole, else as a plain number.
pub(super) fn grouped(n: f64) -> String {
    if n.fract() == 0.0 && (0.0..1e15).contains(&n) { group_thousands(n as u128) } else { format_number(n) }
}

pub(super) fn tok(tokens: f64) -> String {
    format!("{} tok", grouped(tokens))
}

pub(super) fn rate(tokens_per_s: f64) -> String {
    format!("{} tok/s", grouped(tokens_per_s.round()))
}

/// `n` and the noun, plural where `n` is not 1.
pub(super) fn plural(n: u32, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

pub(super) fn percent(share: f64) -> String {
    format!("{} %", format_number((share * 1000.0).round() / 10.0))
}

/// The assumptions every E07xx names.
pub(super) fn assumptions_note(inputs: &Inputs, extra: &[String]) -> String {
    let a = &inputs.assumptions;
    let mut note = format!(
        "assumed (docs/slo-model.md): {} of GPU memory usable; {} of peak compute and {} of peak memory bandwidth reached; \
         each sample (here {}) is its own sequence with KV for its whole context; a decode step reads the shared weights and the experts its batch touches; \
         {} of the expert all-to-all overlaps compute; {} per layer per step; requests queue M/M/c for batch slots, judged at p99",
        percent(a.memory_utilization),
        percent(a.compute_efficiency),
        percent(a.bandwidth_efficiency),
        format_number(inputs.load.samples),
        percent(super::model::EP_OVERLAP),
        t(super::model::LAYER_OVERHEAD_S)
    );
    for e in extra {
        note.push_str("; ");
        note.push_str(e);
    }
    note
}

pub(super) fn step_note(pool: &Pool, batch: f64, step: &StepTime) -> String {
    let p = pool.layout;
    format!(
        "decode step at batch {} per attention group (tp {}, pp {}, dp {}, ep {}) = max(memory {}, compute {}) + communication {} + per-layer {} = {}, {} per token",
        format_number(batch),
        p.tp,
        p.pp,
        p.dp,
        p.ep,
        t(step.memory_s),
        t(step.compute_s),
        t(step.comm_s),
        t(step.overhead_s),
        t(step.total_s),
        t(step.per_token_s)
    )
}

pub(super) fn prefill_note(pool: &Pool, load: &Load) -> String {
    let p = pool.prefill(load);
    format!(
        "prefill of one prompt on one attention group of {} GPUs = (2 × active params × {} + attention) / (GPUs × {} × {}) + communication {} = {}",
        pool.layout.attention_group(),
        tok(load.computed_prompt()),
        format_quantity(pool.gpu.flops, Dim::COMPUTE_RATE),
        format_number(pool.assumptions.compute_efficiency),
        t(p.comm_s),
        t(p.total_s)
    )
}

pub(super) fn queue_note(op: &Operating, pool: &Pool, load: &Load) -> String {
    format!(
        "queue: {} × {} attention groups × {} slots (batch {} / {}), each request holding a slot {}: utilization {}, P(wait) {}",
        plural(op.counts.decode, "replica"),
        pool.layout.dp,
        (f64::from(op.batch) / load.samples.max(1.0)).floor(),
        op.batch,
        plural(load.samples as u32, "sample"),
        t(op.service_s),
        if op.utilization.is_finite() { percent(op.utilization) } else { "unbounded".to_string() },
        percent(op.wait_probability)
    )
}
