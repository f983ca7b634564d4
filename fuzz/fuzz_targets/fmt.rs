//! The formatter: whatever it formats, formatting again changes nothing, the result parses
//! without errors, and it has the same tokens as the input (separators aside).
#![no_main]

use libfuzzer_sys::fuzz_target;

fn tokens(text: &str) -> Vec<String> {
    use fabric_syntax::lexer::Token;
    use logos::Logos;
    Token::lexer(text)
        .filter_map(|t| match t {
            Ok(Token::DocComment(_) | Token::BlockComment | Token::Semi | Token::Comma) => None,
            Ok(Token::Number(n)) => Some(format!("{}{:?}", n.value, n.unit)),
            Ok(other) => Some(format!("{other:?}")),
            Err(e) => Some(format!("{e:?}")),
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(once) = fabric_core::fmt::format(&text) else { return };
    assert!(fabric_syntax::parse(&once).errors.is_empty(), "formatted text does not parse:\n{once}");
    let twice = fabric_core::fmt::format(&once).expect("formatted text formats");
    assert_eq!(once, twice, "not idempotent");
    // Only whitespace and separators change: the tokens, commas and semicolons aside, are
    // the same (a number's unit may move next to it: `15kW` is `15 kW`).
    assert_eq!(tokens(&text), tokens(&once), "tokens changed:\n{text}\n---\n{once}");
});
