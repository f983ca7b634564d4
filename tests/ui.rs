//! UI tests: each fixture in tests/ui is checked and its rendered diagnostics compared with
//! an insta snapshot in tests/snapshots. Every diagnostic code has at least one fixture.

use fabric_core::diagnostic::codes;
use std::collections::BTreeSet;

#[test]
fn ui_fixtures_match_their_snapshots() {
    let fixtures = fabric_tests::ui_fixtures();
    assert!(fixtures.len() >= 25, "fixtures not found: run from the tests/ package");
    let mut seen = BTreeSet::new();
    for path in fixtures {
        let (rendered, codes) = fabric_tests::render(&path);
        assert!(!codes.is_empty(), "{} is a UI fixture but reports nothing", path.display());
        let name = path
            .to_string_lossy()
            .trim_start_matches("ui/")
            .trim_start_matches("../examples/errors/")
            .trim_end_matches(".fabric")
            .replace('/', "__");
        // The fixture's name says which code it is about; that code must be reported.
        let expected = &name[..5];
        assert!(codes.contains(&expected), "{} does not report {expected}: {codes:?}", path.display());
        seen.extend(codes);
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
    // E0901 needs a 16 MiB file, E0905 and E0906 dozens and hundreds of files: they have
    // their own tests below. W0804 comes from the sim export, not `fabric check`: its
    // snapshot is in sim.rs.
    let own_test = ["E0901", "W0804", "E0905", "E0906"];
    let missing: Vec<&str> = codes::ALL.iter().map(|c| c.as_str()).filter(|c| !seen.contains(c) && !own_test.contains(c)).collect();
    assert!(missing.is_empty(), "codes without a UI fixture: {missing:?}");
}

#[test]
fn oversized_file_is_refused_before_lexing() {
    let dir = std::env::temp_dir().join(format!("fabric-e0901-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.fabric");
    let mut text = String::from("rack R { units = 42 U }\n");
    text.push_str(&"// padding\n".repeat(fabric_syntax::MAX_FILE_BYTES / 11 + 1));
    std::fs::write(&path, text).unwrap();
    let checked = fabric_cli::check_file(&path).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0901"]);
}

/// Checks `main.fabric` of a generated tree and renders its diagnostics with the folder's
/// path replaced by `<project>`.
fn check_tree(dir: &std::path::Path) -> (String, Vec<&'static str>) {
    let checked = fabric_cli::check_file(&dir.join("main.fabric")).unwrap();
    let codes = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    let rendered = fabric_cli::render_human(&checked.db, &checked.diagnostics, false);
    (rendered.replace(&dir.to_string_lossy().into_owned(), "<project>"), codes)
}

#[test]
fn an_import_chain_deeper_than_64_files_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.fabric"), "import \"f1.fabric\"\n").unwrap();
    for i in 1..=65 {
        let import = if i < 65 { format!("import \"f{}.fabric\"\n", i + 1) } else { String::new() };
        std::fs::write(dir.path().join(format!("f{i}.fabric")), format!("{import}rack R{i} {{\n  units = 1 U\n}}\n")).unwrap();
    }
    let (rendered, codes) = check_tree(dir.path());
    assert_eq!(codes, ["E0905"], "{rendered}");
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("E0905-import-chain-too-deep", rendered);
    });
    // 64 deep is allowed.
    std::fs::write(dir.path().join("f64.fabric"), "rack R64 {\n  units = 1 U\n}\n").unwrap();
    assert!(check_tree(dir.path()).1.is_empty());
}

#[test]
fn a_spec_of_more_than_1000_files_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut main = String::new();
    for i in 0..1000 {
        main.push_str(&format!("import \"part{i}.fabric\"\n"));
        std::fs::write(dir.path().join(format!("part{i}.fabric")), format!("rack P{i} {{\n  units = 1 U\n}}\n")).unwrap();
    }
    std::fs::write(dir.path().join("main.fabric"), main).unwrap();
    let (rendered, codes) = check_tree(dir.path());
    // The entry file and the prelude count: the last imports do not fit.
    assert!(!codes.is_empty() && codes.iter().all(|c| *c == "E0906"), "{codes:?}");
    let first = rendered.split("\n\n").next().unwrap_or_default().to_string();
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("E0906-too-many-files", first);
    });
}
