//! Redundancy requirements by symmetry: for every class of failures the campus example and
//! the row-loss fixture hold, evaluating one failure per class of identical ones finds the
//! same worst outcome as evaluating every failure (docs/scenarios.md).

use fabric_core::scenario::{Failed, GeneratedNames, Outcome, parse_target, resolve, worst_single_failure};
use fabric_core::source::SourceFile;

/// What two outcomes must share to be the same failure seen twice: GPUs lost, and every
/// diagnostic's code and message and every service's and job's figures.
fn shape(o: &Outcome) -> (u64, Vec<(String, String)>, String, String) {
    let diagnostics = o.diagnostics.iter().map(|d| (d.code.to_string(), d.message.clone())).collect();
    (o.gpus_lost, diagnostics, format!("{:?}", o.services), format!("{:?}", o.training))
}

fn worst_both_ways(spec: &str, class: &str) -> (Outcome, Outcome) {
    let checked = fabric_cli::check_file(std::path::Path::new(spec)).unwrap();
    let (db, project) = (&checked.db, checked.project);
    let plant = fabric_core::plant::plant(db, project);
    let net = fabric_core::pipeline::network(db, project);
    let base = fabric_core::pipeline::budgets(db, project);
    let file = SourceFile::new(db, "<class>".into(), "class".into(), class.into());
    let path = parse_target(class, file).unwrap();
    let candidates: Vec<Failed> = resolve(plant, net, &GeneratedNames::new(plant, net), &path).unwrap();
    assert!(candidates.len() > 1, "{class}");
    let by_class = worst_single_failure(plant, net, base, "any", &candidates, false);
    let every = worst_single_failure(plant, net, base, "any", &candidates, true);
    (by_class, every)
}

#[test]
fn one_failure_per_class_finds_the_worst_of_all() {
    let cases = [
        ("../examples/campus.fabric", "campus.b1.**.scaleout_leaf", 128, 1),
        ("../examples/campus.fabric", "campus.b1.**.scaleout_spine", 72, 1),
        ("../examples/campus.fabric", "campus.b1.h1.r[1].k", 16, 1),
        ("../examples/campus.fabric", "link", 2, 2),
        ("ui/E0706-scenario-row-lost.fabric", "lab.b1.h1.*.k", 8, 1),
        ("ui/E0706-scenario-row-lost.fabric", "lab.b1.h1.r", 2, 1),
    ];
    for (spec, class, candidates, classes) in cases {
        let (by_class, every) = worst_both_ways(spec, class);
        let any = by_class.any_of.clone().unwrap();
        assert_eq!((any.candidates, any.classes), (candidates, classes), "{spec}: {class}");
        assert_eq!(shape(&by_class), shape(&every), "{spec}: {class}: the class's first failure is not the worst");
    }
}
