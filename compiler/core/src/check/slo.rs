//! Inference SLOs (LANGUAGE.md section 6.4, docs/slo-model.md): for every `inference`
//! service, gathers the model, the placement's GPUs and interconnect, the load and the
//! SLOs; runs the analytical model of [`model`]; and reports what does not hold: a
//! placement too small (E0706), a context longer than the model's (E0707), weights and KV
//! that do not fit (E0701), TTFT (E0702), TPOT (E0703), throughput (E0704) and energy per
//! token (E0705), each with the arithmetic and the model's assumptions in its notes and the
//! smallest size that would hold in its help. A figure the model needs and the spec lacks
//! is W0701. The figures land in [`Budgets::services`] for `fabric report`.

pub mod model;

use super::latency::Router;
use super::{Budgets, field_origin};

use crate::db::SourceFile;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::{field_path, inherited_number, placement_gpus};
use crate::plant::{InstanceId, Plant};
use crate::resolve::{DeclId, Program, Value};
use crate::schema::Kind;
use crate::units::{Dim, format_number, format_quantity, group_thousands};
use fabric_syntax::Span;
use fabric_syntax::ast::BoundOp;
use model::{Assumptions, GpuFigures, Interconnect, Load, ModelFigures, Operating, Replica, Targets};
use std::collections::BTreeSet;

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

/// The model's figures for a service.
#[derive(Clone, PartialEq, Debug)]
pub struct Estimate {
    /// Whether weights plus one request's KV fit a replica as asked.
    pub fits: bool,
    /// Weights at the precision, bytes.
    pub weights_bytes: f64,
    /// HBM a replica may use, bytes.
    pub usable_bytes: f64,
    /// KV cache of one sequence at its full context, bytes.
    pub kv_bytes_per_sequence: f64,
    /// Sequences a replica holds beside its weights.
    pub max_batch: u32,
    /// Where a replica's collectives run: `nvlink` or `scale-out`.
    pub interconnect: &'static str,
    /// The service as asked, where it fits.
    pub operating: Option<Operating>,
    /// Tokens per second the load asks for.
    pub demand_tokens_per_s: f64,
    /// Energy per token on the SLO's basis (IT, or facility with PUE), joules.
    pub energy_per_token_j: Option<f64>,
    /// `it` or `facility`.
    pub energy_basis: &'static str,
    /// The smallest replica shape that meets the memory, TTFT and TPOT targets.
    pub gpus_per_replica_needed: Option<u32>,
    /// The fewest replicas of that shape that carry the load within the SLOs.
    pub replicas_needed: Option<u32>,
    /// Their product: the GPUs the load needs at its SLOs.
    pub gpus_needed: Option<u64>,
}

/// The largest replica the sizing search tries, in GPUs.
const MAX_GPUS_PER_REPLICA: u32 = 4_096;

/// Replicas assumed when judging a replica shape on its own: enough that prefill's share
/// of each replica's time vanishes.
const MAX_REPLICAS_PROBE: u32 = model::MAX_REPLICAS;

/// Checks every inference service.
pub fn check(plant: &Plant, router: &Router<'_>, budgets: &mut Budgets) {
    let mut diagnostics = Vec::new();
    let mut services = Vec::new();
    for root in plant.roots() {
        if plant.kind(root) == Kind::Inference {
            services.push(Service::gather(plant, router, &budgets.power.it_power_w, &mut diagnostics, root));
        }
    }
    budgets.diagnostics.extend(diagnostics);
    budgets.services = services;
}

/// One bound of the `slo` block.
struct Bound {
    op: BoundOp,
    limit: f64,
    span: Span,
}

impl Bound {
    /// The limit as an upper target, where the bound is one.
    fn target(&self) -> Option<f64> {
        matches!(self.op, BoundOp::Le | BoundOp::Lt).then_some(self.limit)
    }
    fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.limit)
    }
    fn text(&self, dim: Dim) -> String {
        format!("{} {}", self.op.as_str(), format_quantity(self.limit, dim))
    }
}

/// The inputs of one service, as found in the spec.
struct Service<'a> {
    plant: &'a Plant,
    router: &'a Router<'a>,
    it_power_w: &'a [f64],
    program: &'a Program,
    decl: DeclId,
    name: String,
    file: SourceFile,
    gpus: Vec<InstanceId>,
    load_decl: Option<DeclId>,
    slo_decl: Option<DeclId>,
}

/// Why an estimate cannot be made: the figures missing.
struct Missing(Vec<String>);

impl<'a> Service<'a> {
    fn gather(
        plant: &'a Plant,
        router: &'a Router<'a>,
        it_power_w: &'a [f64],
        diagnostics: &mut Vec<Diagnostic>,
        root: InstanceId,
    ) -> ServiceEstimate {
        let program: &Program = &plant.program;
        let decl = plant.get(root).decl;
        let d = program.decl(decl);
        let child = |kind: Kind| d.children.iter().copied().find(|&c| program.decl(c).kind == kind);
        let s = Service {
            plant,
            router,
            it_power_w,
            program,
            decl,
            name: d.name.clone().unwrap_or_default(),
            file: d.file,
            gpus: placement_gpus(plant, decl),
            load_decl: child(Kind::Load),
            slo_decl: child(Kind::Slo),
        };
        let replicas = s.count("replicas");
        let per_replica = s.count("gpus_per_replica");
        let requested = u64::from(replicas) * u64::from(per_replica);
        let mut out = ServiceEstimate {
            instance: root,
            name: s.name.clone(),
            gpus_placed: s.gpus.len() as u64,
            gpus_requested: requested,
            targets: s.targets(),
            estimate: None,
        };
        if field_path(plant, decl, "placement").is_some_and(|p| plant.select(&p).is_ok()) && (s.gpus.len() as u64) < requested {
            diagnostics.push(s.placement_too_small(replicas, per_replica));
        }
        if replicas == 0 || per_replica == 0 {
            return out;
        }
        if s.load_decl.is_none() && out.targets == Targets::default() {
            // Nothing asks for estimates: only the weights are checked against memory.
            if let Some(d) = s.weights_only_fit(per_replica) {
                diagnostics.push(d);
            }
            return out;
        }
        match s.estimate(replicas, per_replica, diagnostics) {
            Ok(estimate) => out.estimate = estimate,
            Err(Missing(what)) => diagnostics.push(s.incomplete(&what)),
        }
        out
    }

    fn count(&self, field: &str) -> u32 {
        self.program.field(self.decl, field).and_then(|f| f.number()).unwrap_or(0.0).max(0.0).min(f64::from(u32::MAX)) as u32
    }

    fn number(&self, owner: Option<DeclId>, field: &str) -> Option<f64> {
        owner.and_then(|o| self.program.field(o, field)).and_then(|f| f.number())
    }

    fn bound(&self, name: &str) -> Option<Bound> {
        let slo = self.slo_decl?;
        self.program.decl(slo).bounds.iter().find(|b| b.name == name).and_then(|b| match b.value {
            Value::Number { value, .. } => Some(Bound { op: b.op, limit: value, span: b.span }),
            _ => None,
        })
    }

    fn targets(&self) -> Targets {
        Targets {
            ttft_p99_s: self.bound("ttft_p99").as_ref().and_then(Bound::target),
            tpot_p99_s: self.bound("tpot_p99").as_ref().and_then(Bound::target),
            energy_per_token_j: self.bound("energy_per_token").as_ref().and_then(Bound::target),
        }
    }

    /// Where `field` of `owner` is written, else the service's name.
    fn at(&self, owner: Option<DeclId>, field: &str) -> (SourceFile, Span) {
        owner.and_then(|o| field_origin(self.program, o, field)).unwrap_or((self.file, self.program.decl(self.decl).name_span))
    }

    fn label(&self, owner: Option<DeclId>, field: &str, message: impl Into<String>) -> Label {
        let (file, span) = self.at(owner, field);
        Label::new(file, span, message)
    }

    /// GPUs per node under the placement (the smallest), for rounding replica sizes to
    /// whole nodes.
    fn gpus_per_node(&self) -> u32 {
        let mut per_node: std::collections::BTreeMap<InstanceId, u32> = std::collections::BTreeMap::new();
        for &g in &self.gpus {
            if let Some(n) = self.plant.outermost_node(g) {
                *per_node.entry(n).or_insert(0) += 1;
            }
        }
        per_node.values().copied().min().unwrap_or(1)
    }

    /// The links the collectives of a replica of `gpus` GPUs cross: NVLink when the first
    /// `gpus` GPUs of the placement share one NVLink domain, else the scale-out fabric at
    /// each GPU's share of its node's NICs, with the worst one-way latency between them.
    fn interconnect(&self, gpus: u32) -> (Interconnect, &'static str, Vec<String>) {
        let mut notes = Vec::new();
        let first: Vec<InstanceId> = self.gpus.iter().copied().take(gpus as usize).collect();
        let domains: BTreeSet<Option<InstanceId>> = first.iter().map(|&g| self.plant.nvlink_domain(g)).collect();
        let inside = domains.len() == 1 && domains.iter().next().is_some_and(Option::is_some) && first.len() as u32 >= gpus;
        if inside {
            let nvlink = first.iter().filter_map(|&g| self.plant.field(g, "nvlink_bw").and_then(|f| f.number())).reduce(f64::min);
            if nvlink.is_none() {
                notes.push("the GPUs have no `nvlink_bw`: the interconnect's share is left out".to_string());
            }
            // nvlink_bw is bidirectional, in bits per second: half each way, ÷ 8 for bytes.
            let bandwidth = nvlink.map_or(0.0, |b| b / 2.0 / 8.0);
            return (Interconnect { bandwidth, latency_s: 0.0 }, "nvlink", notes);
        }
        let mut per_gpu = f64::INFINITY;
        let nodes: BTreeSet<InstanceId> = first.iter().filter_map(|&g| self.plant.outermost_node(g)).collect();
        for &n in &nodes {
            let (mut nic_bps, mut node_gpus) = (0.0, 0u32);
            for i in self.plant.subtree(n) {
                match self.plant.kind(i) {
                    Kind::Nic => {
                        let speed = self.plant.field(i, "speed").and_then(|f| f.number()).unwrap_or(0.0);
                        let ports = self.plant.field(i, "ports").and_then(|f| f.number()).unwrap_or(1.0);
                        nic_bps += speed * ports;
                    }
                    Kind::Gpu => node_gpus += 1,
                    _ => {}
                }
            }
            per_gpu = per_gpu.min(nic_bps / f64::from(node_gpus.max(1)));
        }
        let bandwidth = if per_gpu.is_finite() { per_gpu / 8.0 } else { 0.0 };
        if bandwidth <= 0.0 {
            notes.push("the replica's nodes have no NIC speed: the interconnect's share is left out".to_string());
        }
        let endpoints = self.router.endpoints_for(&first);
        let latency_s = match self.router.worst(&endpoints, &endpoints) {
            Ok(w) => w.seconds,
            Err(_) => {
                notes.push("no fabric joins the replica's nodes: collective latency counted as 0".to_string());
                0.0
            }
        };
        (Interconnect { bandwidth, latency_s }, "scale-out", notes)
    }

    /// The GPU figures: the weakest of each among the placement's GPU types.
    fn gpu(&self, precision: &str) -> Result<(GpuFigures, Vec<String>), Missing> {
        let mut notes = Vec::new();
        let types: BTreeSet<DeclId> = self.gpus.iter().map(|&g| self.plant.get(g).decl).collect();
        if types.len() > 1 {
            notes.push(format!("the placement mixes {} GPU types: each figure is the weakest of them", types.len()));
        }
        let mut missing = Vec::new();
        let mut weakest = |field: &str, label: &str| -> f64 {
            let v = types.iter().filter_map(|&t| self.program.field(t, field).and_then(|f| f.number())).reduce(f64::min);
            if v.is_none() || types.iter().any(|&t| self.program.field(t, field).and_then(|f| f.number()).is_none()) {
                missing.push(format!("the GPU's `{field}` ({label})"));
            }
            v.unwrap_or(0.0)
        };
        let memory = weakest("memory", "memory");
        let bw = weakest("memory_bw", "memory bandwidth");
        let fp8 = weakest("fp8", "FP8 compute");
        let fp4 = types.iter().filter_map(|&t| self.program.field(t, "fp4").and_then(|f| f.number())).reduce(f64::min);
        if !missing.is_empty() {
            return Err(Missing(missing));
        }
        let flops = match precision {
            "fp4" => match fp4 {
                Some(f) => f,
                None => {
                    notes.push("the GPU has no FP4 compute: FP4 weights run at its FP8 rate".to_string());
                    fp8
                }
            },
            "bf16" | "fp16" => {
                notes.push(format!("{precision} compute is taken as half the GPU's dense FP8 rate"));
                fp8 / 2.0
            }
            _ => fp8,
        };
        let power_w = self.gpu_power_w();
        Ok((GpuFigures { memory_bytes: memory / 8.0, memory_bw: bw / 8.0, flops, power_w }, notes))
    }

    /// One GPU's share of IT power: its NVLink domain's (rack or node) IT power over the
    /// domain's GPUs, so node and NVLink-switch power count; 0 without a figure.
    fn gpu_power_w(&self) -> f64 {
        let Some(&first) = self.gpus.first() else { return 0.0 };
        let Some(domain) = self.plant.nvlink_domain(first) else {
            return self.plant.field(first, "power").and_then(|f| f.number()).unwrap_or(0.0);
        };
        let gpus = self.plant.subtree(domain).filter(|&i| self.plant.kind(i) == Kind::Gpu).count().max(1);
        self.power_of(domain) / gpus as f64
    }

    fn power_of(&self, id: InstanceId) -> f64 {
        self.it_power_w.get(id.0 as usize).copied().unwrap_or(0.0)
    }

    fn estimate(&self, replicas: u32, per_replica: u32, diagnostics: &mut Vec<Diagnostic>) -> Result<Option<Estimate>, Missing> {
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
        let pue = if facility { inherited_number(self.plant, self.gpus[0], "pue").unwrap_or(1.0) } else { 1.0 };
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
        let batch = op.batch;
        let energy_j = op.energy_per_token_j * pue;
        estimate.operating = Some(op);
        estimate.energy_per_token_j = Some(energy_j);
        let queue_note = queue_note(&op, &load);
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
            return Ok(Some(estimate));
        }
        if let Some(bound) = &tpot
            && !bound.holds(op.tpot_s)
        {
            let step = replica.step_s(f64::from(batch), &load);
            diagnostics.push(
                self.over(codes::E0703, format!("takes {} per output token at p99", t(op.tpot_s)), "tpot_p99", bound, Dim::TIME)
                    .with_label(self.label(Some(self.decl), "replicas", plural(replicas, "replica")))
                    .with_note(step_note(&replica, f64::from(batch), &step))
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
                    .with_note(prefill_note(&replica, &load))
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
                    t(replica.step_s(f64::from(batch), &load).total_s),
                    format_quantity(energy_j, Dim::ENERGY_PER_TOKEN)
                ))
                .with_note("power per GPU is its NVLink domain's IT power over the domain's GPUs; fabric switches are not counted")
                .with_note(assumptions_note.clone())
                .with_path(self.name.clone())
                .with_help("run larger batches (more memory per replica, a looser tpot_p99), a lower precision, or more efficient GPUs"),
            );
        }
        Ok(Some(estimate))
    }

    /// E0701 for a service without a load, where the weights alone overflow a replica;
    /// `None` where they fit or a figure is missing (nothing asked for the estimates).
    fn weights_only_fit(&self, per_replica: u32) -> Option<Diagnostic> {
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

    fn assumptions(&self) -> Assumptions {
        Assumptions {
            memory_utilization: self.number(Some(self.decl), "memory_utilization").unwrap_or(0.9),
            compute_efficiency: self.number(Some(self.decl), "compute_efficiency").unwrap_or(0.5),
            bandwidth_efficiency: self.number(Some(self.decl), "bandwidth_efficiency").unwrap_or(0.8),
        }
    }

    /// An SLO diagnostic at its bound: "inference `x` {what}; its SLO is {field} {bound}".
    fn over(&self, code: crate::diagnostic::Code, what: String, field: &str, bound: &Bound, dim: Dim) -> Diagnostic {
        Diagnostic::error(
            code,
            format!("inference `{}` {what}; its SLO is {field} {}", self.name, bound.text(dim)),
            Label::new(self.slo_file(), bound.span, format!("{field} {}", bound.text(dim))),
        )
        .with_path(self.name.clone())
    }

    fn slo_file(&self) -> SourceFile {
        self.slo_decl.map_or(self.file, |s| self.program.decl(s).file)
    }

    /// The help that names the smallest size that would hold.
    fn suggestion(&self, sized: Option<(u32, u32)>, per_replica: u32, replicas: u32) -> String {
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

    fn placement_too_small(&self, replicas: u32, per_replica: u32) -> Diagnostic {
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

    fn context_too_long(&self, load: &Load, limit: f64, model: Option<DeclId>, assumptions: &str) -> Diagnostic {
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
            && let Some((file, span)) = field_origin(self.program, m, "context")
        {
            d = d.with_label(Label::new(file, span, format!("{model_name} context")));
        }
        d
    }

    #[allow(clippy::too_many_arguments)]
    fn does_not_fit(
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

    fn incomplete(&self, missing: &[String]) -> Diagnostic {
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

fn t(seconds: f64) -> String {
    if seconds.is_finite() { format_quantity(seconds, Dim::TIME) } else { "forever".to_string() }
}

/// A count with thousands separators where it is whole, else as a plain number.
fn grouped(n: f64) -> String {
    if n.fract() == 0.0 && (0.0..1e15).contains(&n) { group_thousands(n as u128) } else { format_number(n) }
}

fn tok(tokens: f64) -> String {
    format!("{} tok", grouped(tokens))
}

fn rate(tokens_per_s: f64) -> String {
    format!("{} tok/s", grouped(tokens_per_s.round()))
}

/// `n` and the noun, plural where `n` is not 1.
fn plural(n: u32, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn percent(share: f64) -> String {
    format!("{} %", format_number((share * 1000.0).round() / 10.0))
}

/// The assumptions every E07xx names.
fn assumptions_note(a: &Assumptions, load: &Load, interconnect: &str, extra: &[String]) -> String {
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

fn step_note(replica: &Replica, batch: f64, step: &model::StepTime) -> String {
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

fn prefill_note(replica: &Replica, load: &Load) -> String {
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

fn queue_note(op: &Operating, load: &Load) -> String {
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
