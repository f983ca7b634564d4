//! The SLO diagnostics and their notes: a bound broken, a placement too small, a context
//! too long, a model that does not fit, figures missing; and the formatting they share.

use super::gather::*;
use super::model::{self, Assumptions, Load, Operating, Replica};
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::resolve::DeclId;
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

    /// The help that names the smallest size that would hold.
    pub(super) fn suggestion(&self, sized: Option<(u32, u32)>, per_replica: u32, replicas: u32) -> String {
        match sized {
            Some((g, n)) if g != per_replica => format!(
                "use gpus_per_replica = {g} and replicas = {n} ({} GPUs); the placement holds {}",
                group_thousands(u128::from(g) * u128::from(n)),
                group_thousands(self.gpus.len() as u128)
            ),
            Some((_, n)) if n != replicas => format!(
                "use replicas = {n} ({} GPUs); the placement holds {}",
                group_thousands(u128::from(per_replica) * u128::from(n)),
                group_thousands(self.gpus.len() as u128)
            ),
            Some(_) => "the SLOs hold at this size with the queue's p99 margin; loosen the load or check the figures".to_string(),
            None => format!(
                "no replica of up to {} GPUs meets these SLOs on this GPU: loosen the SLO, use a lower precision or faster GPUs",
                group_thousands(u128::from(MAX_GPUS_PER_REPLICA))
            ),
        }
    }

    pub(super) fn placement_too_small(&self, replicas: u32, per_replica: u32) -> Diagnostic {
        let placed = self.gpus.len() as u64;
        let fit_replicas = if per_replica > 0 { placed / u64::from(per_replica) } else { 0 };
        Diagnostic::error(
            codes::E0706,
            format!(
                "inference `{}` asks for {} GPUs ({replicas} replicas × {per_replica}); its placement holds {}",
                self.name,
                group_thousands(u128::from(replicas) * u128::from(per_replica)),
                group_thousands(u128::from(placed))
            ),
            self.label(Some(self.decl), "placement", format!("{} GPUs here", group_thousands(u128::from(placed)))),
        )
        .with_label(self.label(Some(self.decl), "replicas", plural(replicas, "replica")))
        .with_note("every replica needs its own GPUs under the placement")
        .with_path(self.name.clone())
        .with_help(if fit_replicas > 0 {
            format!("place the service on a larger part of the plant, or use replicas = {fit_replicas}")
        } else {
            "place the service on a part of the plant with more GPUs".to_string()
        })
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

    #[allow(clippy::too_many_arguments)]
    pub(super) fn does_not_fit(
        &self,
        replica: &Replica,
        load: &Load,
        fit: &model::MemoryFit,
        precision: &str,
        per_replica: u32,
        suggestion: &str,
        assumptions: &str,
    ) -> Diagnostic {
        let b = |bytes: f64| format_quantity(bytes * 8.0, Dim::INFORMATION);
        let request_kv = fit.kv_bytes_per_sequence * load.samples;
        let message = if fit.weights_bytes > fit.usable_bytes {
            format!(
                "the weights of inference `{}` ({}) do not fit a replica of {per_replica} GPUs ({} usable)",
                self.name,
                b(fit.weights_bytes),
                b(fit.usable_bytes)
            )
        } else {
            format!(
                "a replica of inference `{}` holds its weights but not the KV cache of one request ({} more needed)",
                self.name,
                b(fit.weights_bytes + request_kv - fit.usable_bytes)
            )
        };
        let model_decl = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let model_name = model_decl.and_then(|m| self.program.decl(m).name.clone()).unwrap_or_default();
        let mut d = Diagnostic::error(
            codes::E0701,
            message,
            self.label(Some(self.decl), "gpus_per_replica", format!("{per_replica} GPUs per replica")),
        )
        .with_label(self.label(Some(self.decl), "model", format!("{model_name} at {precision}")))
        .with_note(format!(
            "weights = params × bytes per parameter = {} × {} B ({precision}) = {}",
            grouped(replica.model.params),
            format_number(replica.model.bytes_per_param),
            b(fit.weights_bytes)
        ))
        .with_note(format!(
            "usable memory = GPUs × memory × utilization = {per_replica} × {} × {} = {}",
            b(replica.gpu.memory_bytes),
            format_number(replica.assumptions.memory_utilization),
            b(fit.usable_bytes)
        ))
        .with_path(self.name.clone())
        .with_help(format!("{suggestion}; or use GPUs with more memory, or a lower precision"));
        if request_kv > 0.0 {
            d = d.with_note(format!(
                "KV of one request = kv_bytes_per_token × context × samples = {}/tok × {} × {} = {}",
                b(replica.model.kv_bytes_per_token),
                tok(load.context()),
                format_number(load.samples),
                b(request_kv)
            ));
        }
        d.with_note(assumptions.to_string())
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

/// Bytes per parameter at a precision.
pub fn bytes_per_param(precision: &str) -> f64 {
    match precision {
        "fp4" => 0.5,
        "fp8" => 1.0,
        _ => 2.0,
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
pub(super) fn assumptions_note(a: &Assumptions, load: &Load, interconnect: &str, extra: &[String]) -> String {
    let mut note = format!(
        "assumed (docs/slo-model.md): {} of GPU memory usable; {} of peak compute and {} of peak memory bandwidth reached; \
         each sample (here {}) is its own sequence with KV for its whole context; decode reads the active weights once per step; \
         collectives are two ring all-reduces per layer over {interconnect}; requests queue M/M/c for batch slots, judged at p99",
        percent(a.memory_utilization),
        percent(a.compute_efficiency),
        percent(a.bandwidth_efficiency),
        format_number(load.samples)
    );
    for e in extra {
        note.push_str("; ");
        note.push_str(e);
    }
    note
}

pub(super) fn step_note(replica: &Replica, batch: f64, step: &model::StepTime) -> String {
    format!(
        "decode step at batch {} = max(memory {}, compute {}) + interconnect {} = {} over {} GPUs",
        format_number(batch),
        t(step.memory_s),
        t(step.compute_s),
        t(step.comm_s),
        t(step.total_s),
        format_number(replica.gpus)
    )
}

pub(super) fn prefill_note(replica: &Replica, load: &Load) -> String {
    format!(
        "prefill = 2 × active params × prompt / (GPUs × compute × efficiency) = 2 × {} × {} / ({} × {} × {}) = {}",
        grouped(replica.model.active_params),
        tok(load.prompt),
        format_number(replica.gpus),
        format_quantity(replica.gpu.flops, Dim::COMPUTE_RATE),
        format_number(replica.assumptions.compute_efficiency),
        t(replica.prefill_s(load))
    )
}

pub(super) fn queue_note(op: &Operating, load: &Load) -> String {
    format!(
        "queue: {} × {} (batch {} / {}), each request holding a slot {}: utilization {}, P(wait) {}",
        plural(op.replicas, "replica"),
        plural(op.slots_per_replica, "slot"),
        op.batch,
        plural(load.samples as u32, "sample"),
        t(op.service_s),
        if op.utilization.is_finite() { percent(op.utilization) } else { "unbounded".to_string() },
        percent(op.wait_probability)
    )
}
