//! The lexer: turns source text into tokens with logos, and adapts them for the parser.
//!
//! Quantities are single tokens: a number followed on the same line by a unit expression
//! (`800 Gb/s`, `4.9 us/km`, `30 %`). Doc comments (`///`) are taken out of the token
//! stream and kept beside it, keyed by the offset of the token they document. Characters
//! the language does not know become [`Token::Error`] tokens, never panics.

use logos::{FilterResult, Logos};

/// What went wrong while lexing one token.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LexicalError {
    /// A character that starts no token.
    #[default]
    InvalidCharacter,
    /// A string literal without its closing quote on the same line.
    UnterminatedString,
    /// A backslash escape the language does not define.
    InvalidEscape(String),
    /// A `/*` comment without its matching `*/`.
    UnterminatedComment,
    /// A number that does not fit a 64-bit float.
    InvalidNumber,
    /// A number other than zero that rounds to zero in a 64-bit float (`1e-400`).
    NumberUnderflow,
    /// A string literal longer than [`MAX_STRING_BYTES`].
    StringTooLong,
}

/// The longest string literal, in bytes between its quotes (E0907): images, hostnames and
/// repositories are far shorter; a megabyte-long string is a mistake or an attack.
pub const MAX_STRING_BYTES: usize = 4096;

/// A number literal with the unit written after it, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberLit<'a> {
    /// The value as written, before any unit scaling.
    pub value: f64,
    /// The unit expression as written (`Gb/s`), without surrounding spaces.
    pub unit: Option<&'a str>,
    /// Byte offset of the unit from the start of the token.
    pub unit_offset: u32,
}

/// One token of the Fabric language.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(error = LexicalError)]
// A UTF-8 byte-order mark (Windows editors write one at the start) is white space.
#[logos(skip r"[ \t\r\n\f\u{feff}]+")]
pub enum Token<'a> {
    /// A `///` doc comment; `//` comments are skipped by the same rule.
    #[regex(r"//[^\n]*", line_comment, allow_greedy = true)]
    DocComment(&'a str),
    /// A `/* ... */` comment, nesting allowed; always skipped.
    #[token("/*", block_comment)]
    BlockComment,
    /// `import`
    #[token("import")]
    Import,
    /// `const`
    #[token("const")]
    Const,
    /// `assert`
    #[token("assert")]
    Assert,
    /// `true`
    #[token("true")]
    True,
    /// `false`
    #[token("false")]
    False,
    /// `and`
    #[token("and")]
    And,
    /// `or`
    #[token("or")]
    Or,
    /// `not`
    #[token("not")]
    Not,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `,`
    #[token(",")]
    Comma,
    /// `;`
    #[token(";")]
    Semi,
    /// `:`
    #[token(":")]
    Colon,
    /// `.`
    #[token(".")]
    Dot,
    /// `..`
    #[token("..")]
    DotDot,
    /// `=`
    #[token("=")]
    Eq,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `**`
    #[token("**")]
    StarStar,
    /// `/`
    #[token("/")]
    Slash,
    /// An identifier.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    Ident(&'a str),
    /// A number, with the unit that follows it on the same line.
    #[regex(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?", number)]
    Number(NumberLit<'a>),
    /// A string literal, escapes already decoded.
    #[regex(r#""([^"\\\n]|\\[^\n])*""#, string)]
    Str(String),
    /// A string literal that runs to the end of its line without a closing quote.
    #[regex(r#""([^"\\\n]|\\[^\n])*"#, unterminated_string)]
    UnterminatedStr,
    /// Input the lexer could not read; made by [`Lexer`], never by logos itself.
    Error,
}

fn line_comment<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> FilterResult<&'a str, LexicalError> {
    let text = lex.slice();
    match text.strip_prefix("///") {
        Some(rest) if !rest.starts_with('/') => FilterResult::Emit(rest.strip_prefix(' ').unwrap_or(rest)),
        _ => FilterResult::Skip,
    }
}

fn block_comment<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> FilterResult<(), LexicalError> {
    let rest = lex.remainder().as_bytes();
    match block_comment_rest(rest) {
        Some(len) => {
            lex.bump(len);
            FilterResult::Skip
        }
        None => {
            lex.bump(rest.len());
            FilterResult::Error(LexicalError::UnterminatedComment)
        }
    }
}

/// The length of the rest of a block comment whose opening `/*` has been read: up to and
/// including the `*/` that closes it, nested comments counted; `None` when it is never
/// closed.
pub fn block_comment_rest(rest: &[u8]) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b'/' && rest.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if rest[i] == b'*' && rest.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

fn unterminated_string<'a>(_: &mut logos::Lexer<'a, Token<'a>>) -> Result<(), LexicalError> {
    Err(LexicalError::UnterminatedString)
}

fn string<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> Result<String, LexicalError> {
    let slice = lex.slice();
    if slice.len() > MAX_STRING_BYTES + 2 {
        return Err(LexicalError::StringTooLong);
    }
    unescape(&slice[1..slice.len() - 1])
}

/// Decodes the escapes `\" \\ \n \t \u{...}` of a string literal's body.
pub fn unescape(body: &str) -> Result<String, LexicalError> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let rest = chars.as_str();
                let decoded = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .and_then(|(hex, _)| u32::from_str_radix(hex, 16).ok().map(|v| (hex.len(), v)))
                    .and_then(|(len, v)| char::from_u32(v).map(|ch| (len, ch)));
                match decoded {
                    Some((len, ch)) => {
                        out.push(ch);
                        chars = rest[len + 2..].chars();
                    }
                    None => return Err(LexicalError::InvalidEscape("\\u".into())),
                }
            }
            Some(other) => return Err(LexicalError::InvalidEscape(format!("\\{other}"))),
            None => return Err(LexicalError::InvalidEscape("\\".into())),
        }
    }
    Ok(out)
}

/// Whether `atom` is a unit symbol the language knows (without prefixes composed by hand).
pub fn is_unit_atom(atom: &str) -> bool {
    UNIT_ATOMS.contains(&atom)
}

/// Every unit symbol the lexer accepts after a number; `fabric-core` gives them meaning.
pub const UNIT_ATOMS: &[&str] = &[
    "W", "kW", "MW", "GW", "J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh", "ps", "ns", "us", "µs", "ms", "s", "min", "h", "d", "yr",
    "mm", "cm", "m", "km", "b", "Kb", "Mb", "Gb", "Tb", "Pb", "B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "Gbps",
    "Tbps", "Mbps", "FLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP", "TFLOPS", "PFLOPS", "EFLOPS", "tok", "req", "U", "%",
];

/// Length of the unit expression at the start of `text` (`atom ('/' atom)*`), or 0.
fn scan_unit(text: &str) -> usize {
    fn atom(text: &str) -> usize {
        if text.starts_with('%') {
            return 1;
        }
        text.char_indices().find(|&(_, c)| !(c.is_ascii_alphabetic() || c == 'µ')).map_or(text.len(), |(i, _)| i)
    }
    let mut len = atom(text);
    if len == 0 {
        return 0;
    }
    while text[len..].starts_with('/') {
        let next = atom(&text[len + 1..]);
        if next == 0 {
            break;
        }
        len += 1 + next;
    }
    len
}

const KEYWORDS: &[&str] = &["import", "const", "assert", "true", "false", "and", "or", "not"];

/// Whether `unit` is still read as the unit of the number before it when a space separates
/// them (`800 Gb/s`); letters that only count as a unit when written against the digits
/// (`6yrMW`) are not. The formatter keeps such a number as written.
pub fn unit_survives_space(unit: &str) -> bool {
    let atoms_known = unit.split('/').all(is_unit_atom);
    let looks_like_unit = unit.split('/').all(|a| UNIT_ATOMS.iter().any(|u| u.eq_ignore_ascii_case(a)));
    let compound = unit.contains('/') && unit.split('/').next().is_some_and(is_unit_atom);
    atoms_known || looks_like_unit || compound
}

fn number<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> Result<NumberLit<'a>, LexicalError> {
    let digits: String = lex.slice().chars().filter(|&c| c != '_').collect();
    let value: f64 = digits.parse().map_err(|_| LexicalError::InvalidNumber)?;
    if !value.is_finite() {
        return Err(LexicalError::InvalidNumber);
    }
    // `1e-400` is not zero, but parses as 0: say so rather than compute with 0.
    let mantissa = digits.split(['e', 'E']).next().unwrap_or("");
    if value == 0.0 && mantissa.chars().any(|c| c.is_ascii_digit() && c != '0') {
        return Err(LexicalError::NumberUnderflow);
    }
    let token_len = lex.slice().len();
    let rest = lex.remainder();
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let after = &rest[spaces..];
    let unit_len = scan_unit(after);
    let mut unit = None;
    if unit_len > 0 {
        let candidate = &after[..unit_len];
        // Written right after the digits (`132kw`), the letters can only be meant as a unit:
        // take them and let the unit table report a misspelling. After a space, take only
        // units the language knows (`800 Gb/sec` too: a known unit followed by `/` is unit
        // syntax), so `replicas = 16 placement = x` still reads as two fields.
        let adjacent = spaces == 0 && !KEYWORDS.contains(&candidate);
        if adjacent || unit_survives_space(candidate) {
            lex.bump(spaces + unit_len);
            unit = Some(candidate);
        }
    }
    Ok(NumberLit { value, unit, unit_offset: (token_len + spaces) as u32 })
}

/// A token with its byte range, as lalrpop's external lexer interface wants it.
pub type Spanned<'a> = (u32, Token<'a>, u32);

/// A lexer error with the byte range it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    /// What went wrong.
    pub error: LexicalError,
    /// Start byte offset.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
}

/// The token stream the parser reads: logos tokens with lexer errors turned into
/// [`Token::Error`] and doc comments moved aside.
pub struct Lexer<'a> {
    inner: logos::SpannedIter<'a, Token<'a>>,
    /// Lexer errors seen so far, in source order.
    pub errors: Vec<LexError>,
    /// Doc comment text keyed by the start offset of the token that follows it.
    pub docs: Vec<(u32, String)>,
    /// Byte ranges of every token handed to the parser, in order.
    pub token_spans: Vec<(u32, u32)>,
    /// Offsets of the `{` not yet closed, innermost last.
    pub unclosed_braces: Vec<u32>,
    pending_doc: Vec<&'a str>,
}

impl<'a> Lexer<'a> {
    /// Starts lexing `source`.
    pub fn new(source: &'a str) -> Self {
        Lexer {
            inner: Token::lexer(source).spanned(),
            errors: Vec::new(),
            docs: Vec::new(),
            token_spans: Vec::new(),
            unclosed_braces: Vec::new(),
            pending_doc: Vec::new(),
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<Spanned<'a>, LexicalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (token, span) = self.inner.next()?;
            let (start, end) = (span.start as u32, span.end as u32);
            let token = match token {
                Ok(Token::DocComment(text)) => {
                    self.pending_doc.push(text);
                    continue;
                }
                Ok(token) => token,
                Err(error) => {
                    self.errors.push(LexError { error, start, end });
                    Token::Error
                }
            };
            if !self.pending_doc.is_empty() {
                let doc = self.pending_doc.join("\n");
                self.pending_doc.clear();
                self.docs.push((start, doc));
            }
            match token {
                Token::LBrace => self.unclosed_braces.push(start),
                Token::RBrace => {
                    self.unclosed_braces.pop();
                }
                _ => {}
            }
            self.token_spans.push((start, end));
            return Some(Ok((start, token, end)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token<'_>> {
        Lexer::new(src).map(|t| t.map(|(_, t, _)| t).unwrap_or(Token::Error)).collect()
    }

    #[test]
    fn quantities_with_compound_units() {
        let toks = kinds("800 Gb/s 4.9 us/km 132kW 30 % 1_000 1.5e3");
        let units: Vec<_> = toks
            .iter()
            .map(|t| match t {
                Token::Number(n) => (n.value, n.unit),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            units,
            vec![(800.0, Some("Gb/s")), (4.9, Some("us/km")), (132.0, Some("kW")), (30.0, Some("%")), (1000.0, None), (1500.0, None)]
        );
    }

    #[test]
    fn ranges_are_not_decimals() {
        assert_eq!(
            kinds("[1..16]"),
            vec![
                Token::LBracket,
                Token::Number(NumberLit { value: 1.0, unit: None, unit_offset: 1 }),
                Token::DotDot,
                Token::Number(NumberLit { value: 16.0, unit: None, unit_offset: 2 }),
                Token::RBracket
            ]
        );
    }

    #[test]
    fn unit_on_next_line_is_not_taken() {
        let toks = kinds("x = 2\nm = 3");
        assert!(matches!(toks[2], Token::Number(NumberLit { unit: None, .. })));
        assert_eq!(toks[3], Token::Ident("m"));
    }

    #[test]
    fn words_after_a_space_are_not_units() {
        let toks = kinds("replicas = 16 placement = x and 2 and");
        assert!(matches!(toks[2], Token::Number(NumberLit { unit: None, .. })));
        assert_eq!(toks[3], Token::Ident("placement"));
        assert!(matches!(toks[7], Token::Number(NumberLit { unit: None, .. })));
    }

    #[test]
    fn nested_block_comments_and_docs() {
        let mut lexer = Lexer::new("/* a /* b */ c */ /// doc one\n/// doc two\nrack // not doc\n//// not doc either\nx");
        let toks: Vec<_> = lexer.by_ref().map(|t| t.map(|(_, t, _)| t)).collect();
        assert_eq!(toks, vec![Ok(Token::Ident("rack")), Ok(Token::Ident("x"))]);
        assert_eq!(lexer.docs, vec![(42, "doc one\ndoc two".to_string())]);
    }

    #[test]
    fn strings_with_escapes() {
        assert_eq!(kinds(r#""a\"b\\c\n\u{41}""#), vec![Token::Str("a\"b\\c\nA".into())]);
    }

    #[test]
    fn errors_become_tokens() {
        let mut lexer = Lexer::new("a $ \"open\n/* never closed");
        let toks: Vec<_> = lexer.by_ref().map(|t| t.map(|(_, t, _)| t)).collect();
        assert_eq!(toks, vec![Ok(Token::Ident("a")), Ok(Token::Error), Ok(Token::Error), Ok(Token::Error)]);
        let errs: Vec<_> = lexer.errors.iter().map(|e| e.error.clone()).collect();
        assert_eq!(errs, vec![LexicalError::InvalidCharacter, LexicalError::UnterminatedString, LexicalError::UnterminatedComment]);
    }
}
