//! What the SLO model reads of one service: its model, placement, GPUs and interconnect,
//! load and SLO bounds, gathered from the spec; and the records of what it found.

use super::model::{self, GpuFigures, Interconnect, Targets};
use crate::diagnostic::{Diagnostic, Label};
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

/// Replicas assumed when judging a replica shape on its own: enough that prefill's share
/// of each replica's time vanishes.
pub(super) const MAX_REPLICAS_PROBE: u32 = model::MAX_REPLICAS;

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
    pub(super) router: &'a Router<'a>,
    pub(super) it_power_w: &'a [f64],
    pub(super) program: &'a Program,
    pub(super) decl: DeclId,
    pub(super) name: String,
    pub(super) file: SourceFile,
    pub(super) gpus: Vec<InstanceId>,
    pub(super) load_decl: Option<DeclId>,
    pub(super) slo_decl: Option<DeclId>,
}

/// Why an estimate cannot be made: the figures missing.
pub(super) struct Missing(pub(super) Vec<String>);

impl<'a> Service<'a> {
    pub(super) fn gather(
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
            gpus: plant.placement_gpus(decl),
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
        if plant.field_path(decl, "placement").is_some_and(|p| plant.select(&p).is_ok()) && (s.gpus.len() as u64) < requested {
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

    pub(super) fn count(&self, field: &str) -> u32 {
        self.program.field(self.decl, field).and_then(|f| f.number()).unwrap_or(0.0).max(0.0).min(f64::from(u32::MAX)) as u32
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

    /// The links the collectives of a replica of `gpus` GPUs cross: NVLink when the first
    /// `gpus` GPUs of the placement share one NVLink domain, else the scale-out fabric at
    /// each GPU's share of its node's NICs, with the worst one-way latency between them.
    pub(super) fn interconnect(&self, gpus: u32) -> (Interconnect, &'static str, Vec<String>) {
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
