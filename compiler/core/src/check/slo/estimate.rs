//! The estimate of one service: its inputs checked for completeness, the replica sized,
//! the operating point planned, and each SLO judged against it.

use super::diagnostics::*;
use super::gather::*;
use super::model::{self, Assumptions, Interconnect, Load, ModelFigures, Operating, Replica};
use crate::diagnostic::{Diagnostic, codes};
use crate::units::{Dim, format_number, format_quantity};

/// What [`Service::judge`] needs of an estimate to judge its operating point.
pub(super) struct Judged<'r> {
    pub(super) replica: &'r Replica,
    pub(super) load: &'r Load,
    pub(super) tpot: Option<Bound>,
    pub(super) ttft: Option<Bound>,
    pub(super) energy: Option<Bound>,
    pub(super) pue: f64,
    pub(super) facility: bool,
    pub(super) replicas: u32,
    pub(super) per_replica: u32,
    pub(super) suggestion: String,
    pub(super) assumptions_note: String,
}

impl Service<'_> {
    pub(super) fn estimate(&self, replicas: u32, per_replica: u32, diagnostics: &mut Vec<Diagnostic>) -> Result<Option<Estimate>, Missing> {
        if self.gpus.is_empty() {
            return Ok(None); // the placement diagnostics say why
        }
        let model_decl = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let precision = self.program.field(self.decl, "precision").and_then(|f| f.text().map(str::to_string)).unwrap_or_default();
        let mut missing = Vec::new();
        let params = self.number(model_decl, "params");
        if params.is_none() {
            missing.push("the model's `params`".to_string());
        }
        let kv = self.number(model_decl, "kv_bytes_per_token");
        if kv.is_none() {
            missing.push("the model's `kv_bytes_per_token`".to_string());
        }
        let (arrival, prompt, output) =
            (self.number(self.load_decl, "arrival"), self.number(self.load_decl, "prompt"), self.number(self.load_decl, "output"));
        for (v, name) in [(arrival, "arrival"), (prompt, "prompt"), (output, "output")] {
            if v.is_none() {
                missing.push(format!("the load's `{name}`"));
            }
        }
        let gpu = match self.gpu(&precision) {
            Ok(figures) => Some(figures),
            Err(Missing(m)) => {
                missing.extend(m);
                None
            }
        };
        let (Some((gpu, mut notes)), Some(params), true) = (gpu, params, missing.is_empty()) else {
            return Err(Missing(missing));
        };
        let load = Load {
            arrival: arrival.unwrap_or_default(),
            prompt: prompt.unwrap_or_default(),
            reasoning: self.number(self.load_decl, "reasoning").unwrap_or(0.0),
            output: output.unwrap_or_default(),
            samples: self.number(self.load_decl, "samples").unwrap_or(1.0).max(1.0).ceil(),
        };
        let figures = ModelFigures {
            params,
            active_params: self.number(model_decl, "active_params").unwrap_or(params),
            bytes_per_param: bytes_per_param(&precision),
            kv_bytes_per_token: kv.unwrap_or_default() / 8.0,
            layers: self.number(model_decl, "layers"),
            hidden_size: self.number(model_decl, "hidden_size"),
        };
        if figures.layers.is_none() || figures.hidden_size.is_none() {
            notes.push("the model has no `layers` and `hidden_size`: the interconnect's share is left out".to_string());
        }
        let assumptions = self.assumptions();
        let (ttft, tpot, energy) = (self.bound("ttft_p99"), self.bound("tpot_p99"), self.bound("energy_per_token"));
        let targets = self.targets();
        let facility = self
            .slo_decl
            .and_then(|s| self.program.field(s, "energy_basis"))
            .and_then(|f| f.text().map(str::to_string))
            .is_some_and(|b| b == "facility");
        let pue = if facility { self.plant.inherited_number(self.gpus[0], "pue").unwrap_or(1.0) } else { 1.0 };
        let replica_of = |g: u32| {
            let (interconnect, kind, link_notes) = self.interconnect(g);
            (Replica { model: figures, gpu, gpus: f64::from(g), interconnect, assumptions }, kind, link_notes)
        };
        let (replica, interconnect_kind, link_notes) = replica_of(per_replica);
        notes.extend(link_notes);
        let assumptions_note = assumptions_note(&assumptions, &load, interconnect_kind, &notes);

        if let Some(limit) = self.number(model_decl, "context")
            && load.context() > limit
        {
            diagnostics.push(self.context_too_long(&load, limit, model_decl, &assumptions_note));
        }

        // The smallest replica shape that holds the model and meets TTFT and TPOT unloaded.
        let node = self.gpus_per_node().max(1);
        let shape_ok = |r: &Replica| {
            let fit = r.memory(&load);
            f64::from(fit.max_batch) >= load.samples
                && model::operating_batch(r, MAX_REPLICAS_PROBE, fit.max_batch, &load, &targets).is_some()
                && targets.ttft_p99_s.is_none_or(|t| r.prefill_s(&load) <= t)
        };
        let mut shape = None;
        let mut g = per_replica;
        while g <= MAX_GPUS_PER_REPLICA {
            let (r, ..) = replica_of(g);
            if shape_ok(&r) {
                shape = Some((g, r));
                break;
            }
            g = if g < node { g + 1 } else { (g / node + 1) * node };
        }
        let sized = shape.and_then(|(g, r)| Some((g, model::replicas_needed(&r, r.memory(&load).max_batch, &load, &targets)?)));

        let fit = replica.memory(&load);
        let fits = f64::from(fit.max_batch) >= load.samples;
        let mut estimate = Estimate {
            fits,
            weights_bytes: fit.weights_bytes,
            usable_bytes: fit.usable_bytes,
            kv_bytes_per_sequence: fit.kv_bytes_per_sequence,
            max_batch: fit.max_batch,
            interconnect: interconnect_kind,
            operating: None,
            demand_tokens_per_s: load.demand_tokens_per_s(),
            energy_per_token_j: None,
            energy_basis: if facility { "facility" } else { "it" },
            gpus_per_replica_needed: sized.map(|(g, _)| g),
            replicas_needed: sized.map(|(_, n)| n),
            gpus_needed: sized.map(|(g, n)| u64::from(g) * u64::from(n)),
        };
        let suggestion = self.suggestion(sized, per_replica, replicas);
        if !fits {
            diagnostics.push(self.does_not_fit(&replica, &load, &fit, &precision, per_replica, &suggestion, &assumptions_note));
            return Ok(Some(estimate));
        }
        let Some(op) = model::plan(&replica, replicas, fit.max_batch, &load, &targets) else {
            // Even one request's samples decode too slowly, with prefill's share taken off.
            if let Some(bound) = &tpot {
                let step = replica.step_s(load.samples, &load);
                let what = format!("takes {} per output token even at a batch of {}", t(step.total_s), format_number(load.samples));
                let d = self
                    .over(codes::E0703, what, "tpot_p99", bound, Dim::TIME)
                    .with_label(self.label(Some(self.decl), "gpus_per_replica", format!("{per_replica} GPUs per replica")))
                    .with_note(step_note(&replica, load.samples, &step))
                    .with_note(assumptions_note.clone())
                    .with_help(suggestion.clone());
                diagnostics.push(d);
            }
            return Ok(Some(estimate));
        };
        let judged = Judged {
            replica: &replica,
            load: &load,
            tpot,
            ttft,
            energy,
            pue,
            facility,
            replicas,
            per_replica,
            suggestion,
            assumptions_note,
        };
        self.judge(op, &judged, &mut estimate, diagnostics);
        Ok(Some(estimate))
    }

    /// Judges the operating point against the SLO's bounds: E0704 where the load exceeds
    /// the capacity, E0703 (TPOT), E0702 (TTFT) and E0705 (energy per token).
    pub(super) fn judge(&self, op: Operating, j: &Judged<'_>, estimate: &mut Estimate, diagnostics: &mut Vec<Diagnostic>) {
        let Judged { replica, load, tpot, ttft, energy, pue, facility, replicas, per_replica, suggestion, assumptions_note } = j;
        let (replica, load, pue, facility, replicas, per_replica) = (*replica, *load, *pue, *facility, *replicas, *per_replica);
        let batch = op.batch;
        let energy_j = op.energy_per_token_j * pue;
        estimate.operating = Some(op);
        estimate.energy_per_token_j = Some(energy_j);
        let queue_note = queue_note(&op, load);
        if !op.stable() {
            diagnostics.push(
                Diagnostic::error(
                    codes::E0704,
                    format!(
                        "inference `{}` can generate {} but its load asks for {}",
                        self.name,
                        rate(op.capacity_tokens_per_s),
                        rate(load.demand_tokens_per_s())
                    ),
                    self.label(Some(self.decl), "replicas", plural(replicas, "replica")),
                )
                .with_label(self.label(self.load_decl, "arrival", "the load"))
                .with_note(format!(
                    "load = arrival × (reasoning + output) × samples = {} × ({} + {}) × {} = {}",
                    format_quantity(load.arrival, Dim::REQUEST_RATE),
                    tok(load.reasoning),
                    tok(load.output),
                    format_number(load.samples),
                    rate(load.demand_tokens_per_s())
                ))
                .with_note(format!(
                    "capacity = replicas × batch / TPOT = {replicas} × {batch} / {} = {}",
                    t(op.tpot_s),
                    rate(op.capacity_tokens_per_s)
                ))
                .with_note(queue_note.clone())
                .with_note(assumptions_note.clone())
                .with_path(self.name.clone())
                .with_help(suggestion.clone()),
            );
            return;
        }
        if let Some(bound) = &tpot
            && !bound.holds(op.tpot_s)
        {
            let step = replica.step_s(f64::from(batch), load);
            diagnostics.push(
                self.over(codes::E0703, format!("takes {} per output token at p99", t(op.tpot_s)), "tpot_p99", bound, Dim::TIME)
                    .with_label(self.label(Some(self.decl), "replicas", plural(replicas, "replica")))
                    .with_note(step_note(replica, f64::from(batch), &step))
                    .with_note(format!(
                        "prefill takes {} of each replica's time: TPOT = step / (1 − {}) = {}",
                        percent(op.prefill_share),
                        percent(op.prefill_share),
                        t(op.tpot_s)
                    ))
                    .with_note(assumptions_note.clone())
                    .with_path(self.name.clone())
                    .with_help(suggestion.clone()),
            );
        }
        if let Some(bound) = &ttft
            && !bound.holds(op.ttft_p99_s)
        {
            diagnostics.push(
                self.over(codes::E0702, format!("reaches its first token in {} at p99", t(op.ttft_p99_s)), "ttft_p99", bound, Dim::TIME)
                    .with_label(self.label(Some(self.decl), "replicas", plural(replicas, "replica")))
                    .with_note(format!(
                        "TTFT p99 = p99 wait for a batch slot + prefill = {} + {} = {}",
                        t(op.wait_p99_s),
                        t(op.prefill_s),
                        t(op.ttft_p99_s)
                    ))
                    .with_note(prefill_note(replica, load))
                    .with_note(queue_note.clone())
                    .with_note(assumptions_note.clone())
                    .with_path(self.name.clone())
                    .with_help(suggestion.clone()),
            );
        }
        if let Some(bound) = &energy
            && !bound.holds(energy_j)
        {
            let basis = if facility { format!(" × PUE {}", format_number(pue)) } else { String::new() };
            diagnostics.push(
                self.over(
                    codes::E0705,
                    format!("spends {} on each generated token", format_quantity(energy_j, Dim::ENERGY)),
                    "energy_per_token",
                    bound,
                    Dim::ENERGY_PER_TOKEN,
                )
                .with_note(format!(
                    "energy per token = GPUs × power per GPU × step / batch{basis} = {per_replica} × {} × {} / {batch}{basis} = {}",
                    format_quantity(replica.gpu.power_w, Dim::POWER),
                    t(replica.step_s(f64::from(batch), load).total_s),
                    format_quantity(energy_j, Dim::ENERGY_PER_TOKEN)
                ))
                .with_note("power per GPU is its NVLink domain's IT power over the domain's GPUs; fabric switches are not counted")
                .with_note(assumptions_note.clone())
                .with_path(self.name.clone())
                .with_help("run larger batches (more memory per replica, a looser tpot_p99), a lower precision, or more efficient GPUs"),
            );
        }
    }

    /// E0701 for a service without a load, where the weights alone overflow a replica;
    /// `None` where they fit or a figure is missing (nothing asked for the estimates).
    pub(super) fn weights_only_fit(&self, per_replica: u32) -> Option<Diagnostic> {
        let model_decl = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let precision = self.program.field(self.decl, "precision").and_then(|f| f.text().map(str::to_string)).unwrap_or_default();
        let params = self.number(model_decl, "params")?;
        let (gpu, _) = self.gpu(&precision).ok()?;
        let figures = ModelFigures {
            params,
            active_params: self.number(model_decl, "active_params").unwrap_or(params),
            bytes_per_param: bytes_per_param(&precision),
            kv_bytes_per_token: 0.0,
            layers: None,
            hidden_size: None,
        };
        let assumptions = self.assumptions();
        let replica = Replica {
            model: figures,
            gpu,
            gpus: f64::from(per_replica),
            interconnect: Interconnect { bandwidth: 0.0, latency_s: 0.0 },
            assumptions,
        };
        let load = Load { arrival: 0.0, prompt: 0.0, reasoning: 0.0, output: 0.0, samples: 1.0 };
        let fit = replica.memory(&load);
        if fit.weights_bytes <= fit.usable_bytes {
            return None;
        }
        let usable_per_gpu = gpu.memory_bytes * assumptions.memory_utilization;
        let node = self.gpus_per_node().max(1);
        let mut g = (fit.weights_bytes / usable_per_gpu).ceil() as u32;
        if g > node {
            g = g.div_ceil(node) * node;
        }
        let suggestion = format!("use gpus_per_replica = {g} to hold the weights alone; a `load` block sizes the KV cache too");
        let note = format!(
            "assumed (docs/slo-model.md): {} of GPU memory usable; no `load` block, so no KV cache is counted",
            percent(assumptions.memory_utilization)
        );
        Some(self.does_not_fit(&replica, &load, &fit, &precision, per_replica, &suggestion, &note))
    }

    pub(super) fn assumptions(&self) -> Assumptions {
        Assumptions {
            memory_utilization: self.number(Some(self.decl), "memory_utilization").unwrap_or(0.9),
            compute_efficiency: self.number(Some(self.decl), "compute_efficiency").unwrap_or(0.5),
            bandwidth_efficiency: self.number(Some(self.decl), "bandwidth_efficiency").unwrap_or(0.8),
        }
    }
}
