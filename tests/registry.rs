//! The diagnostic registry: every code has its explanation file, every explanation file has
//! its code, and every code the syntax crate emits is registered.

use fabric_core::diagnostic::{Code, codes};

#[test]
fn every_code_has_an_explanation_and_every_explanation_a_code() {
    for code in codes::ALL {
        let text = code.explanation();
        assert!(text.starts_with(&format!("# {code}: ")), "docs/diagnostics/{code}.md must start with its heading");
        assert!(text.len() > 80, "docs/diagnostics/{code}.md is too thin");
    }
    let mut files: Vec<String> = std::fs::read_dir("../docs/diagnostics")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".md").to_string())
        .collect();
    files.sort();
    let mut registered: Vec<String> = codes::ALL.iter().map(|c| c.as_str().to_string()).collect();
    registered.sort();
    assert_eq!(files, registered);
}

#[test]
fn codes_written_in_the_compiler_are_registered() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["../compiler/syntax/src", "../compiler/core/src", "../compiler/cli/src"] {
        walk(std::path::Path::new(dir), &mut files);
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for prefix in ["\"E0", "\"W0"] {
            for (i, _) in text.match_indices(prefix) {
                let code = &text[i + 1..(i + 6).min(text.len())];
                if code.chars().skip(1).all(|c| c.is_ascii_digit()) {
                    assert!(Code::lookup(code).is_some(), "{} emits unregistered {code}", path.display());
                }
            }
        }
    }
}

/// Tidy: every Rust source file of the project opens with a `//!` module doc.
#[test]
fn every_source_file_has_a_module_doc() {
    fn walk(dir: &std::path::Path, missing: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, missing);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    let mut missing = Vec::new();
    for dir in ["../compiler", "../lsp", "."] {
        walk(std::path::Path::new(dir), &mut missing);
    }
    missing.retain(|p| !p.contains("/target/") && !p.contains("snapshots"));
    assert!(missing.is_empty(), "files without a `//!` module doc: {missing:?}");
}
