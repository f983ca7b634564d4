//! The `sim/` emitter's state: the checked model it reads and the vertex names it makes
//! once; the file names it writes.

use fabric_core::check::Budgets;
use fabric_core::network::Network;
use fabric_core::plant::{InstanceId, Plant};
use fabric_core::resolve::DeclId;
use fabric_core::sim_graph::SimGraph;
use fabric_core::sim_workloads::{DEFAULT_MAX_NPUS, WorkloadPlan};

/// The scenario format this version writes.
pub const SCENARIO_FORMAT: &str = "fabric-scenario/1";

/// The fixed files of `sim/`, relative to OUT, in writing order; the ASTRA-sim workloads
/// ([`SimEmitter::workload_files`]) follow them.
pub const FILES: &[&str] = &[
    "sim/scenario.json",
    "sim/scenario.schema.json",
    "sim/astra-sim/network.yml",
    "sim/astra-sim/system.json",
    "sim/astra-sim/remote_memory.json",
    "sim/ns3/topology.txt",
    "sim/ns3/nodes.csv",
    "sim/ns3/links.csv",
];

/// Writes the `sim/` files of one spec.
pub struct SimEmitter<'a> {
    pub(super) plant: &'a Plant,
    pub(super) net: &'a Network,
    pub(super) graph: &'a SimGraph,
    pub(super) budgets: &'a Budgets,
    pub(super) spec: String,
    /// Every vertex's name, made once: links name their ends many times over.
    pub(super) names: std::cell::OnceCell<Vec<String>>,
    /// The most NPUs an ASTRA-sim workload simulates.
    pub(super) max_npus: u32,
    /// The workloads, planned once per build (a salsa query) or per emitter.
    pub(super) workloads: std::cell::OnceCell<std::sync::Arc<WorkloadPlan>>,
}

impl<'a> SimEmitter<'a> {
    /// Prepares the `sim/` files of a checked spec whose entry file is `spec`.
    pub fn new(plant: &'a Plant, net: &'a Network, graph: &'a SimGraph, budgets: &'a Budgets, spec: String) -> Self {
        SimEmitter {
            plant,
            net,
            graph,
            budgets,
            spec,
            names: std::cell::OnceCell::new(),
            max_npus: DEFAULT_MAX_NPUS,
            workloads: std::cell::OnceCell::new(),
        }
    }

    /// Sets the most NPUs an ASTRA-sim workload simulates (W0805 above it).
    pub fn with_max_npus(mut self, max_npus: u32) -> Self {
        self.max_npus = max_npus.max(1);
        self
    }

    /// Uses the build's planned workloads instead of planning them again.
    pub fn with_workloads(self, plan: std::sync::Arc<WorkloadPlan>) -> Self {
        let _ = self.workloads.set(plan);
        self
    }

    /// The ASTRA-sim workloads of the spec and what could not be made (W0805, W0806).
    pub fn workloads(&self) -> &WorkloadPlan {
        self.workloads.get_or_init(|| std::sync::Arc::new(fabric_core::sim_workloads::plan(self.plant, self.budgets, self.max_npus)))
    }

    pub(super) fn name(&self, decl: DeclId) -> String {
        self.plant.program.decl(decl).name.clone().unwrap_or_default()
    }

    pub(super) fn num(&self, id: InstanceId, field: &str) -> Option<f64> {
        self.plant.field(id, field).and_then(|f| f.number())
    }

    pub(super) fn vertex_name(&self, v: u32) -> String {
        self.names()[v as usize].clone()
    }

    pub(super) fn names(&self) -> &[String] {
        self.names.get_or_init(|| (0..self.graph.vertices.len() as u32).map(|v| self.graph.vertex_name(self.plant, self.net, v)).collect())
    }
}
