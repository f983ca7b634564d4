//! The one diagnostic model every stage reports with, and the registry of diagnostic codes.
//!
//! A code's long explanation lives in `docs/diagnostics/<CODE>.md` and is compiled in, so a
//! code without its explanation does not build; `fabric explain CODE` prints it.

use crate::source::SourceFile;
use fabric_syntax::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The spec is wrong; nothing is emitted.
    Error,
    /// Worth a look; the spec still builds.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A registered diagnostic code such as `E0302`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct Code(&'static str);

impl Code {
    /// The code as text.
    pub fn as_str(self) -> &'static str {
        self.0
    }
    /// The registered code spelled `text`.
    pub fn lookup(text: &str) -> Option<Code> {
        codes::ALL.iter().copied().find(|c| c.0.eq_ignore_ascii_case(text))
    }
    /// The long explanation (`docs/diagnostics/<CODE>.md`).
    pub fn explanation(self) -> &'static str {
        codes::explanation(self)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

macro_rules! registry {
    ($($code:ident: $title:literal,)*) => {
        /// Every diagnostic code the compiler can emit, with its title and explanation.
        pub mod codes {
            use super::Code;
            $(
                #[doc = $title]
                pub const $code: Code = Code(stringify!($code));
            )*
            /// Every registered code, in order.
            pub const ALL: &[Code] = &[$($code),*];
            /// The one-line title of a code.
            pub fn title(code: Code) -> &'static str {
                match code.0 {
                    $(stringify!($code) => $title,)*
                    _ => "",
                }
            }
            /// The long explanation of a code.
            pub fn explanation(code: Code) -> &'static str {
                match code.0 {
                    $(stringify!($code) => include_str!(concat!("../../../docs/diagnostics/", stringify!($code), ".md")),)*
                    _ => "",
                }
            }
        }
    };
}

registry! {
    E0101: "syntax error",
    E0102: "unexpected character",
    E0103: "unterminated string",
    E0104: "unknown escape in string",
    E0105: "unterminated block comment",
    E0106: "unclosed `{` at end of file",
    E0107: "number out of range",
    E0201: "unknown name",
    E0202: "unknown kind",
    E0203: "unknown field",
    E0204: "duplicate definition",
    E0205: "import not found",
    E0206: "import cycle",
    E0207: "import outside the project root",
    E0208: "not allowed here",
    E0209: "wrong kind of type",
    E0210: "path matches nothing",
    E0211: "missing name or required field",
    E0212: "bound used wrongly",
    E0213: "circular definition",
    E0214: "field set twice",
    E0301: "unknown unit",
    E0302: "value has the wrong dimension",
    E0303: "operands have different dimensions",
    E0304: "wrong kind of value",
    E0305: "invalid value",
    E0306: "division by zero",
    E0310: "assertion failed",
    E0401: "IT power over its limit",
    E0402: "facility power over its limit",
    E0403: "facility limit without a PUE",
    W0401: "power headroom under 5 %",
    E0501: "latency over its bound",
    E0502: "no network path",
    E0601: "fat tree cannot be built",
    E0602: "fabric cannot be generated",
    E0603: "rack too full",
    E0604: "cable beyond its medium's reach",
    E0605: "spine racks too full",
    E0606: "campus link over capacity",
    E0607: "no campus link between buildings",
    E0701: "model does not fit a replica's memory",
    E0702: "time to first token over its SLO",
    E0703: "time per output token over its SLO",
    E0704: "load beyond the service's capacity",
    E0705: "energy per token over its SLO",
    E0706: "placement holds too few GPUs",
    E0707: "context longer than the model's",
    E0708: "serving layout incomplete or mixed",
    E0709: "parallelism does not split the replica",
    W0701: "inference service not estimated",
    E0801: "name too long for NetBox",
    E0802: "name invalid for Kubernetes",
    E0803: "replica cannot be split into equal pods",
    W0804: "ASTRA-sim export covers part of the plant",
    E0805: "names collide in NetBox or Kubernetes",
    W0805: "ASTRA-sim workload reduced",
    W0806: "no ASTRA-sim workload",
    E0901: "file too large",
    E0902: "too many instances",
    E0903: "brackets nested too deeply",
    E0904: "expression nested too deeply",
    E0905: "import chain too deep",
    E0906: "too many files",
    E0907: "string too long",
    E1001: "training job does not fit its GPUs' memory",
    E1002: "training job over its bound",
    E1003: "data-parallel traffic over the campus link",
    E1004: "training layout does not split its GPUs",
    E1005: "workloads share GPUs without yielding",
    W1001: "training job not estimated",
    E1101: "scenario path matches nothing",
    E1102: "scenario fails nothing, or two ways",
}

/// A source location with a short message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Label {
    /// The file.
    pub file: SourceFile,
    /// The bytes it covers.
    pub span: Span,
    /// What to say there.
    pub message: String,
}

impl Label {
    /// A label at `span` of `file`.
    pub fn new(file: SourceFile, span: Span, message: impl Into<String>) -> Self {
        Label { file, span, message: message.into() }
    }
}

/// A fix a tool can apply without asking: replace `span` of `file` with `replacement`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Suggestion {
    /// What it does, for a menu ("Raise the limit to 140 kW").
    pub title: String,
    /// The file to edit.
    pub file: SourceFile,
    /// The bytes to replace.
    pub span: Span,
    /// What to put there.
    pub replacement: String,
}

impl Suggestion {
    /// The fix of a "did you mean": replace `span` of `file` with `text`.
    pub fn replace(file: SourceFile, span: Span, text: &str) -> Suggestion {
        Suggestion { title: format!("Replace with `{text}`"), file, span, replacement: text.to_string() }
    }

    /// The fix of a name the stdlib has: insert `import <import>` as a line at `offset` of
    /// `file` (after its leading comments and imports).
    pub fn add_import(file: SourceFile, offset: u32, import: &str) -> Suggestion {
        Suggestion {
            title: format!("Add `import {import}`"),
            file,
            span: Span::new(offset, offset),
            replacement: format!("import {import}\n"),
        }
    }
}

/// One problem found in a spec.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    /// Its registered code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One-line summary.
    pub message: String,
    /// Where it is.
    pub primary: Label,
    /// Other places that contributed.
    pub secondary: Vec<Label>,
    /// Facts that explain it (the arithmetic of a budget, the model's assumptions).
    pub notes: Vec<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// The canonical path of the instance it concerns, if any.
    pub path: Option<String>,
    /// A fix that can be applied as is (the language server offers it as a quick fix).
    pub suggestion: Option<Suggestion>,
    /// The failure scenario it belongs to (LANGUAGE.md 8.4); `None` for the spec's own checks.
    pub scenario: Option<String>,
}

impl Diagnostic {
    /// An error with its primary label.
    pub fn error(code: Code, message: impl Into<String>, primary: Label) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary,
            secondary: vec![],
            notes: vec![],
            help: None,
            path: None,
            suggestion: None,
            scenario: None,
        }
    }
    /// A warning with its primary label.
    pub fn warning(code: Code, message: impl Into<String>, primary: Label) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message, primary) }
    }
    /// Adds a secondary label.
    pub fn with_label(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }
    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Sets the fix that can be applied as is.
    /// Attaches the fix of a "did you mean": replace the primary span with `text`.
    pub fn with_replacement(self, text: &str) -> Self {
        let fix = Suggestion::replace(self.primary.file, self.primary.span, text);
        self.with_suggestion(fix)
    }
    /// Attaches a fix.
    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Self {
        self.suggestion = Some(suggestion);
        self
    }
    /// Sets the instance path.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// The closest of `candidates` to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// A line and column, both from 1; columns count Unicode scalar values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LineColumn {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// The line and column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: u32) -> LineColumn {
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineColumn { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
}

/// The diagnostic code of a kind of syntax error.
pub fn syntax_code(kind: fabric_syntax::SyntaxErrorKind) -> Code {
    use fabric_syntax::SyntaxErrorKind as K;
    match kind {
        K::UnexpectedToken => codes::E0101,
        K::InvalidCharacter => codes::E0102,
        K::UnterminatedString => codes::E0103,
        K::InvalidEscape => codes::E0104,
        K::UnterminatedComment => codes::E0105,
        K::UnclosedBrace => codes::E0106,
        K::NumberOutOfRange => codes::E0107,
        K::FileTooLarge => codes::E0901,
        K::NestedTooDeep => codes::E0903,
        K::ExpressionTooDeep => codes::E0904,
        K::StringTooLong => codes::E0907,
    }
}

/// `text` with control characters other than newline and tab written as `\u{1b}`: what
/// reaches a terminal or a CSV cell must not clear the screen or retitle the window.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}
