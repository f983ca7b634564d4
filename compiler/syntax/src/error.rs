//! What parsing reports: the syntax tree with its [`SyntaxError`]s, each of a
//! [`SyntaxErrorKind`] that names its diagnostic code.

use crate::ast::{File, Span};

/// The kinds of syntax problem, one per diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyntaxErrorKind {
    /// E0101: a token the grammar does not expect here.
    UnexpectedToken,
    /// E0102: a character that starts no token.
    InvalidCharacter,
    /// E0103: a string with no closing quote on its line.
    UnterminatedString,
    /// E0104: an unknown escape in a string.
    InvalidEscape,
    /// E0105: a block comment never closed.
    UnterminatedComment,
    /// E0106: `{` still open at the end of the file.
    UnclosedBrace,
    /// E0107: a number that does not fit a 64-bit float.
    NumberOutOfRange,
    /// E0901: the file is larger than the limit.
    FileTooLarge,
    /// E0903: brackets nested deeper than the limit.
    NestedTooDeep,
    /// E0904: an operator chain deeper than the limit.
    ExpressionTooDeep,
    /// E0907: a string longer than the limit.
    StringTooLong,
}

impl SyntaxErrorKind {
    /// The diagnostic code of this kind, e.g. `E0101`.
    pub fn code(self) -> &'static str {
        match self {
            SyntaxErrorKind::UnexpectedToken => "E0101",
            SyntaxErrorKind::InvalidCharacter => "E0102",
            SyntaxErrorKind::UnterminatedString => "E0103",
            SyntaxErrorKind::InvalidEscape => "E0104",
            SyntaxErrorKind::UnterminatedComment => "E0105",
            SyntaxErrorKind::UnclosedBrace => "E0106",
            SyntaxErrorKind::NumberOutOfRange => "E0107",
            SyntaxErrorKind::FileTooLarge => "E0901",
            SyntaxErrorKind::NestedTooDeep => "E0903",
            SyntaxErrorKind::ExpressionTooDeep => "E0904",
            SyntaxErrorKind::StringTooLong => "E0907",
        }
    }

    /// Every kind, in code order.
    pub const ALL: &[SyntaxErrorKind] = &[
        SyntaxErrorKind::UnexpectedToken,
        SyntaxErrorKind::InvalidCharacter,
        SyntaxErrorKind::UnterminatedString,
        SyntaxErrorKind::InvalidEscape,
        SyntaxErrorKind::UnterminatedComment,
        SyntaxErrorKind::UnclosedBrace,
        SyntaxErrorKind::NumberOutOfRange,
        SyntaxErrorKind::FileTooLarge,
        SyntaxErrorKind::NestedTooDeep,
        SyntaxErrorKind::ExpressionTooDeep,
        SyntaxErrorKind::StringTooLong,
    ];
}

/// A syntax problem: its kind (an E01xx code, or E09xx for limits), a message and a span.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// What kind of problem it is (it names the diagnostic code).
    pub kind: SyntaxErrorKind,
    /// One-line message.
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// Short text under the primary span.
    pub label: String,
    /// Secondary spans with their texts.
    pub related: Vec<(Span, String)>,
    /// How to fix it.
    pub help: String,
}

/// The result of parsing one file: a tree, always, and the syntax errors.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parse {
    /// Everything that could be read.
    pub file: File,
    /// Every syntax error, in source order.
    pub errors: Vec<SyntaxError>,
}
