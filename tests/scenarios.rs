//! Redundancy requirements by symmetry (docs/scenarios.md): failures with one signature are
//! evaluated once, on the assumption that they fail identically. These tests evaluate
//! every member of every class of the campus example's leaves, spines, racks and links and
//! of the row-loss fixture's racks and rows, and check that each member fails exactly like
//! its class's first.

use fabric_core::scenario::{Failed, GeneratedNames, Outcome, evaluate, failure_classes, parse_target, resolve};
use fabric_core::source::SourceFile;

/// What two outcomes must share to be the same failure seen twice: GPUs lost, and every
/// diagnostic's code and message and every service's and job's figures.
fn shape(o: &Outcome) -> (u64, Vec<(String, String)>, String, String) {
    let diagnostics = o.diagnostics.iter().map(|d| (d.code.to_string(), d.message.clone())).collect();
    (o.gpus_lost, diagnostics, format!("{:?}", o.services), format!("{:?}", o.training))
}

/// Checks that every member of every class of `class` in `spec` fails like the class's
/// first member; returns (candidates, classes).
fn members_fail_alike(spec: &str, class: &str) -> (usize, usize) {
    let checked = fabric_cli::check_file(std::path::Path::new(spec)).unwrap();
    let (db, project) = (&checked.db, checked.project);
    let plant = fabric_core::plant::plant(db, project);
    let net = fabric_core::pipeline::network(db, project);
    let base = fabric_core::pipeline::budgets(db, project);
    let file = SourceFile::new(db, "<class>".into(), "class".into(), class.into());
    let path = parse_target(class, file).unwrap();
    let candidates: Vec<Failed> = resolve(plant, net, &GeneratedNames::new(plant, net), &path).unwrap();
    let classes = failure_classes(plant, net, &candidates);
    for members in &classes {
        let first = shape(&evaluate(plant, net, base, "any", &members[..1]));
        for &member in &members[1..] {
            let other = shape(&evaluate(plant, net, base, "any", &[member]));
            assert_eq!(first, other, "{spec}: {class}: {} fails unlike {}", member.name(plant, net), members[0].name(plant, net));
        }
    }
    (candidates.len(), classes.len())
}

#[test]
fn members_of_a_failure_class_fail_alike() {
    let cases = [
        ("../examples/campus.fabric", "campus.b1.**.scaleout_leaf", (128, 1)),
        ("../examples/campus.fabric", "campus.b1.**.scaleout_spine", (72, 1)),
        ("../examples/campus.fabric", "campus.b1.h1.r[1].k", (16, 1)),
        ("../examples/campus.fabric", "link", (2, 2)),
        ("ui/E0706-scenario-row-lost.fabric", "lab.b1.h1.*.k", (8, 1)),
        ("ui/E0706-scenario-row-lost.fabric", "lab.b1.h1.r", (2, 1)),
    ];
    for (spec, class, expected) in cases {
        assert_eq!(members_fail_alike(spec, class), expected, "{spec}: {class}");
    }
}
