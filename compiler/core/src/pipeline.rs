//! The pipeline's gates: which stages run for a spec, and every diagnostic it has. A stage
//! after the plant runs only when the stages before it found no error (a network generated
//! from a broken spec would only add noise), so the front ends and the emitters reach those
//! stages through this module's queries, which are the top of fabric-core's layers.

use crate::check::Budgets;
use crate::cluster::Cluster;
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::Inventory;
use crate::network::Network;
use crate::plant::plant;
use crate::resolve::{program, syntax_diagnostics};
use crate::scenario::Scenarios;
use crate::sim_graph::SimGraph;
use crate::source::{Project, parse_file};
use std::sync::Arc;

/// Whether parsing, resolution or elaboration found an error.
pub fn front_errors(db: &dyn salsa::Database, project: Project) -> bool {
    let program = program(db, project);
    let is_error = |d: &Diagnostic| d.severity == Severity::Error;
    program.files.iter().any(|&f| !parse_file(db, f).errors.is_empty())
        || program.diagnostics.iter().any(is_error)
        || plant(db, project).diagnostics.iter().any(is_error)
}

/// Whether the front end found no error and every fabric could be generated: the stages
/// after the network run only then.
pub fn network_built(db: &dyn salsa::Database, project: Project) -> bool {
    !front_errors(db, project) && !crate::network::network(db, project).diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// The generated network; empty while earlier stages report errors.
#[salsa::tracked]
pub fn network(db: &dyn salsa::Database, project: Project) -> Arc<Network> {
    if front_errors(db, project) {
        return Arc::default();
    }
    crate::network::network(db, project).clone()
}

/// The budget checks' figures; empty while earlier stages report errors.
#[salsa::tracked]
pub fn budgets(db: &dyn salsa::Database, project: Project) -> Arc<Budgets> {
    if !network_built(db, project) {
        return Arc::default();
    }
    crate::check::budgets(db, project).clone()
}

/// The DCIM inventory; empty while earlier stages report errors.
#[salsa::tracked]
pub fn inventory(db: &dyn salsa::Database, project: Project) -> Arc<Inventory> {
    if !network_built(db, project) {
        return Arc::default();
    }
    crate::inventory::inventory(db, project).clone()
}

/// The Kubernetes view; empty while earlier stages report errors.
#[salsa::tracked]
pub fn cluster(db: &dyn salsa::Database, project: Project) -> Arc<Cluster> {
    if !network_built(db, project) {
        return Arc::default();
    }
    crate::cluster::cluster(db, project).clone()
}

/// The simulators' graph; empty while earlier stages report errors.
#[salsa::tracked]
pub fn sim_graph(db: &dyn salsa::Database, project: Project) -> Arc<SimGraph> {
    if !network_built(db, project) {
        return Arc::default();
    }
    crate::sim_graph::sim_graph(db, project).clone()
}

/// Every failure scenario's outcome; empty while earlier stages report errors.
#[salsa::tracked]
pub fn scenarios(db: &dyn salsa::Database, project: Project) -> Arc<Scenarios> {
    if !network_built(db, project) {
        return Arc::default();
    }
    crate::scenario::scenarios(db, project).clone()
}

/// Every diagnostic of the spec, sorted by file and position.
#[salsa::tracked]
pub fn check(db: &dyn salsa::Database, project: Project) -> Vec<Diagnostic> {
    let program = program(db, project);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for &file in &program.files {
        diagnostics.extend(syntax_diagnostics(db, file));
    }
    diagnostics.extend(program.diagnostics.iter().cloned());
    diagnostics.extend(plant(db, project).diagnostics.iter().cloned());
    diagnostics.extend(network(db, project).diagnostics.iter().cloned());
    diagnostics.extend(budgets(db, project).diagnostics.iter().cloned());
    diagnostics.extend(inventory(db, project).diagnostics.iter().cloned());
    diagnostics.extend(cluster(db, project).diagnostics.iter().cloned());
    diagnostics.extend(scenarios(db, project).diagnostics.iter().cloned());
    diagnostics.sort_by(|a, b| {
        (a.primary.file.display_path(db), a.primary.span.start, a.code).cmp(&(
            b.primary.file.display_path(db),
            b.primary.span.start,
            b.code,
        ))
    });
    diagnostics.dedup();
    diagnostics
}
