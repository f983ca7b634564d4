//! Failure scenarios end to end (LANGUAGE.md 8.4, docs/scenarios.md): `scenario` blocks,
//! `fabric check --fail`, the report's `scenarios[]` and table, and `fabric diff` of
//! verdicts, run through the binary.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn fabric(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_fabric")).args(args).current_dir("../..").env("NO_COLOR", "1").output().expect("fabric runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The two-link fixture without its scenario blocks, written to a temporary folder.
fn two_links_without_scenarios() -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string("../../tests/ui/E0502-scenario-both-links-down.fabric").unwrap();
    let spec = &text[..text.find("scenario lose_north").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two-links.fabric");
    std::fs::write(&path, spec).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

#[test]
fn two_campus_links_survive_one_loss_and_not_two() {
    let (_dir, spec) = two_links_without_scenarios();
    // The spec's own checks.
    let (code, own, stderr) = fabric(&["check", "--format", "json", &spec]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&own), serde_json::json!([]));
    // Losing one link: the assert's path takes the other.
    let (code, stdout, stderr) = fabric(&["check", &spec, "--fail", "north"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
    assert!(stderr.contains("scenario `--fail` (north): 0 GPUs out of service; the spec holds"), "{stderr}");
    // Losing both: E0502 inside the scenario, exit 1.
    let (code, stdout, stderr) = fabric(&["check", "--format", "json", &spec, "--fail", "north", "--fail", "south"]);
    assert_eq!(code, 1, "{stderr}");
    let diagnostics = json(&stdout);
    let list = diagnostics.as_array().unwrap();
    assert_eq!(list.len(), 1, "{stdout}");
    assert_eq!(list[0]["code"], "E0502");
    assert_eq!(list[0]["scenario"], "--fail");
    assert!(list[0]["message"].as_str().unwrap().contains("every campus link between the buildings of fabrics `f1` and `f2` is down"));
    // The spec's own checks are unchanged by the scenario.
    let own_in_scenario: Vec<&serde_json::Value> = list.iter().filter(|d| d["scenario"].is_null()).collect();
    assert!(own_in_scenario.is_empty(), "{stdout}");
}

#[test]
fn scenario_blocks_report_once_each_with_their_name() {
    let spec = "tests/ui/E0502-scenario-both-links-down.fabric";
    let (code, stdout, _) = fabric(&["check", "--format", "json", spec]);
    assert_eq!(code, 1);
    let list = json(&stdout);
    let scenarios: Vec<&str> = list.as_array().unwrap().iter().map(|d| d["scenario"].as_str().unwrap_or("(own)")).collect();
    assert_eq!(scenarios, ["lose_both"], "lose_north and any_link hold: {stdout}");
    // SARIF carries the scenario as a result property.
    let (_, sarif, _) = fabric(&["check", "--format", "sarif", spec]);
    assert_eq!(json(&sarif)["runs"][0]["results"][0]["properties"]["scenario"], "lose_both");
    // The report: one entry per scenario, with the redundancy requirement's coverage.
    let (code, report, _) = fabric(&["report", "--format", "json", spec]);
    assert_eq!(code, 1);
    let report = json(&report);
    let names: Vec<&str> = report["scenarios"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["lose_north", "lose_both", "any_link"]);
    let any = &report["scenarios"][2];
    assert_eq!(any["holds"], true);
    assert_eq!(any["any_of"], serde_json::json!({"candidates": 2, "classes": 2, "like_worst": 1}));
    assert_eq!(report["scenarios"][1]["failed"], serde_json::json!(["north", "south"]));
    assert_eq!(report["scenarios"][1]["diagnostics"][0]["scenario"], "lose_both");
}

#[test]
fn losing_a_row_reports_the_gpus_lost_and_the_service_fails_its_slo() {
    let spec = "tests/ui/E0706-scenario-row-lost.fabric";
    let (code, stdout, _) = fabric(&["report", "--format", "json", spec]);
    assert_eq!(code, 1);
    let report = json(&stdout);
    let row = &report["scenarios"][0];
    assert_eq!((row["name"].as_str(), row["gpus_lost"].as_u64(), row["holds"].as_bool()), (Some("lose_row"), Some(32), Some(false)));
    assert_eq!(row["diagnostics"][0]["code"], "E0706");
    assert_eq!(row["services"][0]["gpus_placed"], 32);
    let rack = &report["scenarios"][1];
    assert_eq!((rack["gpus_lost"].as_u64(), rack["holds"].as_bool()), (Some(8), Some(true)));
    assert_eq!(rack["services"][0]["gpus_needed"], report["services"][0]["gpus_needed"], "one rack less changes nothing");
    // The table: one row per scenario with each service's verdict.
    let (_, table, _) = fabric(&["report", spec]);
    let lines: Vec<&str> = table.lines().skip_while(|l| *l != "Scenarios").collect();
    assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>(), ["scenario", "fails", "GPUs", "lost", "holds", "services", "and", "jobs"]);
    assert_eq!(lines[2].split_whitespace().collect::<Vec<_>>(), ["lose_row", "lab.b1.h1.r[1]", "32", "no", "chat", "E0706"]);
    assert_eq!(lines[3].split_whitespace().collect::<Vec<_>>(), ["lose_rack", "lab.b1.h1.r[2].k[4]", "8", "yes", "chat", "ok"]);
}

#[test]
fn fail_paths_that_match_nothing_are_usage_errors() {
    let (code, _, stderr) = fabric(&["check", "examples/campus.fabric", "--fail", "campus.b1.h1.r[1].eor[1].scaleout_leef[1]"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[E1101]: path `campus.b1.h1.r[1].eor[1].scaleout_leef[1]` matches nothing"), "{stderr}");
    assert!(stderr.contains("did you mean `scaleout_leaf`?"), "{stderr}");
    let (code, _, stderr) = fabric(&["check", "examples/campus.fabric", "--fail", "3 +"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`3 +` is not a path"), "{stderr}");
}

#[test]
fn a_generated_leaf_fails_by_its_canonical_name() {
    let leaf = "campus.b1.h1.r[1].eor[1].scaleout_leaf[1]";
    let (code, stdout, stderr) = fabric(&["check", "--format", "json", "examples/campus.fabric", "--fail", leaf]);
    assert_eq!(code, 1, "{stderr}");
    // The leaf serves 72 NICs of 18 four-GPU trays; the training job asks for every GPU.
    let list = json(&stdout);
    assert_eq!(list[0]["code"], "E1004");
    assert!(list[0]["message"].as_str().unwrap().contains("its placement holds 9,144"), "{stdout}");
}

#[test]
fn the_campus_example_survives_its_redundancy_requirements() {
    let (code, stdout, stderr) = fabric(&["report", "--format", "json", "examples/campus.fabric"]);
    assert_eq!(code, 0, "{stderr}");
    let report = json(&stdout);
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    for s in scenarios {
        assert_eq!(s["holds"], true, "{s}");
        assert_eq!(s["gpus_lost"], 0, "{s}");
    }
    // 72 spines of one shape are one class.
    assert_eq!(scenarios[1]["any_of"], serde_json::json!({"candidates": 72, "classes": 1, "like_worst": 72}));
}

#[test]
fn diff_of_a_change_that_breaks_a_scenario_shows_the_scenario_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("../../tests/ui/E0502-scenario-both-links-down.fabric").unwrap();
    let old = dir.path().join("old.fabric");
    let new = dir.path().join("new.fabric");
    // OLD drops the failing scenario; NEW keeps `any_link` but loses its second link.
    std::fs::write(&old, text.replace("scenario lose_both {\n  fail = [north, south]\n}\n", "")).unwrap();
    let without_south = text
        .replace("scenario lose_both {\n  fail = [north, south]\n}\n", "")
        .replace("link south {\n  from = campus.b1\n  to = campus.b2\n  distance = 3 km\n  medium = SMF\n}\n", "");
    std::fs::write(&new, without_south.replace("scenario lose_north {\n  fail = north\n}\n", "")).unwrap();
    let (code, stdout, stderr) = fabric(&["diff", "--format", "json", &old.to_string_lossy(), &new.to_string_lossy()]);
    // NEW has an error (any_link no longer holds), so it is not compared.
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("in scenario `any_link`"), "{stderr}");
}

#[test]
fn diff_reports_a_scenario_whose_verdict_changes() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("../../tests/ui/E0706-scenario-row-lost.fabric").unwrap();
    let holds = text.replace("scenario lose_row {\n  fail = lab.b1.h1.r[1]\n}\n", "");
    let old = dir.path().join("old.fabric");
    let new = dir.path().join("new.fabric");
    std::fs::write(&old, &holds).unwrap();
    std::fs::write(&new, holds.replace("fail = lab.b1.h1.r[2].k[4]", "fail = lab.b1.h1.r[2].k[3..4]")).unwrap();
    let (code, stdout, stderr) = fabric(&["diff", "--format", "json", &old.to_string_lossy(), &new.to_string_lossy()]);
    assert_eq!(code, 1, "{stderr}");
    let diff = json(&stdout);
    let changes: Vec<(String, String, String)> = diff["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap().to_string(), c["old"].to_string(), c["new"].to_string()))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "failed".to_string(),
                r#"["lab.b1.h1.r[2].k[4]"]"#.to_string(),
                r#"["lab.b1.h1.r[2].k[3]","lab.b1.h1.r[2].k[4]"]"#.to_string()
            ),
            ("gpus_lost".to_string(), "8".to_string(), "16".to_string()),
        ]
    );
    let (_, human, _) = fabric(&["diff", &old.to_string_lossy(), &new.to_string_lossy()]);
    assert!(human.contains("scenario lose_rack: gpus_lost 8 -> 16"), "{human}");
}
