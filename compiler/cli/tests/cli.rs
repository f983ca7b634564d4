//! End-to-end tests of the `fabric` binary: exit codes, output formats, explain, colours.

use std::process::Command;

fn fabric(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_fabric")).args(args).current_dir("../..").env_remove("NO_COLOR").output().expect("fabric runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn language_example_checks_cleanly() {
    let (code, stdout, stderr) = fabric(&["check", "examples/campus.fabric"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: examples/campus.fabric: 1 site, 2 buildings, 2 halls, 153 racks"), "{stdout}");
    assert_eq!(stderr, "");
}

#[test]
fn three_syntax_errors_exit_1_with_spans() {
    let (code, _, stderr) = fabric(&["check", "tests/ui/E0101-three-syntax-errors.fabric"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.matches("error[E0101]").count(), 3, "{stderr}");
    assert!(stderr.contains("E0101-three-syntax-errors.fabric:3:17"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colours when stderr is not a terminal");
}

#[test]
fn json_output_has_the_documented_fields() {
    let (code, stdout, _) = fabric(&["check", "--format", "json", "tests/ui/E0302-wrong-dimension.fabric"]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    let first = &value.as_array().expect("an array")[0];
    for key in ["code", "severity", "message", "file", "line", "column", "end", "path"] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["code"], "E0302");
    assert_eq!(first["severity"], "error");
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(3), Some(17)));
    assert_eq!((first["end"]["line"].as_u64(), first["end"]["column"].as_u64()), (Some(3), Some(22)));
    let message = first["message"].as_str().unwrap();
    assert!(message.contains("power") && message.contains("time"), "{message}");
}

#[test]
fn sarif_output_is_a_sarif_2_1_0_log() {
    let (code, stdout, _) = fabric(&["check", "--format", "sarif", "tests/ui/E0303-mixed-dimensions.fabric"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fabric");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "E0303");
    assert_eq!(result["level"], "error");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(result["relatedLocations"].as_array().map(Vec::len), Some(1));
}

#[test]
fn explain_prints_every_code_and_refuses_unknown_ones() {
    let (code, stdout, _) = fabric(&["explain", "--list"]);
    assert_eq!(code, 0);
    let codes: Vec<&str> = stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(codes.len() >= 29);
    for c in codes {
        let (status, text, _) = fabric(&["explain", c]);
        assert_eq!(status, 0);
        assert!(text.starts_with(&format!("# {c}: ")), "{text}");
    }
    let (status, _, stderr) = fabric(&["explain", "E9999"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("no diagnostic code `E9999`"), "{stderr}");
}

#[test]
fn missing_file_and_directory_are_usage_errors() {
    let (code, _, stderr) = fabric(&["check", "examples/nope.fabric"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read `examples/nope.fabric`"), "{stderr}");
    let (code, _, stderr) = fabric(&["check", "examples"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is a directory"), "{stderr}");
    let (code, _, _) = fabric(&["check"]);
    assert_eq!(code, 2);
}

#[test]
fn huge_array_is_refused_quickly() {
    let (code, _, stderr) = fabric(&["check", "tests/ui/E0902-too-many-instances.fabric"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("error[E0902]"), "{stderr}");
}
