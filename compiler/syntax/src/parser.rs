//! The parser facade: runs the lalrpop parser over the lexer with error recovery and
//! turns every problem into a [`SyntaxError`] in words users know.
//!
//! **Architecture invariant:** [`parse`] never fails and never panics. It always returns a
//! tree for everything it could read, plus the errors for the rest.

pub use crate::actions::MAX_EXPRESSION_DEPTH;
use crate::actions::{TOO_DEEP, members_of};
use crate::ast::*;
use crate::error::{Parse, SyntaxError, SyntaxErrorKind};
use crate::grammar::FileParser;
use crate::lexer::{LexError, Lexer, LexicalError, Token};
use lalrpop_util::{ErrorRecovery, ParseError};

/// Files larger than this are refused before lexing (E0901).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The deepest nesting of `{`, `(` and `[` a file may have (E0903); deeper files are
/// refused before parsing, since every later stage walks blocks and expressions recursively.
pub const MAX_NESTING: usize = 200;

/// Unclosed `{` at end of file that the parser closes by itself before giving up.
const MAX_SYNTHETIC_CLOSERS: usize = 16;

type Recovered<'a> = ErrorRecovery<u32, Token<'a>, LexicalError>;

/// E0903 when `{`, `(` and `[` nest deeper than [`MAX_NESTING`]: found on the raw tokens,
/// before any tree exists.
fn too_deep(source: &str) -> Option<SyntaxError> {
    use logos::Logos;
    let mut depth = 0usize;
    for (token, range) in Token::lexer(source).spanned() {
        match token {
            Ok(Token::LBrace | Token::LParen | Token::LBracket) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(SyntaxError {
                        kind: SyntaxErrorKind::NestedTooDeep,
                        message: format!("brackets nested more than {MAX_NESTING} deep"),
                        span: Span::new(range.start as u32, range.end as u32),
                        label: format!("level {depth}"),
                        related: vec![],
                        help: "declare the inner blocks as types and use them by name, or split the expression with `const`s".into(),
                    });
                }
            }
            Ok(Token::RBrace | Token::RParen | Token::RBracket) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses one source file. Never fails: see the module's invariant.
pub fn parse(source: &str) -> Parse {
    if source.len() > MAX_FILE_BYTES {
        return Parse {
            file: File::default(),
            errors: vec![SyntaxError {
                kind: SyntaxErrorKind::FileTooLarge,
                // Readers stop one byte past the limit, so the size past it is not known.
                message: format!("file is larger than the limit of {MAX_FILE_BYTES} bytes (16 MiB)"),
                span: Span::new(0, 0),
                label: "file too large".into(),
                related: vec![],
                help: "split the spec into several files joined with `import \"…\"`".into(),
            }],
        };
    }
    if let Some(error) = too_deep(source) {
        return Parse { file: File::default(), errors: vec![error] };
    }
    let eof = source.len() as u32;
    let mut closers = 0;
    loop {
        TOO_DEEP.with(|t| t.set(None));
        let mut lexer = Lexer::new(source);
        let mut recovered: Vec<Recovered<'_>> = Vec::new();
        let synthetic = (0..closers).map(|_| Ok((eof, Token::RBrace, eof)));
        let result = FileParser::new().parse(&mut recovered, lexer.by_ref().chain(synthetic));
        let eof_needs_brace = |e: &ParseError<u32, Token<'_>, LexicalError>| matches!(e, ParseError::UnrecognizedEof { expected, .. } if expected.iter().any(|t| t == "\"}\""));
        let unclosed_at_eof = match &result {
            Err(e) => eof_needs_brace(e),
            Ok(_) => recovered.iter().any(|r| eof_needs_brace(&r.error)),
        };
        if unclosed_at_eof && closers < MAX_SYNTHETIC_CLOSERS {
            closers += 1;
            continue;
        }
        let context = Context { source, token_spans: &lexer.token_spans };
        let mut errors: Vec<SyntaxError> = lexer.errors.iter().map(lex_error).collect();
        for rec in &recovered {
            if let Some(error) = context.parse_error(&rec.error) {
                errors.push(error);
            }
        }
        let mut members = match result {
            Ok(entries) => members_of(entries),
            Err(error) => {
                errors.extend(context.parse_error(&error));
                vec![Member::Error(Span::new(0, eof))]
            }
        };
        if closers > 0 {
            let unclosed: Vec<(Span, String)> = lexer
                .unclosed_braces
                .iter()
                .rev()
                .take(closers)
                .map(|&at| (Span::new(at, at + 1), "this `{` is never closed".to_string()))
                .collect();
            errors.push(SyntaxError {
                kind: SyntaxErrorKind::UnclosedBrace,
                message: if closers == 1 {
                    "unclosed `{` at end of file".into()
                } else {
                    format!("{closers} unclosed `{{` at end of file")
                },
                span: Span::new(eof, eof),
                label: "the file ends here".into(),
                related: unclosed,
                help: "add the missing `}`".into(),
            });
        }
        if let Some(span) = TOO_DEEP.with(|t| t.take()) {
            errors.push(SyntaxError {
                kind: SyntaxErrorKind::ExpressionTooDeep,
                message: format!("expression nested more than {MAX_EXPRESSION_DEPTH} operators deep"),
                span,
                label: "too deep".into(),
                related: vec![],
                help: "split the expression with `const`s, or use `sum([…])` for long sums".into(),
            });
        }
        stray_strings(&members, source, &mut errors);
        attach_docs(&mut members, &lexer.docs);
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        dedupe(&mut errors);
        return Parse { file: File { members }, errors };
    }
}

/// Keeps one error per start offset, and drops an error that starts inside the previous one.
fn dedupe(errors: &mut Vec<SyntaxError>) {
    let mut last_end: Option<u32> = None;
    let mut last_start: Option<u32> = None;
    errors.retain(|e| {
        let keep = match (last_start, last_end) {
            (Some(s), Some(end)) => e.span.start != s && (e.span.start >= end || e.kind == SyntaxErrorKind::UnclosedBrace),
            _ => true,
        };
        if keep {
            last_start = Some(e.span.start);
            last_end = Some(e.span.end);
        }
        keep
    });
}

fn lex_error(e: &LexError) -> SyntaxError {
    let span = Span::new(e.start, e.end);
    let (kind, message, label, help) = match &e.error {
        LexicalError::InvalidCharacter => (
            SyntaxErrorKind::InvalidCharacter,
            "unexpected character".to_string(),
            "Fabric has no token starting with this character".to_string(),
            "names use letters, digits and `_`; other text goes in a \"string\"".to_string(),
        ),
        LexicalError::UnterminatedString => (
            SyntaxErrorKind::UnterminatedString,
            "unterminated string".into(),
            "this string has no closing `\"` on its line".into(),
            "close the string with `\"`; write a line break inside a string as `\\n`".into(),
        ),
        LexicalError::InvalidEscape(escape) => (
            SyntaxErrorKind::InvalidEscape,
            format!("unknown escape `{escape}` in string"),
            "not a valid escape".into(),
            "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}` (hexadecimal)".into(),
        ),
        LexicalError::UnterminatedComment => (
            SyntaxErrorKind::UnterminatedComment,
            "unterminated block comment".into(),
            "this `/*` is never closed".into(),
            "close the comment with `*/` (block comments nest: every `/*` needs its own `*/`)".into(),
        ),
        LexicalError::StringTooLong => (
            SyntaxErrorKind::StringTooLong,
            format!("string longer than {} bytes", crate::lexer::MAX_STRING_BYTES),
            format!("{} bytes", e.end - e.start - 2),
            "keep strings to names, images and repositories; long text belongs in a file beside the spec".into(),
        ),
        LexicalError::InvalidNumber => (
            SyntaxErrorKind::NumberOutOfRange,
            "number out of range".into(),
            "this number does not fit a 64-bit float".into(),
            "use a larger unit (for example `1 PB` instead of a long count of bytes)".into(),
        ),
        LexicalError::NumberUnderflow => (
            SyntaxErrorKind::NumberOutOfRange,
            "number too small: it rounds to 0".into(),
            "this number is not 0 but rounds to 0 in a 64-bit float".into(),
            "write 0, or use a smaller unit (for example `1 ns` instead of `1e-9 s`)".into(),
        ),
    };
    let span = if kind == SyntaxErrorKind::UnterminatedComment { Span::new(e.start, e.start + 2) } else { span };
    SyntaxError { kind, message, span, label, related: vec![], help }
}

struct Context<'a> {
    source: &'a str,
    token_spans: &'a [(u32, u32)],
}

impl Context<'_> {
    fn parse_error(&self, error: &ParseError<u32, Token<'_>, LexicalError>) -> Option<SyntaxError> {
        let (start, end, expected) = match error {
            // The lexer has reported these already.
            ParseError::UnrecognizedToken { token: (_, Token::Error, _), .. } => return None,
            ParseError::User { .. } | ParseError::InvalidToken { .. } => return None,
            ParseError::UnrecognizedToken { token: (l, _, r), expected } => (*l, *r, expected.as_slice()),
            ParseError::UnrecognizedEof { location, expected } => (*location, *location, expected.as_slice()),
            ParseError::ExtraToken { token: (l, _, r) } => (*l, *r, &[][..]),
        };
        let found =
            if start == end { "end of file".to_string() } else { format!("`{}`", shorten(&self.source[start as usize..end as usize])) };
        let wanted = describe_expected(expected);
        let after = self.context_before(start);
        let message = match (&wanted, &after) {
            (Some(w), Some(a)) => format!("expected {w} after `{a}`, found {found}"),
            (Some(w), None) => format!("expected {w}, found {found}"),
            (None, _) => format!("unexpected {found}"),
        };
        let label = match &wanted {
            Some(w) => format!("expected {w} here"),
            None => "not expected here".into(),
        };
        let span = Span::new(start, end);
        Some(SyntaxError { kind: SyntaxErrorKind::UnexpectedToken, message, span, label, related: vec![], help: help_for(expected) })
    }

    /// Text of up to three tokens before `offset` on the same line.
    fn context_before(&self, offset: u32) -> Option<String> {
        let idx = self.token_spans.partition_point(|&(s, _)| s < offset);
        let line_start = self.source[..offset as usize].rfind('\n').map_or(0, |i| i + 1) as u32;
        let first = self.token_spans[..idx].iter().rev().take(3).take_while(|&&(s, _)| s >= line_start).last()?;
        let last = self.token_spans[idx - 1];
        Some(shorten(&self.source[first.0 as usize..last.1 as usize]))
    }
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text.to_string() }
}

fn help_for(expected: &[String]) -> String {
    let has = |t: &str| expected.iter().any(|e| e == t);
    if has("\"=\"") && has("\"{\"") {
        "a field is `name = value`; a block is `kind name { … }` or `kind name: Type`".into()
    } else if has("\"..\"") {
        "an array is written `name[first..last]`, both ends included".into()
    } else if has("\"]\"") || has("\")\"") || has("\"}\"") {
        "check that every bracket is closed and list items are separated by `,`".into()
    } else {
        "members are `name = value`, `kind name { … }`, `name <= limit` or `assert condition`".into()
    }
}

const EXPRESSION_STARTS: &[&str] = &["number", "string", "\"true\"", "\"false\"", "\"(\"", "\"[\"", "\"-\"", "\"not\"", "\"*\"", "\"**\""];
const OPERATORS: &[&str] =
    &["\"+\"", "\"-\"", "\"*\"", "\"/\"", "\"==\"", "\"!=\"", "\"<\"", "\"<=\"", "\">\"", "\">=\"", "\"and\"", "\"or\"", "\".\""];

/// Turns lalrpop's terminal names into words: "`=`, `{` or a name".
fn describe_expected(expected: &[String]) -> Option<String> {
    let has = |t: &str| expected.iter().any(|e| e == t);
    let expression = has("number") && has("\"(\"");
    let operator = has("\"+\"") && has("\"/\"") && !expression;
    let mut words: Vec<String> = Vec::new();
    for terminal in expected {
        let t = terminal.as_str();
        if t == "LEX_ERROR" || (expression && (EXPRESSION_STARTS.contains(&t) || t == "ident")) {
            continue;
        }
        if operator && OPERATORS.contains(&t) {
            continue;
        }
        let word = match t {
            "ident" => "a name".to_string(),
            "number" => "a number".to_string(),
            "string" => "a string".to_string(),
            quoted => format!("`{}`", quoted.trim_matches('"')),
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    if operator {
        words.push("an operator".into());
    }
    if expression {
        words.insert(0, "an expression".into());
    }
    if words.len() > 6 {
        words.truncate(5);
        words.push("…".into());
    }
    match words.len() {
        0 => None,
        1 => Some(words.remove(0)),
        n => {
            let last = words.remove(n - 1);
            Some(format!("{} or {}", words.join(", "), last))
        }
    }
}

fn stray_strings(members: &[Member], source: &str, errors: &mut Vec<SyntaxError>) {
    for member in members {
        match member {
            Member::Error(span)
                if source.get(span.range()).is_some_and(|t| t.starts_with('"'))
                    && !errors.iter().any(|e| e.span.start <= span.start && span.start < e.span.end.max(e.span.start + 1)) =>
            {
                errors.push(SyntaxError {
                    kind: SyntaxErrorKind::UnexpectedToken,
                    message: "a string cannot stand alone here".into(),
                    span: *span,
                    label: "unexpected string".into(),
                    related: vec![],
                    help: "a string is a value (`image = \"…\"`) or an assert's message (`assert cond, \"…\"`)".into(),
                });
            }
            Member::Block(Block { body: Some(body), .. }) => stray_strings(body, source, errors),
            _ => {}
        }
    }
}

fn attach_docs(members: &mut [Member], docs: &[(u32, String)]) {
    if docs.is_empty() {
        return;
    }
    let find = |start: u32| docs.binary_search_by_key(&start, |(s, _)| *s).ok().map(|i| docs[i].1.clone());
    for member in members {
        match member {
            Member::Block(block) => {
                block.doc = find(block.span.start);
                if let Some(body) = &mut block.body {
                    attach_docs(body, docs);
                }
            }
            Member::Const(c) => c.doc = find(c.span.start),
            Member::Field(f) => f.doc = find(f.span.start),
            _ => {}
        }
    }
}

/// Parses a single expression (for tools and tests); errors as in [`parse`].
pub fn parse_expr(source: &str) -> Result<Expr, String> {
    let mut recovered = Vec::new();
    let expr = crate::grammar::ExprParser::new().parse(&mut recovered, Lexer::new(source)).map_err(|e| format!("{e:?}"))?;
    if recovered.is_empty() { Ok(expr) } else { Err(format!("{} syntax errors", recovered.len())) }
}
