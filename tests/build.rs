//! Generates one `#[test]` per UI fixture (tests/ui/*.fabric, tests/ui/*/main.fabric and
//! examples/errors/<CODE>-*.fabric), so that `cargo test E0401` runs and reports one case.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=ui");
    println!("cargo:rerun-if-changed=../examples/errors");
    let mut fixtures: Vec<String> = Vec::new();
    for entry in std::fs::read_dir("ui").into_iter().flatten().flatten() {
        let path = entry.path();
        let name = path.to_string_lossy().replace('\\', "/");
        if path.extension().is_some_and(|e| e == "fabric") {
            fixtures.push(name);
        } else if path.join("main.fabric").exists() {
            println!("cargo:rerun-if-changed={name}");
            fixtures.push(format!("{name}/main.fabric"));
        }
    }
    for entry in std::fs::read_dir("../examples/errors").into_iter().flatten().flatten() {
        let path = entry.path();
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.extension().is_some_and(|e| e == "fabric") && (file.starts_with('E') || file.starts_with('W')) {
            fixtures.push(format!("../examples/errors/{file}"));
        }
    }
    fixtures.sort();
    let mut out = String::new();
    for fixture in &fixtures {
        let stem = fixture.trim_start_matches("ui/").trim_start_matches("../examples/errors/").trim_end_matches(".fabric");
        let ident: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let _ = writeln!(out, "#[test]\n#[allow(non_snake_case)]\nfn ui_{ident}() {{\n    check_fixture({fixture:?});\n}}\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("ui_fixtures.rs");
    std::fs::write(dest, out).expect("write the generated UI tests");
}
