//! Inference SLOs (LANGUAGE.md section 6.4, docs/slo-model.md): for every `inference`
//! service, gathers the model, the placement's GPUs and interconnect, the load and the
//! SLOs; runs the analytical model of [`model`]; and reports what does not hold: a
//! placement too small (E0706), a context longer than the model's (E0707), weights and KV
//! that do not fit (E0701), TTFT (E0702), TPOT (E0703), throughput (E0704) and energy per
//! token (E0705), each with the arithmetic and the model's assumptions in its notes and the
//! smallest size that would hold in its help. A figure the model needs and the spec lacks
//! is W0701. The figures land in [`Budgets::services`] for `fabric report`.

mod diagnostics;
mod estimate;
mod gather;
pub mod model;
pub mod plan;

pub use gather::{Estimate, ServiceEstimate};
pub use model::bytes_per_param;

use super::figures::Budgets;
use crate::network::Network;
use crate::network::route::Router;
use crate::plant::Plant;
use crate::schema::Kind;
use gather::Service;

/// Checks every inference service; in a failure scenario, those `unchanged` keeps keep
/// their base figures (their diagnostics would be the spec's own).
pub fn check(
    plant: &Plant,
    network: &Network,
    router: &Router<'_>,
    budgets: &mut Budgets,
    unchanged: Option<&super::figures::Unchanged<'_>>,
) {
    let mut diagnostics = Vec::new();
    let mut services = Vec::new();
    for root in plant.roots() {
        if let Some(base) = unchanged.and_then(|u| u.service(root)) {
            services.push(base.clone());
        } else if plant.kind(root) == Kind::Inference {
            services.push(Service::gather(plant, network, router, &budgets.power.it_power_w, &mut diagnostics, root));
        }
    }
    budgets.diagnostics.extend(diagnostics);
    budgets.services = services;
}
