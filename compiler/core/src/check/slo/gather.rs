//! What the SLO model reads of one service: its model, placement, GPUs and interconnect,
//! load and SLO bounds, gathered from the spec; and the records of what it found.

use super::model::{Assumptions, GpuFigures, Links, Load, ModelFigures, Parallelism, Speculation};
use super::plan::Targets;
use crate::diagnostic::{Diagnostic, Label};
use crate::network::Network;
use crate::network::route::Router;
use crate::plant::{InstanceId, Plant};
use crate::resolve::{DeclId, Program, Value};
use crate::schema::Kind;
use crate::source::SourceFile;
use crate::units::{Dim, format_quantity};
use fabric_syntax::Span;
use fabric_syntax::ast::BoundOp;
use std::collections::BTreeSet;

pub use crate::check::figures::{Estimate, ServiceEstimate};

/// The largest replica the sizing search tries, in GPUs.
pub(super) const MAX_GPUS_PER_REPLICA: u32 = 4_096;

/// One bound of the `slo` block.
pub(super) struct Bound {
    pub(super) op: BoundOp,
    pub(super) limit: f64,
    pub(super) span: Span,
}

impl Bound {
    /// The limit as an upper target, where the bound is one.
    pub(super) fn target(&self) -> Option<f64> {
        matches!(self.op, BoundOp::Le | BoundOp::Lt).then_some(self.limit)
    }
    pub(super) fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.limit)
    }
    pub(super) fn text(&self, dim: Dim) -> String {
        format!("{} {}", self.op.as_str(), format_quantity(self.limit, dim))
    }
}

/// The inputs of one service, as found in the spec.
pub(super) struct Service<'a> {
    pub(super) plant: &'a Plant,
    pub(super) network: &'a Network,
    pub(super) router: &'a Router<'a>,
    pub(super) it_power_w: &'a [f64],
    pub(super) program: &'a Program,
    pub(super) decl: DeclId,
    pub(super) name: String,
    pub(super) file: SourceFile,
    pub(super) gpus: Vec<InstanceId>,
    pub(super) load_decl: Option<DeclId>,
    pub(super) slo_decl: Option<DeclId>,
    pub(super) prefill_decl: Option<DeclId>,
    pub(super) decode_decl: Option<DeclId>,
    pub(super) speculative_decl: Option<DeclId>,
}

/// One pool as the spec asks for it: where it is written, its size, and its parallelism if
/// given (with the block that gives it).
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) struct PoolAsk {
    pub(super) decl: DeclId,
    pub(super) gpus: u32,
    pub(super) replicas: u32,
    pub(super) parallelism: Option<(Parallelism, DeclId)>,
}

/// The layout the spec asks for.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Asked {
    /// `gpus_per_replica`, `replicas` and maybe `parallelism` on the service.
    Aggregated(PoolAsk),
    /// `prefill { }` and `decode { }` pools.
    Disaggregated(PoolAsk, PoolAsk),
    /// Neither: the compiler plans.
    Planner,
}

impl Asked {
    /// GPUs the layout asks for (0 for the planner).
    pub(super) fn gpus(&self) -> u64 {
        let pool = |p: &PoolAsk| u64::from(p.gpus) * u64::from(p.replicas);
        match self {
            Asked::Aggregated(p) => pool(p),
            Asked::Disaggregated(p, d) => pool(p) + pool(d),
            Asked::Planner => 0,
        }
    }
}

/// What the model needs of the spec, gathered.
#[derive(Clone, PartialEq, Debug)]
pub(super) struct Inputs {
    pub(super) notes: Vec<String>,
    pub(super) model: ModelFigures,
    pub(super) gpu: GpuFigures,
    pub(super) assumptions: Assumptions,
    pub(super) load: Load,
    pub(super) speculation: Speculation,
    pub(super) model_decl: Option<DeclId>,
}

/// Why an estimate cannot be made: the figures missing.
pub(super) struct Missing(pub(super) Vec<String>);

impl<'a> Service<'a> {
    pub(super) fn gather(
        plant: &'a Plant,
        network: &'a Network,
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
            network,
            router,
            it_power_w,
            program,
            decl,
            name: d.name.clone().unwrap_or_default(),
            file: d.file,
            gpus: plant.placement_gpus(decl),
            load_decl: child(Kind::Load),
            slo_decl: child(Kind::Slo),
            prefill_decl: child(Kind::Prefill),
            decode_decl: child(Kind::Decode),
            speculative_decl: child(Kind::Speculative),
        };
        let asked = s.asked(diagnostics);
        let mut out = ServiceEstimate {
            instance: root,
            name: s.name.clone(),
            gpus_placed: s.gpus.len() as u64,
            gpus_requested: asked.map_or(0, |a| a.gpus()),
            targets: s.targets(),
            estimate: None,
        };
        let Some(asked) = asked else { return out };
        let placed_ok = plant.field_selection(decl, "placement").is_some();
        if placed_ok && (s.gpus.len() as u64) < asked.gpus() {
            diagnostics.push(s.placement_too_small(&asked));
        }
        if asked != Asked::Planner && asked.gpus() == 0 {
            return out;
        }
        if s.load_decl.is_none() && out.targets == Targets::default() {
            // Nothing asks for estimates: only the weights are checked against memory.
            if let Asked::Aggregated(pool) = asked
                && let Some(d) = s.weights_only_fit(pool.gpus)
            {
                diagnostics.push(d);
            }
            return out;
        }
        match s.estimate(&asked, diagnostics) {
            Ok(estimate) => {
                if let Some(e) = &estimate
                    && e.chosen
                {
                    out.gpus_requested = e.prefill.gpus() + if e.disaggregated { e.decode.gpus() } else { 0 };
                }
                out.estimate = estimate;
            }
            Err(Missing(what)) => diagnostics.push(s.incomplete(&what)),
        }
        out
    }

    fn pool_ask(&self, decl: DeclId) -> PoolAsk {
        let count =
            |field: &str| self.program.field(decl, field).and_then(|f| f.number()).unwrap_or(0.0).max(0.0).min(f64::from(u32::MAX)) as u32;
        let par_decl = self.program.decl(decl).children.iter().copied().find(|&c| self.program.decl(c).kind == Kind::Parallelism);
        let parallelism = par_decl.map(|p| {
            let degree =
                |f: &str| self.program.field(p, f).and_then(|v| v.number()).unwrap_or(1.0).max(1.0).min(f64::from(u32::MAX)) as u32;
            (Parallelism { tp: degree("tp"), pp: degree("pp"), dp: degree("dp"), ep: degree("ep") }, p)
        });
        PoolAsk { decl, gpus: count("gpus_per_replica"), replicas: count("replicas"), parallelism }
    }

    /// The layout the spec asks for; `None` (with E0708 or E0709) where it is inconsistent.
    pub(super) fn asked(&self, diagnostics: &mut Vec<Diagnostic>) -> Option<Asked> {
        let set = |field: &str| self.program.field(self.decl, field).is_some_and(|f| f.set().is_some());
        let aggregated = set("gpus_per_replica") || set("replicas");
        let asked = match (aggregated, self.prefill_decl, self.decode_decl) {
            (false, None, None) => {
                if let Some(p) = self.service_parallelism() {
                    diagnostics.push(self.parallelism_without_size(p));
                    return None;
                }
                Asked::Planner
            }
            (true, None, None) => {
                if !(set("gpus_per_replica") && set("replicas")) {
                    diagnostics.push(self.half_a_layout());
                    return None;
                }
                Asked::Aggregated(self.pool_ask(self.decl))
            }
            (false, Some(p), Some(d)) => {
                if let Some(par) = self.service_parallelism() {
                    diagnostics.push(self.parallelism_without_size(par));
                    return None;
                }
                Asked::Disaggregated(self.pool_ask(p), self.pool_ask(d))
            }
            _ => {
                diagnostics.push(self.mixed_layout(aggregated));
                return None;
            }
        };
        let pools: Vec<PoolAsk> = match asked {
            Asked::Aggregated(p) => vec![p],
            Asked::Disaggregated(p, d) => vec![p, d],
            Asked::Planner => vec![],
        };
        let mut ok = true;
        for pool in pools {
            if let Some((par, decl)) = pool.parallelism
                && let Some(d) = self.bad_parallelism(&pool, par, decl)
            {
                diagnostics.push(d);
                ok = false;
            }
        }
        ok.then_some(asked)
    }

    /// The `parallelism` block written directly on the service, if any.
    pub(super) fn service_parallelism(&self) -> Option<DeclId> {
        self.program.decl(self.decl).children.iter().copied().find(|&c| self.program.decl(c).kind == Kind::Parallelism)
    }

    /// Every figure the model needs, or what is missing.
    pub(super) fn inputs(&self) -> Result<Inputs, Missing> {
        let model_decl = self.program.field(self.decl, "model").and_then(|f| f.type_id());
        let text = |field: &str| self.program.field(self.decl, field).and_then(|f| f.text().map(str::to_string)).unwrap_or_default();
        let precision = text("precision");
        let kv_precision = text("kv_precision");
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
        let mut notes = Vec::new();
        let gpu = match self.gpu(&precision) {
            Ok((figures, gpu_notes)) => {
                notes.extend(gpu_notes);
                Some(figures)
            }
            Err(Missing(m)) => {
                missing.extend(m);
                None
            }
        };
        let (Some(gpu), Some(params), true) = (gpu, params, missing.is_empty()) else {
            return Err(Missing(missing));
        };
        let attention = self.number(model_decl, "attention_flops").unwrap_or(0.0);
        let model = ModelFigures {
            params,
            active_params: self.number(model_decl, "active_params").unwrap_or(params),
            bytes_per_param: super::model::bytes_per_param(&precision),
            // The stdlib's `kv_bytes_per_token` are BF16: 2 bytes per element.
            kv_bytes_per_token: kv.unwrap_or_default() / 8.0 * super::model::bytes_per_param(&kv_precision) / 2.0,
            layers: self.number(model_decl, "layers").unwrap_or(0.0),
            hidden_size: self.number(model_decl, "hidden_size").unwrap_or(0.0),
            experts: self.number(model_decl, "experts").unwrap_or(0.0),
            experts_per_token: self.number(model_decl, "experts_per_token").unwrap_or(0.0),
            kv_heads: self.number(model_decl, "kv_heads").unwrap_or(f64::from(u32::MAX)),
            attention_flops: attention,
            prefill_attention_flops: self.number(model_decl, "prefill_attention_flops").unwrap_or(attention),
        };
        let load = Load {
            arrival: arrival.unwrap_or_default(),
            prompt: prompt.unwrap_or_default(),
            reasoning: self.number(self.load_decl, "reasoning").unwrap_or(0.0),
            output: output.unwrap_or_default(),
            samples: self.number(self.load_decl, "samples").unwrap_or(1.0).max(1.0).ceil(),
            prefix_cache_hit: self.number(Some(self.decl), "prefix_cache_hit").unwrap_or(0.0),
        };
        let speculation = Speculation {
            tokens: self.number(self.speculative_decl, "tokens").unwrap_or(0.0),
            acceptance: self.number(self.speculative_decl, "acceptance").unwrap_or(0.0).clamp(0.0, 1.0),
        };
        if model.layers <= 0.0 || model.hidden_size <= 0.0 {
            notes.push("the model has no `layers` and `hidden_size`: collectives and per-layer costs are left out".to_string());
        }
        if model.attention_flops <= 0.0 {
            notes.push("the model has no `attention_flops`: attention compute is left out".to_string());
        }
        Ok(Inputs { notes, model, gpu, assumptions: self.assumptions(), load, speculation, model_decl })
    }

    /// The assumptions, from the service's fields.
    pub(super) fn assumptions(&self) -> Assumptions {
        Assumptions {
            memory_utilization: self.number(Some(self.decl), "memory_utilization").unwrap_or(0.9),
            compute_efficiency: self.number(Some(self.decl), "compute_efficiency").unwrap_or(0.4),
            bandwidth_efficiency: self.number(Some(self.decl), "bandwidth_efficiency").unwrap_or(0.8),
        }
    }

    pub(super) fn number(&self, owner: Option<DeclId>, field: &str) -> Option<f64> {
        owner.and_then(|o| self.program.field(o, field)).and_then(|f| f.number())
    }

    pub(super) fn bound(&self, name: &str) -> Option<Bound> {
        let slo = self.slo_decl?;
        self.program.decl(slo).bounds.iter().find(|b| b.name == name).and_then(|b| match b.value {
            Value::Number { value, .. } => Some(Bound { op: b.op, limit: value, span: b.span }),
            _ => None,
        })
    }

    pub(super) fn targets(&self) -> Targets {
        Targets {
            ttft_p99_s: self.bound("ttft_p99").as_ref().and_then(Bound::target),
            tpot_p99_s: self.bound("tpot_p99").as_ref().and_then(Bound::target),
            energy_per_token_j: self.bound("energy_per_token").as_ref().and_then(Bound::target),
        }
    }

    /// Where `field` of `owner` is written, else the service's name.
    pub(super) fn at(&self, owner: Option<DeclId>, field: &str) -> (SourceFile, Span) {
        owner.and_then(|o| self.program.field_origin(o, field)).unwrap_or((self.file, self.program.decl(self.decl).name_span))
    }

    pub(super) fn label(&self, owner: Option<DeclId>, field: &str, message: impl Into<String>) -> Label {
        let (file, span) = self.at(owner, field);
        Label::new(file, span, message)
    }

    /// GPUs per node under the placement (the smallest), for rounding replica sizes to
    /// whole nodes.
    pub(super) fn gpus_per_node(&self) -> u32 {
        let mut per_node: std::collections::BTreeMap<InstanceId, u32> = std::collections::BTreeMap::new();
        for &g in &self.gpus {
            if let Some(n) = self.plant.outermost_node(g) {
                *per_node.entry(n).or_insert(0) += 1;
            }
        }
        per_node.values().copied().min().unwrap_or(1)
    }

    /// GPUs of the NVLink domain of the placement's first GPU (1 where it has none).
    pub(super) fn domain_gpus(&self) -> u32 {
        let Some(domain) = self.gpus.first().and_then(|&g| self.plant.nvlink_domain(g)) else { return 1 };
        self.plant.gpus_in_service(domain).max(1) as u32
    }

    /// The links a replica of `gpus` GPUs, starting at the placement's `first` GPU, crosses:
    /// NVLink at half the GPU's bidirectional `nvlink_bw` inside its domain, each GPU's share
    /// of its node's NIC line rate beyond it, and the worst one-way latency between the
    /// replica's GPUs on the generated network. `nvlink` when the replica fits one domain.
    pub(super) fn links(&self, first: usize, gpus: u32) -> (Links, &'static str) {
        let mine: Vec<InstanceId> = self.gpus.iter().copied().skip(first).take(gpus as usize).collect();
        let mine = if mine.is_empty() { self.gpus.iter().copied().take(gpus as usize).collect() } else { mine };
        let domains: BTreeSet<Option<InstanceId>> = mine.iter().map(|&g| self.plant.nvlink_domain(g)).collect();
        let inside = domains.len() == 1 && domains.iter().next().is_some_and(Option::is_some) && mine.len() as u32 >= gpus;
        let nvlink = mine.iter().filter_map(|&g| self.plant.field(g, "nvlink_bw").and_then(|f| f.number())).reduce(f64::min);
        let mut per_gpu = f64::INFINITY;
        let nodes: BTreeSet<InstanceId> = mine.iter().filter_map(|&g| self.plant.outermost_node(g)).collect();
        for &n in &nodes {
            per_gpu = per_gpu.min(self.plant.nic_bps_per_gpu(n));
        }
        let net_latency_s = if inside {
            0.0
        } else {
            let endpoints = self.router.endpoints_for(&mine);
            self.router.worst(&endpoints, &endpoints).map_or(0.0, |w| w.seconds)
        };
        let links = Links {
            // nvlink_bw is bidirectional, in bits per second: half each way, ÷ 8 for bytes.
            nvlink_bw: nvlink.map_or(0.0, |b| b / 2.0 / 8.0),
            domain_gpus: f64::from(self.domain_gpus()),
            nic_bw: if per_gpu.is_finite() { per_gpu / 8.0 } else { 0.0 },
            net_latency_s,
        };
        (links, if inside { "nvlink" } else { "scale-out" })
    }

    /// One prompt's KV cache from the prefill pool (the placement's first `prefill_gpus`
    /// GPUs) to the decode pool (the next `decode_gpus`): `bytes` over the attention group's
    /// NICs (`group` GPUs' share each), plus the worst one-way latency between the pools.
    pub(super) fn kv_transfer_s(&self, prefill_gpus: usize, decode_gpus: usize, group: u32, bytes: f64) -> f64 {
        let (links, _) = self.links(0, group);
        let prefill: Vec<InstanceId> = self.gpus.iter().copied().take(prefill_gpus).collect();
        let decode: Vec<InstanceId> = self.gpus.iter().copied().skip(prefill_gpus).take(decode_gpus).collect();
        let latency = if decode.is_empty() {
            links.net_latency_s
        } else {
            let (a, b) = (self.router.endpoints_for(&prefill), self.router.endpoints_for(&decode));
            self.router.worst(&a, &b).map_or(links.net_latency_s, |w| w.seconds)
        };
        let bandwidth = links.nic_bw * f64::from(group.max(1));
        if bandwidth > 0.0 { bytes / bandwidth + latency } else { latency }
    }

    /// The GPU figures: the weakest of each among the placement's GPU types.
    pub(super) fn gpu(&self, precision: &str) -> Result<(GpuFigures, Vec<String>), Missing> {
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
    pub(super) fn gpu_power_w(&self) -> f64 {
        let Some(&first) = self.gpus.first() else { return 0.0 };
        let Some(domain) = self.plant.nvlink_domain(first) else {
            return self.plant.field(first, "power").and_then(|f| f.number()).unwrap_or(0.0);
        };
        let gpus = self.plant.subtree(domain).filter(|&i| self.plant.kind(i) == Kind::Gpu).count().max(1);
        self.power_of(domain) / gpus as f64
    }

    pub(super) fn power_of(&self, id: InstanceId) -> f64 {
        self.it_power_w.get(id.0 as usize).copied().unwrap_or(0.0)
    }
}
