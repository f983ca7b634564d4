//! The `sim/` emitter's state: the checked model it reads and the vertex names it makes
//! once; the file names it writes.

use fabric_core::check::Budgets;
use fabric_core::network::Network;
use fabric_core::plant::{InstanceId, Plant};
use fabric_core::resolve::DeclId;
use fabric_core::sim_graph::SimGraph;
use fabric_core::sim_workloads::WorkloadPlan;

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
    /// The ASTRA-sim workloads, planned once per build (`fabric_core::sim_workloads::workloads`).
    pub(super) workloads: std::sync::Arc<WorkloadPlan>,
}

impl<'a> SimEmitter<'a> {
    /// Prepares the `sim/` files of a checked spec whose entry file is `spec`, with its
    /// planned ASTRA-sim workloads.
    pub fn new(
        plant: &'a Plant,
        net: &'a Network,
        graph: &'a SimGraph,
        budgets: &'a Budgets,
        spec: String,
        workloads: std::sync::Arc<WorkloadPlan>,
    ) -> Self {
        SimEmitter { plant, net, graph, budgets, spec, names: std::cell::OnceCell::new(), workloads }
    }

    /// The ASTRA-sim workloads of the spec and what could not be made (W0805, W0806).
    pub fn workloads(&self) -> &WorkloadPlan {
        &self.workloads
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
