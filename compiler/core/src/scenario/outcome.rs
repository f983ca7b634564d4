//! One scenario's outcome: the checks re-run on the degraded plant, keeping what the
//! spec's own checks do not already say.

use super::outage::{Degraded, degrade};
use super::targets::Failed;
use crate::check::slo::ServiceEstimate;
use crate::check::{Budgets, TrainingEstimate, Unchanged};
use crate::diagnostic::Diagnostic;
use crate::network::Network;
use crate::plant::{InstanceId, Plant};
use crate::resolve::DeclId;
use crate::schema::Kind;

/// How a redundancy requirement (`fail_any`) was evaluated.
#[derive(Clone, PartialEq, Debug)]
pub struct AnyOf {
    /// Single failures the class holds.
    pub candidates: u64,
    /// Classes of identical failures, each evaluated once.
    pub classes: u64,
    /// Failures in the worst one's class (the worst included).
    pub like_worst: u64,
}

/// What one scenario does to the spec.
#[derive(Clone, PartialEq, Debug)]
pub struct Outcome {
    /// Its name (`--fail` for the command line's).
    pub name: String,
    /// The `scenario` block, `None` for the command line's.
    pub decl: Option<DeclId>,
    /// What failed, by canonical name (for `fail_any`: the worst single failure).
    pub failed: Vec<String>,
    /// GPUs out of service.
    pub gpus_lost: u64,
    /// Diagnostics the failure adds to the spec's own, each naming the scenario.
    pub diagnostics: Vec<Diagnostic>,
    /// Every inference service re-estimated on what is left.
    pub services: Vec<ServiceEstimate>,
    /// Every training job re-estimated on what is left.
    pub training: Vec<TrainingEstimate>,
    /// For `fail_any`: how many failures it covered.
    pub any_of: Option<AnyOf>,
}

impl Outcome {
    /// Whether the spec survives it: no error.
    pub fn holds(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.severity == crate::diagnostic::Severity::Error)
    }
}

/// Re-runs the checks on the plant without `failed`, keeping what the spec's own checks
/// (`base`) do not already say.
pub fn evaluate(plant: &Plant, net: &Network, base: &Budgets, name: &str, failed: &[Failed]) -> Outcome {
    let degraded = degrade(plant, net, failed);
    let unchanged = Unchanged { base, workloads: unchanged_workloads(plant, net, &degraded) };
    let budgets = crate::check::run_degraded(&degraded.plant, &degraded.network, &degraded.routes, &unchanged);
    // What the spec's own checks already report at the same place (same code, location and
    // instance) is theirs, even where the scenario's figures in its message differ.
    let own = |d: &Diagnostic| {
        base.diagnostics
            .iter()
            .any(|b| b.code == d.code && b.primary.file == d.primary.file && b.primary.span == d.primary.span && b.path == d.path)
    };
    let diagnostics: Vec<Diagnostic> = budgets.diagnostics.into_iter().filter(|d| !own(d)).collect();
    let mut names: Vec<String> = failed.iter().map(|f| f.name(plant, net)).collect();
    names.sort();
    names.dedup();
    Outcome {
        name: name.to_string(),
        decl: None,
        failed: names,
        gpus_lost: degraded.gpus_lost,
        diagnostics,
        services: budgets.services,
        training: budgets.training,
        any_of: None,
    }
}

/// The services and jobs the failure leaves as they were: none of their placement's GPUs
/// out of service; in the fabrics their nodes' NICs are in, no switch above the leaves and
/// no uplink down, and their own leaves intact; no campus link changed where their GPUs
/// span buildings; and, for a training job, every service as it was (a job borrows from
/// the services it yields to). Their figures cannot change, so they are not re-estimated
/// (docs/scenarios.md).
fn unchanged_workloads(plant: &Plant, net: &Network, degraded: &Degraded) -> Vec<InstanceId> {
    let mut out = Vec::new();
    let mut services_changed = false;
    for root in plant.roots().filter(|&r| matches!(plant.kind(r), Kind::Inference | Kind::Training)) {
        if plant.kind(root) == Kind::Training && services_changed {
            continue;
        }
        let gpus = plant.placement_gpus(plant.get(root).decl);
        if gpus.iter().any(|&g| degraded.plant.out_of_service(g)) {
            services_changed |= plant.kind(root) == Kind::Inference;
            continue;
        }
        let mut nodes: Vec<InstanceId> = gpus.iter().filter_map(|&g| plant.outermost_node(g)).collect();
        nodes.dedup();
        let touched = nodes.iter().flat_map(|&n| plant.subtree(n)).filter_map(|i| net.endpoint_of.get(&i)).any(|&e| {
            let endpoint = net.endpoints[e as usize];
            degraded.upper_touched[endpoint.fabric.0 as usize] || degraded.leaf_touched[endpoint.leaf.0 as usize]
        });
        if touched {
            services_changed |= plant.kind(root) == Kind::Inference;
            continue;
        }
        if degraded.links_changed {
            let mut buildings: Vec<InstanceId> = gpus.iter().filter_map(|&g| plant.ancestor(g, Kind::Building)).collect();
            buildings.dedup();
            if buildings.len() > 1 {
                services_changed |= plant.kind(root) == Kind::Inference;
                continue;
            }
        }
        out.push(root);
    }
    if services_changed {
        out.retain(|&r| plant.kind(r) != Kind::Training);
    }
    out
}
