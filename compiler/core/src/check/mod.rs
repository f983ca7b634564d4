//! The budget checks over the plant and its generated network: power and energy,
//! latency, capacity and reach, inference SLOs, and `assert`s (LANGUAGE.md section 6). Each check adds
//! diagnostics with the arithmetic that proves them; [`Budgets`] keeps the computed figures
//! for `fabric report` and the emitters, which never re-derive them.

pub mod asserts;
pub mod capacity;
mod figures;
pub mod latency;
pub mod power;
pub mod slo;
pub mod training;

pub use figures::{
    BatchPoint, Budgets, LatencyFigure, PoolFigures, ScalingPoint, ServiceEstimate, TrainInputs, TrainingEstimate, Unchanged,
};

use crate::network::Network;
use crate::network::route::{RouteTable, Router};
use crate::plant::Plant;

/// Runs every budget check.
pub fn run(plant: &Plant, network: &Network, routes: &RouteTable) -> Budgets {
    let mut budgets = Budgets { power: power::compute(plant, network), ..Budgets::default() };
    power::check(plant, network, &mut budgets);
    capacity::check(plant, network, &mut budgets);
    run_routed(plant, network, routes, budgets, None)
}

/// Re-runs the checks a failure can change, on a plant and network with parts down
/// (LANGUAGE.md 8.4): campus-link capacity, latency, SLOs, training and asserts. Power and
/// rack space are the spec's own checks: a failure adds no draw and frees no rack unit,
/// so they keep `base`'s figures.
pub fn run_degraded(plant: &Plant, network: &Network, routes: &RouteTable, unchanged: &Unchanged<'_>) -> Budgets {
    let mut budgets = Budgets { power: unchanged.base.power.clone(), ..Budgets::default() };
    capacity::links(plant, network, &mut budgets);
    run_routed(plant, network, routes, budgets, Some(unchanged))
}

/// The checks over routes: latency, SLOs, training and asserts.
fn run_routed(plant: &Plant, network: &Network, routes: &RouteTable, mut budgets: Budgets, unchanged: Option<&Unchanged<'_>>) -> Budgets {
    let router = Router::new(plant, network, routes);
    latency::check(plant, network, &router, &mut budgets);
    budgets.farthest = router.farthest().map(|w| {
        let name = |e: u32| {
            let endpoint = network.endpoints[e as usize];
            plant.path(endpoint.gpu.unwrap_or(endpoint.nic))
        };
        LatencyFigure { from: name(w.from), to: name(w.to), worst_one_way_s: w.seconds, unknown: w.unknown() }
    });
    slo::check(plant, network, &router, &mut budgets, unchanged);
    training::check(plant, network, &router, &mut budgets, unchanged);
    asserts::check(plant, &router, &mut budgets);
    budgets
}

/// The query: the budget checks (power, latency, capacity, SLOs, asserts) over the network.
/// The gated entry point is [`crate::pipeline::budgets`].
#[salsa::tracked]
pub fn budgets(db: &dyn salsa::Database, project: crate::source::Project) -> std::sync::Arc<Budgets> {
    let plant = crate::plant::plant(db, project);
    let routes = crate::network::route::routes(db, project);
    std::sync::Arc::new(run(plant, crate::network::network(db, project), routes))
}
