//! Failure scenarios (LANGUAGE.md 8.4, docs/scenarios.md): each `scenario` block names what
//! fails (`fail`), or a class of which any one may fail (`fail_any`, a redundancy
//! requirement). The checks a failure can change re-run on the plant and network without
//! it ([`outage`]); what they report beyond the spec's own diagnostics belongs to the
//! scenario, keeps its code and names the scenario. `fabric check --fail PATH` runs one
//! such scenario from the command line ([`evaluate_paths`]).

mod outage;
mod outcome;
mod redundancy;
mod targets;

pub use outage::{Degraded, degrade};
pub use outcome::{AnyOf, Outcome, evaluate};
pub use redundancy::{classes as failure_classes, worst as worst_single_failure};
pub use targets::{Failed, GeneratedNames, parse_target, resolve};

use crate::check::Budgets;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::Network;
use crate::plant::{InstanceId, Plant, path_miss};
use crate::resolve::PlantPath;
use crate::schema::Kind;
use std::sync::Arc;

/// Every scenario's outcome, and the diagnostics of the scenarios themselves (E11xx) and
/// of their outcomes.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Scenarios {
    /// One per `scenario` block that could be evaluated, in source order.
    pub outcomes: Vec<Outcome>,
    /// Every diagnostic of the stage.
    pub diagnostics: Vec<Diagnostic>,
}

/// The command line's scenario: `paths` fail together. Errors name a path that matches
/// nothing, with what could have been meant.
pub fn evaluate_paths(plant: &Plant, net: &Network, base: &Budgets, paths: &[PlantPath]) -> Result<Outcome, Vec<Diagnostic>> {
    let generated = GeneratedNames::new(plant, net);
    let (failed, misses) = resolve_all(plant, net, &generated, paths);
    if !misses.is_empty() {
        return Err(misses);
    }
    let mut outcome = evaluate(plant, net, base, "--fail", &failed);
    let failed_text = outcome.failed.join(", ");
    outcome.diagnostics = outcome.diagnostics.into_iter().map(|d| tag(d, "--fail", &failed_text, None)).collect();
    Ok(outcome)
}

/// Resolves every path; the E1101 diagnostics of those that match nothing.
fn resolve_all(plant: &Plant, net: &Network, generated: &GeneratedNames, paths: &[PlantPath]) -> (Vec<Failed>, Vec<Diagnostic>) {
    let (mut failed, mut misses) = (Vec::new(), Vec::new());
    for path in paths {
        match resolve(plant, net, generated, path) {
            Ok(f) => failed.extend(f),
            Err(miss) => misses.push(
                path_miss(codes::E1101, path, &miss)
                    .with_note("a scenario fails instances, campus links, or generated racks and switches by their canonical names"),
            ),
        }
    }
    failed.sort_unstable();
    failed.dedup();
    (failed, misses)
}

/// Marks a diagnostic as the scenario's: its message says so, and a label points at what
/// the scenario fails.
fn tag(mut d: Diagnostic, name: &str, failed: &str, at: Option<(crate::source::SourceFile, fabric_syntax::Span)>) -> Diagnostic {
    d.message = format!("in scenario `{name}`: {}", d.message);
    d.scenario = Some(name.to_string());
    match at {
        Some((file, span)) => d.secondary.push(Label::new(file, span, format!("scenario `{name}` fails {failed}"))),
        None => d.notes.push(format!("scenario `{name}` fails {failed}")),
    }
    d
}

/// Evaluates every `scenario` block of the plant against the spec's own figures `base`.
pub fn run(plant: &Plant, net: &Network, base: &Budgets) -> Scenarios {
    let roots: Vec<InstanceId> = plant.roots().filter(|&r| plant.kind(r) == Kind::Scenario).collect();
    let mut out = Scenarios::default();
    if roots.is_empty() {
        return out;
    }
    let generated = GeneratedNames::new(plant, net);
    let program = plant.program.clone();
    for root in roots {
        let decl = plant.get(root).decl;
        let d = program.decl(decl);
        let name = d.name.clone().unwrap_or_default();
        let (fail, any) = (plant.field_paths(decl, "fail"), plant.field_paths(decl, "fail_any"));
        if fail.is_empty() == any.is_empty() {
            let both = !fail.is_empty();
            out.diagnostics.push(
                Diagnostic::error(
                    codes::E1102,
                    if both {
                        format!("scenario `{name}` sets both `fail` and `fail_any`")
                    } else {
                        format!("scenario `{name}` fails nothing")
                    },
                    Label::new(d.file, d.name_span, if both { "two kinds of failure" } else { "nothing fails here" }),
                )
                .with_help(if both {
                    "split it in two: `fail` names what fails together; `fail_any` asks that any one of a class may fail"
                } else {
                    "add `fail = PATH` (what fails together) or `fail_any = PATH` (any one of these may fail)"
                })
                .with_path(name.clone()),
            );
            continue;
        }
        let (paths, field) = if any.is_empty() { (fail, "fail") } else { (any, "fail_any") };
        let (failed, misses) = resolve_all(plant, net, &generated, &paths);
        if !misses.is_empty() {
            out.diagnostics.extend(misses);
            continue;
        }
        let mut outcome =
            if field == "fail" { evaluate(plant, net, base, &name, &failed) } else { redundancy::worst(plant, net, base, &name, &failed) };
        outcome.decl = Some(decl);
        let at = program.field_origin(decl, field);
        let failed_text = match &outcome.any_of {
            Some(any) => {
                let others = any.like_worst.saturating_sub(1);
                format!(
                    "any one of {}; the worst is {}{}",
                    crate::units::group_thousands(u128::from(any.candidates)),
                    outcome.failed.join(", "),
                    if others > 0 { format!(", like {} others", crate::units::group_thousands(u128::from(others))) } else { String::new() }
                )
            }
            None => outcome.failed.join(", "),
        };
        outcome.diagnostics = outcome.diagnostics.into_iter().map(|d| tag(d, &name, &failed_text, at)).collect();
        out.diagnostics.extend(outcome.diagnostics.iter().cloned());
        out.outcomes.push(outcome);
    }
    out
}

/// The query: every scenario's outcome. Only meaningful where the network was built; the
/// gated entry point is [`crate::pipeline::scenarios`].
#[salsa::tracked]
pub fn scenarios(db: &dyn salsa::Database, project: crate::source::Project) -> Arc<Scenarios> {
    let plant = crate::plant::plant(db, project);
    Arc::new(run(plant, crate::network::network(db, project), crate::check::budgets(db, project)))
}
