//! The syntax tree. Every node carries the byte span it came from.
//!
//! The top level and block bodies share one member grammar ([`Member`]); where a member
//! may appear (imports only at the top, fields only inside blocks) is checked after
//! parsing, so that a misplaced member still yields a tree and one clear error.

/// A byte range in one source file, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Start byte offset.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    /// As a `usize` range for slicing and rendering.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The text of the name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A parsed file: its members in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    /// Top-level members.
    pub members: Vec<Member>,
}

/// One member of the top level or of a block body.
#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    /// `import std.nvidia.{GB200}` or `import "halls/b1.fabric"`.
    Import(Import),
    /// `const name = expr`.
    Const(Const),
    /// `name = expr`.
    Field(Field),
    /// `name <= expr`.
    Bound(Bound),
    /// `kind name[lo..hi]: Base { ... }`.
    Block(Block),
    /// `assert expr, "message"`.
    Assert(Assert),
    /// Input the parser skipped after a syntax error.
    Error(Span),
}

impl Member {
    /// The span of the whole member.
    pub fn span(&self) -> Span {
        match self {
            Member::Import(m) => m.span,
            Member::Const(m) => m.span,
            Member::Field(m) => m.span,
            Member::Bound(m) => m.span,
            Member::Block(m) => m.span,
            Member::Assert(m) => m.span,
            Member::Error(span) => *span,
        }
    }
}

/// An import.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// What is imported.
    pub target: ImportTarget,
    /// The whole import.
    pub span: Span,
}

/// The two forms of import.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportTarget {
    /// `import std.nvidia` (a module) or `import std.nvidia.{A, B}` (names from it).
    Module {
        /// The dotted module path.
        path: Vec<Ident>,
        /// The names listed in braces, if any.
        names: Option<Vec<Ident>>,
    },
    /// `import "file.fabric"`: a file relative to the importing one.
    File {
        /// The path as written (escapes decoded).
        path: String,
        /// Span of the string literal.
        path_span: Span,
    },
}

/// `const name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Const {
    /// Doc comment lines, joined by newlines.
    pub doc: Option<String>,
    /// The constant's name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// `name = value` inside a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Doc comment lines, joined by newlines.
    pub doc: Option<String>,
    /// The field's name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// The whole member.
    pub span: Span,
}

/// The comparison of a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOp {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl BoundOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BoundOp::Le => "<=",
            BoundOp::Lt => "<",
            BoundOp::Ge => ">=",
            BoundOp::Gt => ">",
        }
    }

    /// Whether `value` satisfies `op limit`, with a relative tolerance of 1e-9 on the
    /// inclusive bounds so that a value computed to equal its limit holds.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            BoundOp::Le => value <= limit + limit.abs() * 1e-9,
            BoundOp::Lt => value < limit,
            BoundOp::Ge => value >= limit - limit.abs() * 1e-9,
            BoundOp::Gt => value > limit,
        }
    }
}

/// `name <= value`: a limit on a figure the compiler computes.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The bounded figure.
    pub name: Ident,
    /// The comparison.
    pub op: BoundOp,
    /// The limit.
    pub value: Expr,
    /// The whole member.
    pub span: Span,
}

/// `[lo..hi]` after a block's name: an inclusive array of instances.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayRange {
    /// First index.
    pub lo: Expr,
    /// Last index (inclusive).
    pub hi: Expr,
    /// The brackets and what is inside.
    pub span: Span,
}

/// A block: a type, an instance or a sub-record.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Doc comment lines, joined by newlines.
    pub doc: Option<String>,
    /// The kind (`rack`, `gpu`, ...), checked by the resolver.
    pub kind: Ident,
    /// The block's name; sub-records (`load {}`) have none.
    pub name: Option<Ident>,
    /// An array range after the name.
    pub array: Option<ArrayRange>,
    /// The type after `:`.
    pub base: Option<Path>,
    /// The members in braces, if there are braces.
    pub body: Option<Vec<Member>>,
    /// The whole block.
    pub span: Span,
}

/// `assert cond, "message"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assert {
    /// The condition.
    pub condition: Expr,
    /// The message after the comma.
    pub message: Option<(String, Span)>,
    /// The whole assert.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `not`
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number, with its unit as written and the unit's span.
    Number {
        /// The value as written.
        value: f64,
        /// The unit expression, if any.
        unit: Option<Ident>,
    },
    /// `true` or `false`.
    Bool(bool),
    /// A string literal.
    Str(String),
    /// A name or a path (`hall_limit`, `campus.b1.**.gpu`).
    Path(Path),
    /// `-x`, `not x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a + b` and the other binary operators.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `count(path)` and the other builtins.
    Call(Ident, Vec<Expr>),
    /// `( x )`.
    Paren(Box<Expr>),
    /// Input skipped after a syntax error.
    Error,
}

/// A dotted path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The segments in order.
    pub segments: Vec<Segment>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// The single name, if the path is just one plain name.
    pub fn as_name(&self) -> Option<&Ident> {
        match self.segments.as_slice() {
            [Segment { kind: SegmentKind::Name(ident, None), .. }] => Some(ident),
            _ => None,
        }
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match &segment.kind {
                SegmentKind::Name(ident, None) => f.write_str(&ident.name)?,
                SegmentKind::Name(ident, Some(index)) => match &index.kind {
                    ExprKind::Number { value, unit: None } => write!(f, "{}[{}]", ident.name, value)?,
                    _ => write!(f, "{}[…]", ident.name)?,
                },
                SegmentKind::Range(ident, a, b) => match (&a.kind, &b.kind) {
                    (ExprKind::Number { value: x, unit: None }, ExprKind::Number { value: y, unit: None }) => {
                        write!(f, "{}[{x}..{y}]", ident.name)?
                    }
                    _ => write!(f, "{}[…]", ident.name)?,
                },
                SegmentKind::Star => f.write_str("*")?,
                SegmentKind::DoubleStar => f.write_str("**")?,
            }
        }
        Ok(())
    }
}

/// One segment of a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// What the segment matches.
    pub kind: SegmentKind,
    /// Where it is written.
    pub span: Span,
}

/// What a path segment matches.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentKind {
    /// A name, optionally indexed (`k[3]`).
    Name(Ident, Option<Box<Expr>>),
    /// A name with an inclusive index range (`k[1..8]`).
    Range(Ident, Box<Expr>, Box<Expr>),
    /// `*`: any one level.
    Star,
    /// `**`: any number of levels.
    DoubleStar,
}
