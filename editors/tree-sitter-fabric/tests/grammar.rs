//! The tree-sitter grammar against the real thing: every file under examples/ and stdlib/
//! parses without an error node; a broken file does not; every query of the grammar, the
//! Neovim package and the Helix package compiles against it; the highlight query captures
//! what it should; the Helix languages.toml has what Helix needs.

use std::path::{Path, PathBuf};
use tree_sitter::{Language, Parser, Query, QueryCursor, StreamingIterator};

fn language() -> Language {
    tree_sitter_fabric::LANGUAGE.into()
}

fn parse(text: &str) -> tree_sitter::Tree {
    let mut parser = Parser::new();
    parser.set_language(&language()).expect("the grammar loads");
    parser.parse(text, None).expect("a tree")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fabric_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            fabric_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "fabric") {
            out.push(path);
        }
    }
}

/// The first error or missing node, as `line:column kind`.
fn first_error(node: tree_sitter::Node) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let at = node.start_position();
        return Some(format!("{}:{} {}", at.row + 1, at.column + 1, node.to_sexp()));
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).find_map(first_error)
}

#[test]
fn every_example_and_stdlib_file_parses_without_errors() {
    let mut files = Vec::new();
    fabric_files(&repo().join("examples"), &mut files);
    fabric_files(&repo().join("stdlib"), &mut files);
    assert!(files.len() > 15, "examples and stdlib not found: {files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let tree = parse(&text);
        assert!(!tree.root_node().has_error(), "{}: {:?}", path.display(), first_error(tree.root_node()));
    }
}

#[test]
fn a_broken_file_has_an_error_node() {
    assert!(parse("rack R {\n  units = \n").root_node().has_error());
    assert!(parse("site s { = 3 }").root_node().has_error());
}

#[test]
fn tokens_of_the_language_parse_as_they_should() {
    let tree = parse(
        "import std.nvidia.{H100, B200}\n/// doc\nrack R { units = 48 U /* a /* nested */ comment */ rate = 800 Gb/s }\nconst c = -2 * 3kW + 1\nassert power(a.**.nic) <= c, \"msg \\u{1F680}\"\n",
    );
    let sexp = tree.root_node().to_sexp();
    for want in [
        "(import module: (module_path (identifier) (identifier) (import_list name: (identifier) name: (identifier))))",
        "(doc_comment)",
        "(block_comment (block_comment))",
        "(field name: (identifier) value: (quantity value: (number) unit: (unit)))",
        "(call function: (identifier) (path (segment name: (identifier)) (wildcard) (segment name: (identifier))))",
        "message: (string (string_content) (escape_sequence))",
    ] {
        assert!(sexp.contains(want), "{want}\nnot in\n{sexp}");
    }
    // A number then a field on the same line: `placement` is not a unit.
    let tree = parse("inference i { replicas = 16 placement = a.b }");
    assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
    assert_eq!(tree.root_node().to_sexp().matches("(field").count(), 2, "{}", tree.root_node().to_sexp());
}

fn queries() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["editors/tree-sitter-fabric/queries", "editors/nvim/queries/fabric", "editors/helix/queries/fabric"] {
        for entry in std::fs::read_dir(repo().join(dir)).expect("queries folder").flatten() {
            if entry.path().extension().is_some_and(|e| e == "scm") {
                out.push(entry.path());
            }
        }
    }
    out
}

#[test]
fn every_query_compiles_against_the_grammar() {
    let all = queries();
    assert!(all.len() >= 8, "{all:?}");
    for path in all {
        let text = std::fs::read_to_string(&path).expect("readable query");
        if let Err(e) = Query::new(&language(), &text) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn highlights_capture_kinds_types_fields_and_quantities() {
    let text = "rack DgxRack {\n  units = 48 U\n  node dgx: DGX_B200\n}\n";
    let tree = parse(text);
    let query = Query::new(&language(), tree_sitter_fabric::HIGHLIGHTS_QUERY).expect("query");
    let mut cursor = QueryCursor::new();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
    while let Some(m) = matches.next() {
        for c in m.captures {
            let name = query.capture_names()[c.index as usize].to_string();
            found.push((c.node.utf8_text(text.as_bytes()).expect("utf-8").trim().to_string(), name));
        }
    }
    for (token, capture) in [
        ("rack", "keyword.type"),
        ("DgxRack", "variable"),
        ("units", "property"),
        ("48", "number"),
        ("U", "type.builtin"),
        ("DGX_B200", "type"),
    ] {
        assert!(found.iter().any(|(t, c)| t == token && c == capture), "{token} as @{capture} not in {found:?}");
    }
}

#[test]
fn helix_languages_toml_has_what_helix_needs() {
    let text = std::fs::read_to_string(repo().join("editors/helix/languages.toml")).expect("languages.toml");
    let value: toml::Table = toml::from_str(&text).expect("valid TOML");
    let language = &value["language"].as_array().expect("[[language]]")[0];
    assert_eq!(language["name"].as_str(), Some("fabric"));
    assert_eq!(language["scope"].as_str(), Some("source.fabric"));
    assert_eq!(language["file-types"].as_array().map(|a| a[0].as_str()), Some(Some("fabric")));
    assert_eq!(language["comment-token"].as_str(), Some("//"));
    assert_eq!(language["language-servers"].as_array().map(|a| a[0].as_str()), Some(Some("fabric-lsp")));
    let server = &value["language-server"]["fabric-lsp"];
    assert_eq!(server["command"].as_str(), Some("fabric"));
    assert_eq!(server["args"].as_array().map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>()), Some(vec!["lsp"]));
    let grammar = &value["grammar"].as_array().expect("[[grammar]]")[0];
    assert_eq!(grammar["name"].as_str(), Some("fabric"));
}

/// The corpus cases of test/corpus/*.txt: title, input, expected tree.
fn corpus() -> Vec<(String, String, String)> {
    let mut cases = Vec::new();
    let dir = repo().join("editors/tree-sitter-fabric/test/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).expect("corpus").flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable corpus");
        // Each case: a `===` line, the title, a `===` line, the input, a `---` line, the tree.
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if !line.starts_with("===") {
                continue;
            }
            let title = lines.next().unwrap_or_default().to_string();
            lines.next();
            let mut input = String::new();
            for l in lines.by_ref() {
                if l.starts_with("---") {
                    break;
                }
                input.push_str(l);
                input.push('\n');
            }
            let mut expected = String::new();
            while let Some(l) = lines.peek() {
                if l.starts_with("===") {
                    break;
                }
                expected.push_str(l);
                expected.push(' ');
                lines.next();
            }
            cases.push((format!("{}: {title}", path.file_name().unwrap_or_default().to_string_lossy()), input, expected));
        }
    }
    cases
}

/// A tree as `tree-sitter test` compares it: one space between tokens, none inside parens.
fn normalize(sexp: &str) -> String {
    sexp.split_whitespace().collect::<Vec<_>>().join(" ").replace("( ", "(").replace(" )", ")")
}

/// `tree-sitter test` without the CLI: every corpus case parses to its expected tree.
#[test]
fn corpus_cases_parse_to_their_trees() {
    let cases = corpus();
    assert!(cases.len() >= 10, "{} corpus cases", cases.len());
    for (title, input, expected) in cases {
        let got = parse(input.trim_end_matches('\n')).root_node().to_sexp();
        assert_eq!(normalize(&got), normalize(&expected), "{title}");
    }
}
