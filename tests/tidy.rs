//! Tidy checks of the source tree (docs/architecture.md, "Layers"): no file of any crate
//! imports a file that imports it back (directly or around a cycle), no module of
//! fabric-core imports a higher layer, no hand-written Rust file is over 900 lines and no
//! function over 200.
//!
//! Imports are read from the text: `use crate::…` and `use super::…` items, `crate::…`
//! paths, a parent's paths into its child modules (`child::item`), and `super::…` paths in
//! files without inline modules. A method call into another file's `impl` block is not an
//! import and is not seen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates' source folders, from the tests/ package.
const CRATES: &[&str] = &["../compiler/syntax/src", "../compiler/core/src", "../compiler/emit/src", "../compiler/cli/src", "../lsp/src"];

/// fabric-core's layers, bottom first: a module may import only modules of a lower layer.
const CORE_LAYERS: &[&[&str]] = &[
    &["units", "stdlib"],
    &["schema", "source"],
    &["diagnostic", "db"],
    &["load", "fmt"],
    &["resolve"],
    &["plant"],
    &["network"],
    &["check", "inventory", "sim_graph"],
    &["cluster", "scenario", "sim_workloads"],
    &["pipeline"],
];

/// Every `.rs` file under `dir`, by module path (`network::route`; the crate root is `crate`).
fn modules(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())).flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(dir).unwrap_or(&path).with_extension("");
                let mut name = relative.to_string_lossy().replace(['/', '\\'], "::");
                if let Some(parent) = name.strip_suffix("::mod") {
                    name = parent.to_string();
                }
                if name == "lib" || name == "main" {
                    name = "crate".to_string();
                }
                out.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// The text without line comments and without its `#[cfg(test)]` tail.
fn code(text: &str) -> String {
    let text = text.find("#[cfg(test)]").map_or(text, |at| &text[..at]);
    text.lines().map(|l| l.find("//").map_or(l, |at| &l[..at])).collect::<Vec<_>>().join("\n")
}

/// `a::{b, c::{d}}` flattened into `a::b`, `a::c::d`.
fn flatten(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        for part in tree.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(format!("{prefix}{part}"));
        }
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                flatten(&inner[start..i], &head, out);
                start = i + 1;
            }
            _ => {}
        }
    }
    flatten(&inner[start..], &head, out);
}

/// The modules `module` imports, by the rules of this file's doc.
fn imports(module: &str, text: &str, all: &BTreeMap<String, String>) -> BTreeSet<String> {
    let text = code(text);
    let parent: Vec<&str> = if module == "crate" { vec![] } else { module.split("::").collect() };
    let parent = &parent[..parent.len().saturating_sub(1)];
    let mut paths: Vec<(bool, String)> = Vec::new(); // (relative to super, path)
    for line in text.lines() {
        let trimmed = line.trim_start_matches("pub ").trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ");
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        for (prefix, is_super) in [("use crate::", false), ("use super::", true)] {
            if let Some(rest) = trimmed.strip_prefix(prefix) {
                let mut flat = Vec::new();
                flatten(rest.trim_end_matches(';'), "", &mut flat);
                paths.extend(flat.into_iter().map(|p| (is_super, p)));
            }
        }
    }
    let inline_modules = text.lines().any(|l| {
        let l = l.trim_start().trim_start_matches("pub ");
        l.starts_with("mod ") && l.trim_end().ends_with('{')
    });
    for (keyword, is_super) in [("crate::", false), ("super::", true)] {
        if is_super && inline_modules {
            continue;
        }
        for (at, _) in text.match_indices(keyword) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest: String = text[at + keyword.len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            paths.push((is_super, rest));
        }
    }
    let mut out = BTreeSet::new();
    for (is_super, path) in paths {
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let base: Vec<&str> = if is_super { parent.to_vec() } else { vec![] };
        let found = (1..=segments.len()).rev().map(|n| [&base[..], &segments[..n]].concat().join("::")).find(|c| all.contains_key(c));
        let target = found.unwrap_or_else(|| if base.is_empty() { "crate".to_string() } else { base.join("::") });
        if target != module {
            out.insert(target);
        }
    }
    // A parent's paths into its children (`route::Router`, `use generator::Generator`).
    let prefix = if module == "crate" { String::new() } else { format!("{module}::") };
    for child in all.keys().filter_map(|k| k.strip_prefix(&prefix)).filter(|c| !c.contains("::") && *c != "crate") {
        let needle = format!("{child}::");
        let used = text.match_indices(&needle).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        });
        if used {
            out.insert(format!("{prefix}{child}"));
        }
    }
    out
}

/// The import cycles among `graph`'s modules (each as its sorted members).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: the strongly connected components with more than one member.
    let nodes: Vec<&String> = graph.keys().collect();
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for &n in &nodes {
        let mut stack = vec![(n.clone(), false)];
        while let Some((v, done)) = stack.pop() {
            if done {
                order.push(v);
                continue;
            }
            if !seen.insert(v.clone()) {
                continue;
            }
            stack.push((v.clone(), true));
            for w in graph.get(&v).into_iter().flatten() {
                if !seen.contains(w) {
                    stack.push((w.clone(), false));
                }
            }
        }
    }
    let mut reverse: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (v, ws) in graph {
        for w in ws {
            reverse.entry(w).or_default().push(v);
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for v in order.iter().rev() {
        if assigned.contains(v) {
            continue;
        }
        let mut component = Vec::new();
        let mut stack = vec![v];
        while let Some(x) = stack.pop() {
            if !assigned.insert(x.clone()) {
                continue;
            }
            component.push(x.clone());
            stack.extend(reverse.get(x).into_iter().flatten().copied().filter(|w| !assigned.contains(*w)));
        }
        if component.len() > 1 {
            component.sort();
            out.push(component);
        }
    }
    out
}

fn graph_of(dir: &str) -> BTreeMap<String, BTreeSet<String>> {
    let all = modules(Path::new(dir));
    all.iter().map(|(m, text)| (m.clone(), imports(m, text, &all))).collect()
}

#[test]
fn no_file_of_any_crate_imports_one_that_imports_it_back() {
    for dir in CRATES {
        let found = cycles(&graph_of(dir));
        assert!(found.is_empty(), "import cycles in {dir}: {found:?}");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
        ("d".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(cycles(&graph), [vec!["a".to_string(), "b".to_string(), "c".to_string()]]);
    let all: BTreeMap<String, String> = ["crate", "x", "x::y"].iter().map(|m| (m.to_string(), String::new())).collect();
    let found = imports("x::y", "use super::{Thing, other};\nfn f() { crate::x::y::g(); }\n", &all);
    assert_eq!(found, BTreeSet::from(["x".to_string()]));
}

#[test]
fn no_module_of_fabric_core_imports_a_higher_layer() {
    let layer = |module: &str| -> Option<usize> {
        let top = module.split("::").next().unwrap_or(module);
        CORE_LAYERS.iter().position(|names| names.contains(&top))
    };
    let graph = graph_of("../compiler/core/src");
    let mut unplaced = Vec::new();
    let mut upward = Vec::new();
    for (module, imported) in &graph {
        if module == "crate" {
            continue;
        }
        let Some(own) = layer(module) else {
            unplaced.push(module.clone());
            continue;
        };
        for target in imported.iter().filter(|t| *t != "crate") {
            let same_top = target.split("::").next() == module.split("::").next();
            match layer(target) {
                Some(l) if same_top || l < own => {}
                _ => upward.push(format!("{module} → {target}")),
            }
        }
    }
    assert!(unplaced.is_empty(), "modules not placed in CORE_LAYERS (and docs/architecture.md): {unplaced:?}");
    assert!(upward.is_empty(), "imports of a higher or equal layer: {upward:?}");
}

/// Every hand-written Rust file of the workspace (the generated parser left out).
fn rust_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> =
        ["../compiler", "../lsp", "../tests", "../fuzz/fuzz_targets", "../editors"].iter().map(PathBuf::from).collect();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if path.is_dir() && !matches!(name.as_str(), "target" | "node_modules") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && name != "grammar.rs" {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_file_over_900_lines_and_no_function_over_200() {
    let mut long = Vec::new();
    for path in rust_files() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > 900 {
            long.push(format!("{}: {} lines", path.display(), lines.len()));
        }
        for (i, line) in lines.iter().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let head = line.trim_start().trim_start_matches("pub ").trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ");
            let head = head.trim_start_matches("async ").trim_start_matches("const ");
            if !head.starts_with("fn ") || line.trim_end().ends_with(';') {
                continue;
            }
            let closing = " ".repeat(indent) + "}";
            let end = lines[i + 1..].iter().position(|l| *l == closing).map_or(lines.len(), |p| i + 1 + p);
            if end - i + 1 > 200 {
                long.push(format!("{}:{}: fn of {} lines", path.display(), i + 1, end - i + 1));
            }
        }
    }
    assert!(long.is_empty(), "too long: {long:#?}");
}

/// Every block kind of the schema is highlighted by the Emacs and VS Code packages, whose
/// keyword lists are written by hand.
#[test]
fn editor_packages_know_every_block_kind() {
    let emacs = std::fs::read_to_string("../editors/emacs/fabric-mode.el").unwrap();
    let vscode = std::fs::read_to_string("../editors/vscode/syntaxes/fabric.tmLanguage.json").unwrap();
    for kind in fabric_core::schema::Kind::ALL {
        let name = kind.name();
        assert!(emacs.contains(&format!("\"{name}\"")), "editors/emacs/fabric-mode.el lacks the kind `{name}`");
        assert!(
            vscode.contains(&format!("|{name}|")) || vscode.contains(&format!("({name}|")) || vscode.contains(&format!("|{name})")),
            "the VS Code grammar lacks the kind `{name}`"
        );
    }
}
