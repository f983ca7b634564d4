//! Helpers shared by the end-to-end tests: where the fixtures are, and how a spec's
//! diagnostics are rendered for snapshots.

use std::path::{Path, PathBuf};

/// The UI fixtures: every `tests/ui/*.fabric`, the `main.fabric` of every folder in it, and
/// every `examples/errors/<CODE>-*.fabric`.
pub fn ui_fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("ui") else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "fabric") {
            out.push(path);
        } else if path.join("main.fabric").exists() {
            out.push(path.join("main.fabric"));
        }
    }
    // The failing examples double as UI fixtures: examples/errors/<CODE>-*.fabric.
    if let Ok(entries) = std::fs::read_dir("../examples/errors") {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if path.extension().is_some_and(|e| e == "fabric") && (name.starts_with('E') || name.starts_with('W')) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Checks the spec at `path` and renders its diagnostics as `fabric check` prints them,
/// without colour.
pub fn render(path: &Path) -> (String, Vec<&'static str>) {
    let checked = fabric_cli::check_file(path).expect("fixture is readable");
    let codes = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    (fabric_cli::render_human(&checked.db, &checked.diagnostics, false), codes)
}

/// Writes `text` to a fresh folder as `main.fabric` and checks it; returns the codes, the
/// report and the rendered diagnostics. `name` keeps concurrent tests apart.
pub fn check_text(name: &str, text: &str) -> (Vec<&'static str>, fabric_emit::report::Report, String) {
    let dir = std::env::temp_dir().join(format!("fabric-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let path = dir.join("main.fabric");
    std::fs::write(&path, text).expect("temporary spec");
    let checked = fabric_cli::check_file(&path).expect("spec is readable");
    let report = fabric_emit::report::build(&checked.db, checked.project);
    let rendered = fabric_cli::render_human(&checked.db, &checked.diagnostics, false);
    std::fs::remove_dir_all(&dir).ok();
    (checked.diagnostics.iter().map(|d| d.code.as_str()).collect(), report, rendered)
}

/// The validation table of a model doc (docs/slo-model.md, docs/training-model.md): each
/// row `| `id` | configuration | source | reference | Fabric | ratio |` as its id and its
/// Fabric column (NaN where that does not parse).
pub fn validation_table(doc: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 7 {
            continue;
        }
        out.push((cells[1].trim_matches('`').to_string(), cells[5].replace(',', "").parse().unwrap_or(f64::NAN)));
    }
    out
}
