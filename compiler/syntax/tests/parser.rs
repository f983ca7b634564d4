//! Parser tests: the LANGUAGE.md example, error recovery, and never panicking.

use fabric_syntax::ast::*;
use fabric_syntax::parse;
use proptest::prelude::*;

const CAMPUS: &str = include_str!("../../../examples/campus.fabric");

#[test]
fn language_example_parses_cleanly() {
    let parse = parse(CAMPUS);
    assert_eq!(parse.errors, vec![]);
    let kinds: Vec<_> = parse
        .file
        .members
        .iter()
        .map(|m| match m {
            Member::Import(_) => "import".to_string(),
            Member::Const(_) => "const".to_string(),
            Member::Block(b) => b.kind.name.clone(),
            Member::Assert(_) => "assert".to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "import",
            "import",
            "import",
            "const",
            "site",
            "rack",
            "link",
            "link",
            "fabric",
            "fabric",
            "inference",
            "assert",
            "training",
            "scenario",
            "scenario"
        ]
    );
    let Member::Block(rack) = &parse.file.members[5] else { unreachable!() };
    assert_eq!(rack.doc.as_deref(), Some("An empty 48 U network rack with a 60 kW envelope."));
    let Member::Assert(assert) = &parse.file.members[11] else { unreachable!() };
    assert_eq!(assert.message.as_ref().map(|m| m.0.as_str()), Some("agents in b1 must reach b2 within 50 us"));
}

#[test]
fn three_independent_errors_are_all_reported_and_the_rest_survives() {
    let src = "rack a { units = 48 U power_limit = = 3 kW }\nrack b k { units = 2 U }\nswitch s { ports = (64 }\nrack c { units = 42 U }\n";
    let parse = parse(src);
    assert_eq!(parse.errors.len(), 3, "{:#?}", parse.errors);
    assert!(parse.errors.iter().all(|e| e.kind.code() == "E0101"));
    let names: Vec<_> = parse
        .file
        .members
        .iter()
        .filter_map(|m| match m {
            Member::Block(b) => b.name.as_ref().map(|n| n.name.clone()),
            _ => None,
        })
        .collect();
    assert!(names.contains(&"a".to_string()) && names.contains(&"c".to_string()), "{names:?}");
}

#[test]
fn errors_say_what_was_expected_in_words() {
    let parse = parse("rack k1 power = 3\n");
    assert_eq!(parse.errors[0].message, "expected `{`, `[` or `:` after `rack k1`, found `power`");
}

#[test]
fn unclosed_block_at_end_of_file_keeps_the_tree() {
    let parse = parse("rack a { units = 1 U }\nrack b { units = 2 U\n");
    assert_eq!(parse.errors.len(), 1, "{:#?}", parse.errors);
    assert_eq!(parse.errors[0].kind.code(), "E0106", "{:#?}", parse.errors);
    assert_eq!(parse.file.members.len(), 2);
}

#[test]
fn spans_point_at_source() {
    let src = "const x = 1.8 km * 4.9 us/km";
    let parse = parse(src);
    let Member::Const(c) = &parse.file.members[0] else { panic!() };
    let ExprKind::Binary(BinaryOp::Mul, _, rhs) = &c.value.kind else { panic!() };
    assert_eq!(&src[rhs.span.range()], "4.9 us/km");
    let ExprKind::Number { unit: Some(unit), .. } = &rhs.kind else { panic!() };
    assert_eq!(&src[unit.span.range()], "us/km");
}

#[test]
fn paths_with_wildcards_and_indexes() {
    let parse = parse("fabric f { endpoints = campus.b1.**.nic\n spine_racks = campus.b1.h1.r[2].*.k[3] }");
    assert_eq!(parse.errors, vec![]);
    let Member::Block(b) = &parse.file.members[0] else { panic!() };
    let body = b.body.as_ref().unwrap();
    let Member::Field(f) = &body[1] else { panic!() };
    let ExprKind::Path(p) = &f.value.kind else { panic!() };
    assert_eq!(p.to_string(), "campus.b1.h1.r[2].*.k[3]");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn parser_never_panics_on_arbitrary_text(src in "\\PC{0,200}") {
        let _ = parse(&src);
    }

    #[test]
    fn parser_never_panics_on_token_soup(parts in prop::collection::vec(prop::sample::select(vec![
        "rack", "k", "[", "]", "1", "..", "{", "}", "=", "12 kW", ":", ".", "**", "*", "\"s\"", ",", "assert",
        "import", "std", "const", "(", ")", "-", "not", "<=", "\n", "/*", "*/", "///", "$", "\"",
    ]), 0..60)) {
        let src = parts.join(" ");
        let parse = parse(&src);
        for e in &parse.errors {
            prop_assert!(e.span.end as usize <= src.len());
        }
    }

    #[test]
    fn truncated_example_never_panics(cut in 0usize..2000) {
        let cut = CAMPUS.char_indices().map(|(i, _)| i).take_while(|&i| i <= cut).last().unwrap_or(0);
        let _ = parse(&CAMPUS[..cut]);
    }
}

/// The committed parser (src/grammar.rs) was generated from the grammar as it is now:
/// scripts/gen-parser records the grammar's FNV-1a hash in the parser's header.
#[test]
fn generated_parser_is_up_to_date() {
    let grammar = std::fs::read("src/grammar.lalrpop").expect("grammar");
    let parser = std::fs::read_to_string("src/grammar.rs").expect("generated parser");
    let hash = grammar.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    let recorded = parser.lines().find_map(|l| l.strip_prefix("// grammar-fnv1a64: ")).expect("hash line in src/grammar.rs");
    assert_eq!(recorded, format!("{hash:016x}"), "src/grammar.rs is stale: run scripts/gen-parser");
}

#[test]
fn deep_nesting_and_long_operator_chains_are_refused_without_exhausting_the_stack() {
    // Each of these overflowed the stack before the limits (found while hardening).
    let deep_blocks = format!("site s {{{}{} }}", " row r {".repeat(100_000), "}".repeat(100_000));
    let deep_parens = format!("const x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let long_sum = format!("const x = 1{}", " + 1".repeat(100_000));
    let long_negation = format!("const x = {}1", "-".repeat(100_000));
    for (text, code) in [(deep_blocks, "E0903"), (deep_parens, "E0903"), (long_sum, "E0904"), (long_negation, "E0904")] {
        let parse = fabric_syntax::parse(&text);
        let codes: Vec<&str> = parse.errors.iter().map(|e| e.kind.code()).collect();
        assert_eq!(codes, [code], "{}…", &text[..40]);
    }
    // At the limits, nothing is refused.
    let at_limit = format!("const x = {}1{}", "(".repeat(fabric_syntax::MAX_NESTING), ")".repeat(fabric_syntax::MAX_NESTING));
    assert!(fabric_syntax::parse(&at_limit).errors.is_empty());
    let sum_at_limit = format!("const x = 1{}", " + 1".repeat(fabric_syntax::MAX_EXPRESSION_DEPTH - 1));
    assert!(fabric_syntax::parse(&sum_at_limit).errors.is_empty());
}
