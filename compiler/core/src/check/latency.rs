//! Latency along the generated network: the worst one-way path between two sets of
//! instances (NIC latency at both ends, every switch hop, every transceiver, each cable's
//! length × its medium's delay, and campus links between buildings), and the `rtt` SLO of
//! every inference service.
//!
//! Routing goes up to the lowest tier the two sets need: one leaf when every endpoint is
//! on it, the spines of one pod, or the top tier. The worst path takes the slowest way up
//! on each side, so it is an upper bound on every real path of the fat tree; parts without a
//! published latency count as zero and are named, so a violation is certain.

use super::figures::{Budgets, LatencyFigure};
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::Network;
use crate::network::route::{NoPath, Router};
use crate::plant::Plant;
use crate::schema::Kind;
use crate::units::{Dim, format_quantity};

/// Checks the `rtt` SLO of every inference service and records campus-link latencies.
pub fn check(plant: &Plant, net: &Network, router: &Router<'_>, budgets: &mut Budgets) {
    let program = plant.program.clone();
    for root in plant.roots().collect::<Vec<_>>() {
        if plant.kind(root) != Kind::Inference {
            continue;
        }
        let decl = plant.get(root).decl;
        let d = program.decl(decl);
        let name = d.name.clone().unwrap_or_default();
        let Some(bound) = d
            .children
            .iter()
            .filter(|c| program.decl(**c).kind == Kind::Slo)
            .flat_map(|c| program.decl(*c).bounds.iter().map(move |b| (*c, b)))
            .find(|(_, b)| b.name == "rtt")
        else {
            continue;
        };
        let (slo_decl, bound) = bound;
        let crate::resolve::Value::Number { value: limit, .. } = bound.value else { continue };
        let Some(placement) = plant.field_path(decl, "placement") else { continue };
        let gpus = plant.placement_gpus(decl);
        let endpoints = router.endpoints_for(&gpus);
        let file = program.decl(slo_decl).file;
        match router.worst(&endpoints, &endpoints) {
            Err(why) => budgets.diagnostics.push(no_path(file, placement.span, &placement.to_string(), &placement.to_string(), why, &name)),
            Ok(worst) => {
                let rtt = 2.0 * worst.seconds;
                budgets.latencies.push(LatencyFigure {
                    from: placement.to_string(),
                    to: placement.to_string(),
                    worst_one_way_s: worst.seconds,
                    unknown: worst.unknown(),
                });
                if bound.op.holds(rtt, limit) {
                    continue;
                }
                let t = |s: f64| format_quantity(s, Dim::TIME);
                let mut diag = Diagnostic::error(
                    codes::E0501,
                    format!(
                        "inference `{name}` has a round trip of {} between GPUs of its placement; its SLO is rtt {} {}",
                        t(rtt),
                        bound.op.as_str(),
                        t(limit)
                    ),
                    Label::new(file, bound.span, format!("rtt {} {}", bound.op.as_str(), t(limit))),
                )
                .with_label(Label::new(
                    placement.file,
                    placement.span,
                    format!("{} GPUs placed here", crate::units::group_thousands(gpus.len() as u128)),
                ))
                .with_note(format!("rtt = 2 × worst one-way latency = 2 × {} = {}", t(worst.seconds), t(rtt)))
                .with_note(format!("worst one-way path: {}", worst.explain()))
                .with_path(name.clone())
                .with_help("place the service inside one building, shorten the route, or use a faster medium (hollow-core fibre: HCF)");
                let unknown = worst.unknown();
                if !unknown.is_empty() {
                    diag = diag.with_note(format!("no latency figure, counted as zero: {}", unknown.join(", ")));
                }
                budgets.diagnostics.push(diag);
            }
        }
    }
    for link in net.links.iter().filter(|l| !l.failed) {
        let decl = plant.get(link.instance).decl;
        let text = |field: &str| plant.field_path(decl, field).map(|p| p.to_string()).unwrap_or_default();
        let delay = link.medium.and_then(|m| net.media[m as usize].delay_s_per_m);
        budgets.latencies.push(LatencyFigure {
            from: text("from"),
            to: text("to"),
            worst_one_way_s: delay.map_or(0.0, |d| d * link.distance_m),
            unknown: if delay.is_some() { vec![] } else { vec![format!("link {}", program.decl(decl).name.clone().unwrap_or_default())] },
        });
    }
}

/// The E0502 diagnostic for a latency with no path.
pub fn no_path(file: crate::source::SourceFile, span: fabric_syntax::Span, a: &str, b: &str, why: NoPath, owner: &str) -> Diagnostic {
    let (message, help) = match why {
        NoPath::NoEndpoints => (
            format!("no network path between `{a}` and `{b}`: one of them has no NIC in any fabric"),
            "add a fabric whose `endpoints` cover the NICs there".to_string(),
        ),
        NoPath::NotJoined(x, y) => (
            format!("no network path between `{a}` and `{b}`: fabrics `{x}` and `{y}` are not joined by a campus link"),
            "declare a `link` between their buildings".to_string(),
        ),
        NoPath::LinksDown(x, y, links) => (
            format!(
                "no network path between `{a}` and `{b}`: every campus link between the buildings of fabrics `{x}` and `{y}` is down (`{}`)",
                links.join("`, `")
            ),
            "add a campus link on a separate route, so that no single failure separates the buildings".to_string(),
        ),
        NoPath::OutOfService => (
            format!("no network path between `{a}` and `{b}`: every NIC of one of them is out of service"),
            "keep part of each side on another rack, row or building, so that one failure cannot take it all".to_string(),
        ),
        NoPath::Cut(leaf) => (
            format!("no network path between `{a}` and `{b}`: leaf `{leaf}` has lost every way up to the tier the path needs"),
            "give the fabric more spines, or spread each leaf's uplinks over more of them".to_string(),
        ),
    };
    let mut d = Diagnostic::error(codes::E0502, message, Label::new(file, span, "latency needs a path here")).with_help(help);
    if !owner.is_empty() {
        d = d.with_path(owner.to_string());
    }
    d
}
