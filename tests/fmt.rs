//! The formatter keeps meaning: every example and UI fixture that parses, formatted, checks
//! to the same diagnostics (codes and messages) and the same report, and formatting it
//! again changes nothing.

use std::path::PathBuf;

fn specs() -> Vec<PathBuf> {
    let mut out = fabric_tests::ui_fixtures();
    for entry in std::fs::read_dir("../examples").unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "fabric") {
            out.push(entry.path());
        }
    }
    out
}

/// The report without source positions, which formatting moves.
fn meaning(checked: &fabric_cli::Checked) -> (Vec<(String, String)>, serde_json::Value) {
    let diagnostics = checked.diagnostics.iter().map(|d| (d.code.as_str().to_string(), d.message.clone())).collect();
    let mut report = serde_json::to_value(fabric_emit::report::build(&checked.db, checked.project)).unwrap();
    let unplace = |list: &mut serde_json::Value| {
        for d in list.as_array_mut().into_iter().flatten() {
            d["line"] = serde_json::Value::Null;
            d["column"] = serde_json::Value::Null;
        }
    };
    unplace(&mut report["diagnostics"]);
    for scenario in report["scenarios"].as_array_mut().into_iter().flatten() {
        unplace(&mut scenario["diagnostics"]);
    }
    (diagnostics, report)
}

#[test]
fn formatting_keeps_every_spec_meaning_the_same() {
    let mut formatted_count = 0;
    for path in specs() {
        if path.is_dir() || path.to_string_lossy().contains("E0901") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(formatted) = fabric_core::fmt::format(&text) else { continue };
        formatted_count += 1;
        assert_eq!(fabric_core::fmt::format(&formatted).unwrap(), formatted, "not idempotent: {}", path.display());
        let before = fabric_cli::check_source(&path, text).unwrap();
        let after = fabric_cli::check_source(&path, formatted).unwrap();
        assert_eq!(meaning(&before), meaning(&after), "{} means something else once formatted", path.display());
    }
    assert!(formatted_count > 40, "only {formatted_count} specs formatted");
}
