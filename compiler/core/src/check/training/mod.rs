//! Training jobs (LANGUAGE.md 8.2, 8.3, docs/training-model.md): for every `training` block,
//! gathers the model, the GPUs and links of its placement, the run and its layout (or
//! chooses the fastest layout that fits); runs [`model`]; and reports what does not hold:
//! memory (E1001), the `slo` bounds (E1002), data-parallel traffic over a campus link
//! (E1003), a layout or placement that does not give the job its GPUs (E1004), GPUs shared
//! with a service the job does not yield to or with another job, or too few kept at the
//! services' peak for one copy of the model (E1005). A figure the model lacks is W1001.

pub mod model;

use super::figures::{Budgets, ServiceEstimate, TrainingEstimate};
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::Network;
use crate::network::route::Router;
use crate::plant::{InstanceId, Plant};
use crate::resolve::{DeclId, Program, Value};
use crate::schema::Kind;
use crate::units::{Dim, format_number, format_quantity, group_thousands};
use model::{Recompute, TrainHardware, TrainLayout, TrainModel, TrainRun};
use std::collections::BTreeSet;

/// Checks every training job; in a failure scenario, those `unchanged` keeps keep their
/// base figures (their diagnostics would be the spec's own).
pub fn check(
    plant: &Plant,
    network: &Network,
    router: &Router<'_>,
    budgets: &mut Budgets,
    unchanged: Option<&super::figures::Unchanged<'_>>,
) {
    let mut diagnostics = Vec::new();
    let mut jobs = Vec::new();
    let mut taken: Vec<(String, BTreeSet<InstanceId>)> = Vec::new();
    for root in plant.roots().filter(|&r| plant.kind(r) == Kind::Training).collect::<Vec<_>>() {
        let job = Job::new(plant, network, router, &budgets.power.it_power_w, root);
        let estimate = match unchanged.and_then(|u| u.job(root)) {
            Some(base) => base.clone(),
            None => job.estimate(&budgets.services, &mut diagnostics),
        };
        let mine: BTreeSet<InstanceId> = job.gpus.iter().copied().take(estimate.gpus as usize).collect();
        for (other, theirs) in &taken {
            let shared = mine.intersection(theirs).count();
            if shared > 0 {
                diagnostics.push(job.shares_with_training(other, shared));
            }
        }
        taken.push((job.name.clone(), mine));
        jobs.push(estimate);
    }
    budgets.diagnostics.extend(diagnostics);
    budgets.training = jobs;
}

/// One training job as the spec gives it.
struct Job<'a> {
    plant: &'a Plant,
    network: &'a Network,
    router: &'a Router<'a>,
    it_power_w: &'a [f64],
    program: &'a Program,
    root: InstanceId,
    decl: DeclId,
    name: String,
    gpus: Vec<InstanceId>,
}

impl<'a> Job<'a> {
    fn new(plant: &'a Plant, network: &'a Network, router: &'a Router<'a>, it_power_w: &'a [f64], root: InstanceId) -> Job<'a> {
        let decl = plant.get(root).decl;
        Job {
            plant,
            network,
            router,
            it_power_w,
            program: &plant.program,
            root,
            decl,
            name: plant.name(root),
            gpus: plant.placement_gpus(decl),
        }
    }

    fn number(&self, owner: Option<DeclId>, field: &str) -> Option<f64> {
        owner.and_then(|o| self.program.field(o, field)).and_then(|f| f.number())
    }

    fn text(&self, field: &str) -> String {
        self.program.field(self.decl, field).and_then(|f| f.text().map(str::to_string)).unwrap_or_default()
    }

    fn child(&self, kind: Kind) -> Option<DeclId> {
        self.program.decl(self.decl).children.iter().copied().find(|&c| self.program.decl(c).kind == kind)
    }

    fn label(&self, owner: DeclId, field: &str, message: impl Into<String>) -> Label {
        let (file, span) =
            self.program.field_origin(owner, field).unwrap_or((self.program.decl(owner).file, self.program.decl(owner).name_span));
        Label::new(file, span, message)
    }

    /// The model's figures, or what is missing.
    fn model(&self) -> Result<TrainModel, Vec<String>> {
        let m = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let mut missing = Vec::new();
        let mut need = |field: &str| {
            let v = self.number(m, field);
            if v.is_none() {
                missing.push(format!("the model's `{field}`"));
            }
            v.unwrap_or(0.0)
        };
        let params = need("params");
        let layers = need("layers");
        let hidden_size = need("hidden_size");
        if !missing.is_empty() {
            return Err(missing);
        }
        let attention = self.number(m, "prefill_attention_flops").or(self.number(m, "attention_flops")).unwrap_or(0.0);
        Ok(TrainModel {
            params,
            active_params: self.number(m, "active_params").unwrap_or(params),
            layers,
            hidden_size,
            experts: self.number(m, "experts").unwrap_or(0.0),
            experts_per_token: self.number(m, "experts_per_token").unwrap_or(0.0),
            attention_flops: attention,
        })
    }

    /// The GPU and links of the job's first `count` GPUs, or what is missing.
    fn hardware(&self, count: usize) -> Result<TrainHardware, Vec<String>> {
        let mine: Vec<InstanceId> = self.gpus.iter().copied().take(count).collect();
        let Some(&first) = mine.first() else { return Err(vec!["`gpus` above 0".to_string()]) };
        let num = |field: &str| self.plant.field(first, field).and_then(|f| f.number());
        let mut missing = Vec::new();
        let precision = self.text("precision");
        // BF16 and FP16 peak: the GPU's `bf16`, else half its `fp8`.
        let bf16 = num("bf16").or(num("fp8").map(|f| f / 2.0));
        let flops = if precision == "fp8" { num("fp8") } else { bf16 };
        if num("memory").is_none() {
            missing.push("the GPU's `memory`".to_string());
        }
        if flops.is_none() || bf16.is_none() {
            missing.push(if precision == "fp8" { "the GPU's `fp8`" } else { "the GPU's `bf16` (or `fp8`)" }.to_string());
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        let (flops, bf16) = (flops.unwrap_or(0.0), bf16.unwrap_or(0.0));
        let domain = self.plant.nvlink_domain(first).map_or(1, |d| self.plant.gpus_in_service(d));
        let mut nic_bps = f64::INFINITY;
        let nodes: BTreeSet<InstanceId> = mine.iter().filter_map(|&g| self.plant.outermost_node(g)).collect();
        for &n in &nodes {
            nic_bps = nic_bps.min(self.plant.nic_bps_per_gpu(n));
        }
        if nodes.len() > 1 && !(nic_bps.is_finite() && nic_bps > 0.0) {
            return Err(vec!["NICs with a `speed` on the job's nodes (its GPUs span nodes)".to_string()]);
        }
        // Over the generated fabric: where the job's NICs span more leaves than one, its
        // traffic crosses the leaves' uplinks, which carry up / down of the downlinks' rate.
        nic_bps *= self.fabric_share(&nodes);
        let nvlink = num("nvlink_bw").map(|b| b / 2.0 / 8.0);
        if nvlink.is_none() && domain > 1 {
            return Err(vec!["the GPU's `nvlink_bw` (its NVLink domain holds several GPUs)".to_string()]);
        }
        // Inside one node data-parallel and pipeline traffic stays on NVLink.
        let nvlink = nvlink.unwrap_or(0.0);
        if nodes.len() <= 1 {
            nic_bps = nvlink * 8.0;
        }
        let buildings: BTreeSet<InstanceId> = mine.iter().filter_map(|&g| self.plant.ancestor(g, Kind::Building)).collect();
        let (mut campus, mut latency) = (f64::INFINITY, 0.0);
        let list: Vec<InstanceId> = buildings.iter().copied().collect();
        for (i, &a) in list.iter().enumerate() {
            for &b in &list[i + 1..] {
                // Redundant links between two buildings carry the job's traffic side by side.
                let capacity: f64 = self.network.links_between(a, b).filter_map(|(_, l)| l.capacity_bps).sum();
                if capacity <= 0.0 {
                    return Err(vec![format!(
                        "a campus `link` with a `capacity` between `{}` and `{}` (the job spans both)",
                        self.plant.path(a),
                        self.plant.path(b)
                    )]);
                }
                campus = campus.min(capacity / 8.0);
            }
        }
        if nodes.len() > 1 {
            let endpoints = self.router.endpoints_for(&[mine[0], mine[mine.len() - 1]]);
            latency = self.router.worst(&endpoints, &endpoints).map_or(0.0, |w| w.seconds);
        }
        Ok(TrainHardware {
            memory_bytes: num("memory").unwrap_or(0.0) / 8.0,
            flops,
            bf16_flops: bf16,
            nvlink_bw: nvlink,
            nic_bw: if nic_bps.is_finite() { nic_bps / 8.0 } else { 0.0 },
            domain_gpus: domain as f64,
            net_latency_s: latency,
            buildings: buildings.len() as f64,
            campus_bw: campus,
        })
    }

    /// The share of its NICs' rate the job's traffic gets from the fabrics joining its
    /// nodes: in each fabric whose endpoints span more than one leaf, the leaves' uplink to
    /// downlink ratio (1 / `oversubscription`); the thinnest counts, 1 without a fabric.
    fn fabric_share(&self, nodes: &BTreeSet<InstanceId>) -> f64 {
        let mut leaves: std::collections::BTreeMap<u32, BTreeSet<u32>> = std::collections::BTreeMap::new();
        for &n in nodes {
            for i in self.plant.subtree(n).filter(|&i| self.plant.kind(i) == Kind::Nic) {
                if let Some(&e) = self.network.endpoint_of.get(&i) {
                    let endpoint = &self.network.endpoints[e as usize];
                    leaves.entry(endpoint.fabric.0).or_default().insert(endpoint.leaf.0);
                }
            }
        }
        leaves
            .iter()
            .filter(|(_, l)| l.len() > 1)
            .filter_map(|(&f, _)| self.network.fabrics.get(f as usize))
            .filter(|f| f.down_up.0 > 0)
            .map(|f| (f64::from(f.down_up.1) / f64::from(f.down_up.0)).min(1.0))
            .fold(1.0, f64::min)
    }

    fn run(&self) -> Result<TrainRun, Vec<String>> {
        let mut missing = Vec::new();
        let mut need = |field: &str| {
            let v = self.number(Some(self.decl), field);
            if v.is_none() {
                missing.push(format!("`{field}`"));
            }
            v.unwrap_or(0.0)
        };
        let (sequence, global_batch, tokens) = (need("sequence"), need("global_batch"), need("tokens"));
        let efficiency = self.number(Some(self.decl), "compute_efficiency").unwrap_or(model::COMPUTE_EFFICIENCY);
        for (value, what) in
            [(sequence, "`sequence`"), (global_batch, "`global_batch`"), (tokens, "`tokens`"), (efficiency, "`compute_efficiency`")]
        {
            if missing.is_empty() && value <= 0.0 {
                missing.push(format!("{what} above 0"));
            }
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        Ok(TrainRun {
            sequence,
            global_batch,
            tokens,
            zero: self.number(Some(self.decl), "zero").unwrap_or(1.0).clamp(0.0, 3.0) as u32,
            recompute: match self.text("recompute").as_str() {
                "none" => Recompute::None,
                "full" => Recompute::Full,
                "selective" => Recompute::Selective,
                _ => Recompute::Auto,
            },
            memory_utilization: 0.9,
            compute_efficiency: efficiency,
        })
    }

    /// The layout the spec writes, if any (with its block).
    fn asked_layout(&self) -> Option<(TrainLayout, DeclId)> {
        let p = self.child(Kind::Parallelism)?;
        let degree = |f: &str| self.number(Some(p), f).unwrap_or(1.0).max(1.0).min(f64::from(u32::MAX)) as u32;
        Some((
            TrainLayout { tp: degree("tp"), pp: degree("pp"), dp: degree("dp"), ep: degree("ep"), cp: degree("cp"), vp: degree("vp") },
            p,
        ))
    }

    fn estimate(&self, services: &[ServiceEstimate], diagnostics: &mut Vec<Diagnostic>) -> TrainingEstimate {
        let gpus = self.number(Some(self.decl), "gpus").unwrap_or(0.0).max(0.0) as u64;
        let mut out = TrainingEstimate {
            instance: self.root,
            name: self.name.clone(),
            gpus,
            layout: None,
            chosen: false,
            memory: None,
            step: None,
            inputs: None,
            tokens_per_s: None,
            flops_per_gpu: None,
            mfu: None,
            time_to_train_s: None,
            energy_j: None,
            guaranteed_gpus: gpus,
            borrowed_gpus: 0,
        };
        if (self.gpus.len() as u64) < gpus {
            diagnostics.push(self.placement_too_small(gpus));
            return out;
        }
        self.sharing(services, &mut out, diagnostics);
        let (model, hw, run) = match (self.model(), self.hardware(gpus as usize), self.run()) {
            (Ok(m), Ok(h), Ok(r)) => (m, h, r),
            (m, h, r) => {
                let mut missing = Vec::new();
                for e in [m.err(), h.err(), r.err()].into_iter().flatten() {
                    missing.extend(e);
                }
                diagnostics.push(self.incomplete(&missing));
                return out;
            }
        };
        let fastest = model::candidate_layouts(&model, gpus, hw.domain_gpus as u32, run.global_batch)
            .into_iter()
            .filter(|l| {
                let m = model::memory(&model, l, &run, &hw);
                m.total <= m.usable
            })
            .min_by(|a, b| model::step(&model, a, &run, &hw).total_s.total_cmp(&model::step(&model, b, &run, &hw).total_s));
        let (layout, chosen) = match self.asked_layout() {
            Some((l, at)) => {
                if let Some(problem) = model::layout_problem(&model, &l, &run, gpus, hw.domain_gpus as u32) {
                    diagnostics.push(self.bad_layout(&l, at, gpus, &problem));
                    return out;
                }
                (l, false)
            }
            None => match fastest {
                Some(l) => (l, true),
                None => {
                    // Nothing fits: report the layout that needs the least memory.
                    let least = model::candidate_layouts(&model, gpus, hw.domain_gpus as u32, run.global_batch)
                        .into_iter()
                        .min_by(|a, b| model::memory(&model, a, &run, &hw).total.total_cmp(&model::memory(&model, b, &run, &hw).total));
                    if least.is_none() {
                        diagnostics.push(self.no_layout(gpus, run.global_batch));
                    }
                    if let Some(l) = least {
                        out.layout = Some(l);
                        out.chosen = true;
                        out.memory = Some(model::memory(&model, &l, &run, &hw));
                        diagnostics.push(self.does_not_fit(&model, &l, &run, &hw, None));
                    }
                    return out;
                }
            },
        };
        out.layout = Some(layout);
        out.chosen = chosen;
        // At the services' peak the job keeps its guaranteed GPUs: at least one copy of the
        // model (tp × pp × cp GPUs) must remain, or the job stops.
        let copy = u64::from(layout.tp) * u64::from(layout.pp) * u64::from(layout.cp);
        if out.borrowed_gpus > 0 && out.guaranteed_gpus < copy {
            diagnostics.push(self.no_room_beside_services(&out, copy));
        }
        let memory = model::memory(&model, &layout, &run, &hw);
        out.memory = Some(memory);
        if memory.total > memory.usable {
            diagnostics.push(self.does_not_fit(&model, &layout, &run, &hw, fastest));
            return out;
        }
        let step = model::step(&model, &layout, &run, &hw);
        out.step = Some(step);
        out.inputs = Some(super::figures::TrainInputs { model, run, hardware: hw });
        let tokens_per_s = run.global_batch * run.sequence / step.total_s;
        let flops_per_gpu = step.model_flops / step.total_s / gpus.max(1) as f64;
        let time = run.tokens / tokens_per_s;
        let pue = self.gpus.first().and_then(|&g| self.plant.inherited_number(g, "pue")).unwrap_or(1.0);
        let power: f64 = self.gpu_power_w() * gpus as f64;
        out.tokens_per_s = Some(tokens_per_s);
        out.flops_per_gpu = Some(flops_per_gpu);
        out.mfu = Some(flops_per_gpu / hw.bf16_flops);
        out.time_to_train_s = Some(time);
        out.energy_j = (power > 0.0).then_some(power * time * pue);
        // The link sets the pace where the step's gradients take longer to cross it than
        // the step's computation, which they would otherwise hide behind.
        if step.cross_building_bytes > 0.0 && step.cross_building_bytes / hw.campus_bw > step.compute_s {
            diagnostics.push(self.campus_too_thin(&step, &hw));
        }
        self.judge(&out, &step, fastest.filter(|f| Some(*f) != out.layout), diagnostics);
        out
    }

    /// A GPU's share of its NVLink domain's IT power (its own where it has no domain).
    fn gpu_power_w(&self) -> f64 {
        let Some(&first) = self.gpus.first() else { return 0.0 };
        match self.plant.nvlink_domain(first) {
            Some(d) => {
                let gpus = self.plant.subtree(d).filter(|&i| self.plant.kind(i) == Kind::Gpu).count().max(1);
                self.it_power_w.get(d.0 as usize).copied().unwrap_or(0.0) / gpus as f64
            }
            None => self.plant.field(first, "power").and_then(|f| f.number()).unwrap_or(0.0),
        }
    }

    /// The job takes its placement's first `gpus` GPUs; a service its placement's first
    /// `gpus_requested`. Shared GPUs are borrowed from the services the job yields to
    /// (E1005 where it does not yield to one of them).
    fn sharing(&self, services: &[ServiceEstimate], out: &mut TrainingEstimate, diagnostics: &mut Vec<Diagnostic>) {
        let mine: BTreeSet<InstanceId> = self.gpus.iter().copied().take(out.gpus as usize).collect();
        let yields: Vec<String> = self.plant.field_paths(self.decl, "yields_to").iter().map(ToString::to_string).collect();
        let mut borrowed = BTreeSet::new();
        for s in services {
            let decl = self.plant.get(s.instance).decl;
            let theirs: Vec<InstanceId> = self.plant.placement_gpus(decl).into_iter().take(s.gpus_requested as usize).collect();
            let shared: Vec<InstanceId> = theirs.iter().copied().filter(|g| mine.contains(g)).collect();
            if shared.is_empty() {
                continue;
            }
            if !yields.contains(&s.name) {
                diagnostics.push(self.shares_without_yielding(&s.name, shared.len()));
                continue;
            }
            borrowed.extend(shared);
        }
        out.borrowed_gpus = borrowed.len() as u64;
        out.guaranteed_gpus = out.gpus - out.borrowed_gpus;
    }

    /// E1002 for each bound of the `slo` block that does not hold.
    fn judge(&self, out: &TrainingEstimate, step: &model::TrainStep, better: Option<TrainLayout>, diagnostics: &mut Vec<Diagnostic>) {
        let Some(slo) = self.child(Kind::Slo) else { return };
        let step_tokens = out.tokens_per_s.unwrap_or(0.0) * step.total_s;
        let parts = format!(
            "step = compute {} + pipeline bubble {} + exposed tensor-parallel {} + pipeline sends {} + data-parallel {} + expert all-to-all {} = {}",
            t(step.compute_s),
            t(step.bubble_s),
            t(step.tp_s),
            t(step.pp_s),
            t(step.dp_s),
            t(step.ep_s),
            t(step.total_s)
        );
        let help = match better {
            Some(l) => format!("the fastest layout that fits is `parallelism {{ {} }}`; or add GPUs, or loosen the bound", layout_text(&l)),
            None => "add GPUs, use faster GPUs or FP8, or loosen the bound".to_string(),
        };
        for b in &self.program.decl(slo).bounds {
            let Value::Number { value: limit, .. } = b.value else { continue };
            let (value, dim, what) = match b.name {
                "step_time" => (step.total_s, Dim::TIME, "a step takes"),
                "time_to_train" => (out.time_to_train_s.unwrap_or(f64::INFINITY), Dim::TIME, "the run takes"),
                "mfu" => (out.mfu.unwrap_or(0.0), Dim::NONE, "reaches an MFU of"),
                _ => continue,
            };
            if b.op.holds(value, limit) {
                continue;
            }
            let shown = |v: f64| if dim.is_none() { format!("{} %", format_number((v * 1000.0).round() / 10.0)) } else { t(v) };
            let file = self.program.decl(slo).file;
            diagnostics.push(
                Diagnostic::error(
                    codes::E1002,
                    format!(
                        "training `{}`: {what} {}; its bound is {} {} {}",
                        self.name,
                        shown(value),
                        b.name,
                        b.op.as_str(),
                        shown(limit)
                    ),
                    Label::new(file, b.span, format!("{} {} {}", b.name, b.op.as_str(), shown(limit))),
                )
                .with_note(parts.clone())
                .with_note(format!(
                    "{} tokens per step at {} per GPU: {} tok/s",
                    group_thousands(step_tokens.round() as u128),
                    format_quantity(out.flops_per_gpu.unwrap_or(0.0), Dim::COMPUTE_RATE),
                    group_thousands(out.tokens_per_s.unwrap_or(0.0).round() as u128)
                ))
                .with_note(ASSUMED)
                .with_path(self.name.clone())
                .with_help(help.clone()),
            );
        }
    }
}

const ASSUMED: &str = "assumed (docs/training-model.md): weights and gradients in BF16, FP32 master weights and Adam state (12 B per parameter); micro-batches of one sequence under 1F1B; 80 % of data-parallel and 50 % of tensor-parallel communication hidden behind computation";

fn t(seconds: f64) -> String {
    if seconds.is_finite() { format_quantity(seconds, Dim::TIME) } else { "forever".to_string() }
}

fn bytes(b: f64) -> String {
    format_quantity(b * 8.0, Dim::INFORMATION)
}

/// `tp = 8, pp = 16, dp = 32` (with `ep` and `cp` where they are not 1).
pub fn layout_text(l: &TrainLayout) -> String {
    let mut text = format!("tp = {}, pp = {}, dp = {}", l.tp, l.pp, l.dp);
    if l.ep > 1 {
        text.push_str(&format!(", ep = {}", l.ep));
    }
    if l.cp > 1 {
        text.push_str(&format!(", cp = {}", l.cp));
    }
    if l.vp > 1 {
        text.push_str(&format!(", vp = {}", l.vp));
    }
    text
}

mod diagnostics;
