//! The budget checks over the plant and its generated network: power and energy,
//! latency, capacity and reach, inference SLOs, and `assert`s (LANGUAGE.md section 6). Each check adds
//! diagnostics with the arithmetic that proves them; [`Budgets`] keeps the computed figures
//! for `fabric report` and the emitters, which never re-derive them.

pub mod asserts;
pub mod capacity;
pub mod latency;
pub mod power;
pub mod slo;

use crate::diagnostic::Diagnostic;
use crate::network::Network;
use crate::network::route::{RouteTable, Router};
use crate::plant::Plant;

/// One latency the spec evaluates (a `latency(a, b)`, an `rtt` SLO, or a campus link).
#[derive(Clone, PartialEq, Debug)]
pub struct LatencyFigure {
    /// One end, as written or as the instance's path.
    pub from: String,
    /// The other end.
    pub to: String,
    /// The worst one-way latency, in seconds (a lower bound where `unknown` is not empty).
    pub worst_one_way_s: f64,
    /// Parts on the path without a latency figure, counted as zero.
    pub unknown: Vec<String>,
}

/// Everything the budget checks computed.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Budgets {
    /// Power figures.
    pub power: power::PowerBudget,
    /// Latencies evaluated, in source order, then campus links.
    pub latencies: Vec<LatencyFigure>,
    /// The two GPUs farthest apart (NICs where a node has no GPU), `None` without a fabric.
    pub farthest: Option<LatencyFigure>,
    /// Every inference service with the SLO model's figures, in source order.
    pub services: Vec<slo::ServiceEstimate>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs every budget check.
pub fn run(plant: &Plant, network: &Network, routes: &RouteTable) -> Budgets {
    let mut budgets = Budgets { power: power::compute(plant, network), ..Budgets::default() };
    power::check(plant, network, &mut budgets);
    capacity::check(plant, network, &mut budgets);
    let router = Router::new(plant, network, routes);
    latency::check(plant, network, &router, &mut budgets);
    budgets.farthest = router.farthest().map(|w| {
        let name = |e: u32| {
            let endpoint = network.endpoints[e as usize];
            plant.path(endpoint.gpu.unwrap_or(endpoint.nic))
        };
        LatencyFigure { from: name(w.from), to: name(w.to), worst_one_way_s: w.seconds, unknown: w.unknown() }
    });
    slo::check(plant, &router, &mut budgets);
    asserts::check(plant, network, &router, &mut budgets);
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
