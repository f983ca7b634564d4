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
    // E0901 needs a 16 MiB file; it has its own test below. W0804 comes from the sim export,
    // not `fabric check`: its snapshot is in sim.rs.
    let own_test = ["E0901", "W0804"];
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
