//! The formatter behind `fabric fmt` and the language server's formatting: one canonical
//! layout for a file that parses.
//!
//! It rewrites only the whitespace between tokens, never a token, so it cannot change what
//! a spec means: every member on its own line, block bodies indented two spaces per level
//! with the `{` at the end of the header and the `}` on its own line, one space around
//! operators and `=`, none inside brackets, paths and calls, and one space between a number
//! and its unit. Comments stay where they are (on their own line, or after code on the same
//! line) and one blank line between members survives where the source had one or more.
//! Separators the grammar ignores (`;`, and `,` between members) are dropped. A file with
//! syntax errors is refused: there is no meaning yet to keep.

use fabric_syntax::Span;
use fabric_syntax::ast::{Block, File, Member};
use fabric_syntax::lexer::Token;
use logos::Logos;
use std::collections::HashSet;

/// Spaces per indentation level.
const INDENT: &str = "  ";

/// Why a file was not formatted: its first syntax error.
#[derive(Clone, PartialEq, Debug)]
pub struct FormatError {
    /// The error's message.
    pub message: String,
    /// Where it is.
    pub span: Span,
}

/// Formats a whole file; `Err` with the first syntax error when it does not parse.
pub fn format(source: &str) -> Result<String, FormatError> {
    let parse = fabric_syntax::parse(source);
    if let Some(e) = parse.errors.first() {
        return Err(FormatError { message: e.message.clone(), span: e.span });
    }
    let tokens = tokens(source);
    let layout = Layout::of(&parse.file, &tokens);
    Ok(Printer { source, tokens: &tokens, layout: &layout, out: String::new(), depth: 0 }.print())
}

/// What a token is, as far as spacing cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A name or keyword that reads as a word (`rack`, `and`, `true`).
    Word,
    /// A value that can end an operand: number, string, `true`, `false`.
    Value,
    /// `not`.
    Not,
    Open(char),
    Close(char),
    Comma,
    Semi,
    Colon,
    Dot,
    DotDot,
    /// `*` and `**`: multiplication, or a path wildcard after `.`.
    Star,
    Minus,
    /// Every other operator: `= == != < <= > >= + /`.
    Op,
}

/// One token: its kind, its bytes and its canonical text.
struct Tok {
    kind: Kind,
    start: u32,
    end: u32,
    text: String,
}

fn tokens(source: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for (token, span) in Token::lexer(source).spanned() {
        let (start, end) = (span.start as u32, span.end as u32);
        let slice = &source[span.clone()];
        let (kind, text) = match token {
            Ok(Token::DocComment(_)) | Ok(Token::BlockComment) => continue,
            Ok(Token::Number(n)) => {
                let digits = slice.get(..n.unit_offset as usize).unwrap_or(slice).trim_end();
                let text = match n.unit {
                    // `6yrMW`: letters that are a unit only against the digits stay there.
                    Some(unit) if digits.len() == n.unit_offset as usize && !fabric_syntax::lexer::unit_survives_space(unit) => {
                        slice.to_string()
                    }
                    Some(unit) => format!("{digits} {unit}"),
                    None => slice.to_string(),
                };
                (Kind::Value, text)
            }
            Ok(Token::Str(_)) | Ok(Token::True) | Ok(Token::False) => (Kind::Value, slice.to_string()),
            Ok(Token::Not) => (Kind::Not, slice.to_string()),
            Ok(Token::Ident(_)) | Ok(Token::Import) | Ok(Token::Const) | Ok(Token::Assert) | Ok(Token::And) | Ok(Token::Or) => {
                (Kind::Word, slice.to_string())
            }
            Ok(Token::LBrace) => (Kind::Open('{'), slice.to_string()),
            Ok(Token::LBracket) => (Kind::Open('['), slice.to_string()),
            Ok(Token::LParen) => (Kind::Open('('), slice.to_string()),
            Ok(Token::RBrace) => (Kind::Close('}'), slice.to_string()),
            Ok(Token::RBracket) => (Kind::Close(']'), slice.to_string()),
            Ok(Token::RParen) => (Kind::Close(')'), slice.to_string()),
            Ok(Token::Comma) => (Kind::Comma, slice.to_string()),
            Ok(Token::Semi) => (Kind::Semi, slice.to_string()),
            Ok(Token::Colon) => (Kind::Colon, slice.to_string()),
            Ok(Token::Dot) => (Kind::Dot, slice.to_string()),
            Ok(Token::DotDot) => (Kind::DotDot, slice.to_string()),
            Ok(Token::Star) | Ok(Token::StarStar) => (Kind::Star, slice.to_string()),
            Ok(Token::Minus) => (Kind::Minus, slice.to_string()),
            // Every other token is an operator; errors do not reach here (the file parsed).
            _ => (Kind::Op, slice.to_string()),
        };
        out.push(Tok { kind, start, end, text });
    }
    out
}

/// What the syntax tree says about the tokens.
#[derive(Default)]
struct Layout {
    /// Offsets of tokens that start a member.
    member_starts: HashSet<u32>,
    /// Offsets of the `{` and `}` of block bodies.
    body_braces: HashSet<u32>,
    /// Spans of members' text (a leaf member whole, a block's header): a `,` or `;` outside
    /// every one of them is a separator.
    spans: Vec<(u32, u32)>,
}

impl Layout {
    fn of(file: &File, tokens: &[Tok]) -> Layout {
        let mut layout = Layout::default();
        layout.members(&file.members, tokens);
        layout.spans.sort_unstable();
        layout
    }

    fn members(&mut self, members: &[Member], tokens: &[Tok]) {
        for m in members {
            let span = member_span(m);
            self.member_starts.insert(span.start);
            match m {
                Member::Block(b) => self.block(b, tokens),
                _ => self.spans.push((span.start, span.end)),
            }
        }
    }

    fn block(&mut self, b: &Block, tokens: &[Tok]) {
        let Some(body) = &b.body else {
            self.spans.push((b.span.start, b.span.end));
            return;
        };
        // The body's `{` is the first `{` after the header's last part; its `}` ends the block.
        let header_end = [Some(b.kind.span.end), b.name.as_ref().map(|n| n.span.end), b.array.as_ref().map(|a| a.span.end)]
            .into_iter()
            .flatten()
            .chain(b.base.as_ref().map(|p| p.span.end))
            .max()
            .unwrap_or(b.span.start);
        // Tokens are in source order: start the search where the block is, not at the top
        // of the file (100,000 sibling blocks were quadratic).
        let from = tokens.partition_point(|t| t.start < header_end);
        if let Some(open) = tokens[from..].iter().find(|t| t.kind == Kind::Open('{')) {
            self.body_braces.insert(open.start);
            self.spans.push((b.span.start, open.start));
        }
        let to = tokens.partition_point(|t| t.end <= b.span.end);
        if let Some(close) = tokens[..to].iter().rev().find(|t| t.kind == Kind::Close('}')) {
            self.body_braces.insert(close.start);
        }
        self.members(body, tokens);
    }

    /// Whether `offset` lies in a member's text. The spans do not overlap (a block's header
    /// ends at its `{`, before its members), so only the last one starting at or before
    /// `offset` can hold it.
    fn inside_member(&self, offset: u32) -> bool {
        let i = self.spans.partition_point(|&(s, _)| s <= offset);
        i > 0 && offset < self.spans[i - 1].1
    }
}

fn member_span(m: &Member) -> Span {
    match m {
        Member::Import(i) => i.span,
        Member::Const(c) => c.span,
        Member::Field(f) => f.span,
        Member::Bound(b) => b.span,
        Member::Block(b) => b.span,
        Member::Assert(a) => a.span,
        Member::Error(s) => *s,
    }
}

/// A comment found between two tokens.
struct Comment<'a> {
    text: &'a str,
    /// Whether a line break comes before it in the gap (else it follows code on its line).
    own_line: bool,
    /// Whether a blank line comes before it.
    blank_before: bool,
    /// Whether a line break follows it before the next comment or token.
    break_after: bool,
}

/// The comments of a gap between tokens (whitespace and comments only), and whether the
/// whitespace after the last of them holds a line break and a blank line.
fn comments(gap: &str) -> (Vec<Comment<'_>>, bool, bool) {
    let mut out: Vec<Comment<'_>> = Vec::new();
    let bytes = gap.as_bytes();
    let (mut i, mut newlines) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                newlines += 1;
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = gap[i..].find('\n').map_or(gap.len(), |n| i + n);
                if let Some(last) = out.last_mut() {
                    last.break_after = newlines > 0;
                }
                out.push(Comment { text: gap[i..end].trim_end(), own_line: newlines > 0, blank_before: newlines > 1, break_after: true });
                newlines = 0;
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                // The file parsed, so the comment is closed; its end as the lexer finds it.
                let j = fabric_syntax::lexer::block_comment_rest(&bytes[i + 2..]).map_or(bytes.len(), |len| i + 2 + len);
                if let Some(last) = out.last_mut() {
                    last.break_after = newlines > 0;
                }
                out.push(Comment { text: &gap[i..j], own_line: newlines > 0, blank_before: newlines > 1, break_after: false });
                newlines = 0;
                i = j;
            }
            _ => i += 1,
        }
    }
    if let Some(last) = out.last_mut()
        && !last.text.starts_with("//")
    {
        last.break_after = newlines > 0;
    }
    (out, newlines > 0, newlines > 1)
}

struct Printer<'a> {
    source: &'a str,
    tokens: &'a [Tok],
    layout: &'a Layout,
    out: String,
    depth: usize,
}

impl Printer<'_> {
    fn print(mut self) -> String {
        let mut prev: Option<usize> = None;
        let mut break_next = false;
        let mut bodies: Vec<bool> = Vec::new();
        let mut last_end = 0u32;
        for (i, tok) in self.tokens.iter().enumerate() {
            if matches!(tok.kind, Kind::Comma | Kind::Semi) && !self.layout.inside_member(tok.start) {
                continue; // a separator the grammar ignores
            }
            let gap = &self.source[last_end as usize..tok.start as usize];
            last_end = tok.end;
            let (found, _, blank_after) = comments(gap);
            let member_start = self.layout.member_starts.contains(&tok.start);
            let closes_body = tok.kind == Kind::Close('}') && self.layout.body_braces.contains(&tok.start);
            let just_opened =
                prev.is_some_and(|p| self.layout.body_braces.contains(&self.tokens[p].start) && self.tokens[p].kind == Kind::Open('{'));
            let mut blank_pending = false;
            let had_comments = !found.is_empty();
            for c in &found {
                if c.own_line || break_next || self.out.is_empty() {
                    if !self.out.is_empty() {
                        let blank = c.blank_before && !just_opened && !self.out.ends_with("{\n");
                        self.newline(blank);
                    }
                    self.indent();
                } else {
                    self.out.push(' ');
                }
                self.out.push_str(c.text);
                break_next = c.break_after || c.text.starts_with("//");
                if !c.break_after && !c.text.starts_with("//") {
                    self.out.push(' ');
                    break_next = false;
                }
                blank_pending = blank_after;
            }
            if !had_comments {
                blank_pending = gap.matches('\n').count() > 1;
            }
            if closes_body {
                bodies.pop();
                self.depth = self.depth.saturating_sub(1);
                let empty = just_opened && !had_comments;
                if empty {
                    self.out.push('}');
                } else {
                    self.newline(false);
                    self.indent();
                    self.out.push('}');
                }
                prev = Some(i);
                break_next = false;
                continue;
            }
            if member_start || break_next {
                if !self.out.is_empty() {
                    let blank = member_start && blank_pending && !just_opened && !self.out.ends_with("{\n");
                    self.newline(blank);
                    self.indent();
                }
            } else if self.out.ends_with(' ') {
                // After an inline block comment.
            } else if let Some(p) = prev {
                self.out.push_str(space(self.tokens, p, i, self.layout));
            }
            self.out.push_str(&tok.text);
            if tok.kind == Kind::Open('{') && self.layout.body_braces.contains(&tok.start) {
                bodies.push(true);
                self.depth += 1;
            }
            prev = Some(i);
            break_next = false;
        }
        // Comments after the last token.
        let (found, ..) = comments(&self.source[last_end as usize..]);
        for c in &found {
            if c.own_line || self.out.is_empty() {
                if !self.out.is_empty() {
                    self.newline(c.blank_before);
                }
                self.indent();
            } else {
                self.out.push(' ');
            }
            self.out.push_str(c.text);
        }
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    fn newline(&mut self, blank: bool) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        if blank {
            self.out.push('\n');
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
    }
}

/// The space between token `p` and the next token `i` on one line.
fn space(tokens: &[Tok], p: usize, i: usize, layout: &Layout) -> &'static str {
    let (a, b) = (&tokens[p], &tokens[i]);
    match (a.kind, b.kind) {
        (_, Kind::Comma | Kind::Semi | Kind::Colon | Kind::Dot | Kind::DotDot) => "",
        (_, Kind::Close(c)) if c != '}' || !layout.body_braces.contains(&b.start) => "",
        (Kind::Open(c), _) if c != '{' || !layout.body_braces.contains(&a.start) => "",
        (Kind::Dot | Kind::DotDot, _) => "",
        (Kind::Word, Kind::Open('(' | '[')) | (Kind::Close(']' | ')'), Kind::Open('[')) => "",
        (Kind::Minus, _) if p == 0 || !ends_operand(&tokens[p - 1]) => "",
        _ => " ",
    }
}

/// Whether a token can end an operand, so that a `-` after it is binary.
fn ends_operand(t: &Tok) -> bool {
    matches!(t.kind, Kind::Word | Kind::Value | Kind::Close(_)) && !matches!(t.text.as_str(), "and" | "or" | "assert" | "const" | "import")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format(s).unwrap_or_else(|e| panic!("{}: {s}", e.message))
    }

    #[test]
    fn expands_blocks_and_normalises_spaces() {
        let src = "site lab{building b1 {hall h1{ row r1 { rack k[ 1 .. 2 ] : Rack } } } }\nrack Rack{units=48 U power_limit   =  15kW}";
        assert_eq!(
            fmt(src),
            "site lab {\n  building b1 {\n    hall h1 {\n      row r1 {\n        rack k[1..2]: Rack\n      }\n    }\n  }\n}\nrack Rack {\n  units = 48 U\n  power_limit = 15 kW\n}\n"
        );
    }

    #[test]
    fn keeps_comments_and_one_blank_line() {
        let src =
            "// head\n\n\n/// A rack.\nrack R { // trailing\n  units = 42 U /* inline */\n\n\n  // own line\n  power = 1 kW\n}\n// tail\n";
        assert_eq!(
            fmt(src),
            "// head\n\n/// A rack.\nrack R { // trailing\n  units = 42 U /* inline */\n\n  // own line\n  power = 1 kW\n}\n// tail\n"
        );
    }

    #[test]
    fn imports_paths_calls_and_operators() {
        let src = "import std.nvidia.{ H100 , B200 }\nconst x = -3+latency( a.b[1] , c.**.nic )*2\nassert x<=4 ,\"msg\"\nfabric f { endpoints = lab.*.nic }";
        assert_eq!(
            fmt(src),
            "import std.nvidia.{H100, B200}\nconst x = -3 + latency(a.b[1], c.**.nic) * 2\nassert x <= 4, \"msg\"\nfabric f {\n  endpoints = lab.*.nic\n}\n"
        );
    }

    #[test]
    fn drops_separators_and_keeps_empty_bodies_short() {
        assert_eq!(fmt("rack R { units = 42 U; power = 1 kW, }\nrack E {}"), "rack R {\n  units = 42 U\n  power = 1 kW\n}\nrack E {}\n");
    }

    #[test]
    fn a_number_keeps_an_unknown_unit_written_against_it() {
        // Found by the fmt fuzz target: `6 yrMW` would read `yrMW` as the next member.
        assert_eq!(fmt("site s {\n  facility_limit = 6yrMW\n}\n"), "site s {\n  facility_limit = 6yrMW\n}\n");
        assert_eq!(fmt("rack R {\n  power = 6kw\n}\n"), "rack R {\n  power = 6 kw\n}\n");
    }

    #[test]
    fn refuses_a_file_that_does_not_parse() {
        assert!(format("rack R { units = }").is_err());
    }

    #[test]
    fn is_idempotent_on_the_stdlib() {
        for (module, text) in crate::stdlib::MODULES {
            let once = fmt(text);
            assert_eq!(fmt(&once), once, "{module}");
        }
    }

    /// The stdlib and the SLO example: real files with comments, doc comments and units.
    fn corpus() -> Vec<String> {
        let mut files: Vec<String> = crate::stdlib::MODULES.iter().map(|(_, t)| (*t).to_string()).collect();
        files.push(include_str!("../../../examples/pod.fabric").to_string());
        files.push(include_str!("../../../examples/campus.fabric").to_string());
        files
    }

    /// `text` with the whitespace inside members (never before a member, never next to a
    /// comment) replaced by `choices`, cycled.
    fn respace(text: &str, choices: &[usize]) -> String {
        const SPACES: [&str; 4] = [" ", "   ", "\t", "\n    "];
        let parse = fabric_syntax::parse(text);
        let tokens = tokens(text);
        let layout = Layout::of(&parse.file, &tokens);
        let mut out = String::new();
        let mut last = 0usize;
        for (i, t) in tokens.iter().enumerate() {
            let gap = &text[last..t.start as usize];
            let plain = gap.chars().all(char::is_whitespace) && !gap.contains('\n');
            if i > 0 && plain && !layout.member_starts.contains(&t.start) && !choices.is_empty() {
                out.push_str(SPACES[choices[i % choices.len()] % SPACES.len()]);
            } else {
                out.push_str(gap);
            }
            out.push_str(&text[t.start as usize..t.end as usize]);
            last = t.end as usize;
        }
        out.push_str(&text[last..]);
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The layout depends on the tokens and comments, not on the spaces between them.
        #[test]
        fn spaces_inside_members_do_not_change_the_result(choices in proptest::collection::vec(0usize..4, 1..64), pick in 0usize..5) {
            let files = corpus();
            let text = &files[pick % files.len()];
            let respaced = respace(text, &choices);
            let formatted = fmt(&respaced);
            proptest::prop_assert_eq!(&formatted, &fmt(text));
            proptest::prop_assert_eq!(fmt(&formatted), formatted);
        }
    }
}
