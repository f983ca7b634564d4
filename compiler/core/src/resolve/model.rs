//! The resolved spec's model: declarations, values, plant paths, constants, asserts and
//! references, and the lookups every later stage uses ([`Program::field`] and friends).

use crate::diagnostic::Diagnostic;
use crate::schema::{Default as FieldDefault, FieldSchema, Kind};
use crate::source::SourceFile;
use crate::units::Dim;
use fabric_syntax::Span;
use fabric_syntax::ast::{self, BinaryOp, BoundOp};

/// Index of a declaration in [`Program::decls`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct DeclId(pub u32);

/// A value of the language, quantities in SI base units.
#[derive(Clone, PartialEq, Debug)]
pub enum Value {
    /// A quantity or plain number.
    Number {
        /// The value in SI base units.
        value: f64,
        /// Its dimension.
        dim: Dim,
    },
    /// `true` or `false`.
    Bool(bool),
    /// A string.
    Str(String),
    /// A bare name that is neither a constant nor a type: an enum option such as `fat_tree`.
    Symbol(String),
    /// A type.
    Type(DeclId),
    /// A path into the plant.
    Path(PlantPath),
    /// A list.
    List(Vec<Value>),
    /// A number the budgets stage computes (`count(…)`, `power(…)`, `latency(…)`), known
    /// here by its dimension and by how it is made.
    Deferred(Dim, Box<Lowered>),
    /// A boolean the budgets stage computes, and how it is made.
    DeferredBool(Box<Lowered>),
    /// A value whose error has been reported already.
    Error,
}

impl Value {
    /// The value as an operand of a [`Lowered`] expression.
    pub fn lowered(self) -> Lowered {
        match self {
            Value::Deferred(_, tree) | Value::DeferredBool(tree) => *tree,
            known => Lowered::Known(known),
        }
    }

    /// How the value is described in messages: `a time (ms)`.
    pub fn describe(&self, program: &Program) -> String {
        match self {
            Value::Number { dim, .. } | Value::Deferred(dim, _) if dim.is_none() => "a plain number".into(),
            Value::Number { dim, .. } | Value::Deferred(dim, _) => format!("a {} ({})", dim.name(), crate::schema::example_unit(*dim)),
            Value::Bool(_) | Value::DeferredBool(_) => "a boolean".into(),
            Value::Str(_) => "a string".into(),
            Value::Symbol(s) => format!("the name `{s}`"),
            Value::Type(id) => format!("the {} type `{}`", program.decl(*id).kind.name(), program.decl(*id).name.as_deref().unwrap_or("?")),
            Value::Path(_) => "a path".into(),
            Value::List(_) => "a list".into(),
            Value::Error => "an invalid value".into(),
        }
    }
}

/// A figure only the budgets stage knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Figure {
    /// `count(path)`: the instances a path selects.
    Count,
    /// `power(path)`: their IT power.
    Power,
    /// `latency(a, b)`: the worst one-way path between two sets.
    Latency,
}

/// The builtins that fold a list of numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Aggregate {
    /// `sum(…)`.
    Sum,
    /// `min(…)`.
    Min,
    /// `max(…)`.
    Max,
    /// `ceil(x)`.
    Ceil,
    /// `floor(x)`.
    Floor,
}

/// How a value the budgets stage computes is made: resolve lowers an expression that calls
/// `count`, `power` or `latency` into this tree (names, constants and paths resolved with
/// the file's scoping, everything known folded); the budgets stage fills in the figures and
/// folds the rest with the same arithmetic ([`super::fold`]).
#[derive(Clone, PartialEq, Debug)]
pub enum Lowered {
    /// A value known at resolution.
    Known(Value),
    /// A figure, its paths, and the span of its arguments.
    Figure(Figure, Vec<PlantPath>, Span),
    /// `-x`.
    Neg(Box<Lowered>),
    /// `not x`.
    Not(Box<Lowered>),
    /// `a op b`.
    Binary(BinaryOp, Box<Lowered>, Box<Lowered>),
    /// `sum`, `min`, `max`, `ceil` or `floor` of its operands.
    Aggregate(Aggregate, Vec<Lowered>),
}

/// A path into the plant with its indexes evaluated.
#[derive(Clone, PartialEq, Debug)]
pub struct PlantPath {
    /// The segments.
    pub segments: Vec<PathSegment>,
    /// The file it is written in.
    pub file: SourceFile,
    /// Where.
    pub span: Span,
}

impl std::fmt::Display for PlantPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match &s.matcher {
                Matcher::Name(n, None) => f.write_str(n)?,
                Matcher::Name(n, Some(i)) => write!(f, "{n}[{i}]")?,
                Matcher::Range(n, a, b) => write!(f, "{n}[{a}..{b}]")?,
                Matcher::Star => f.write_str("*")?,
                Matcher::DoubleStar => f.write_str("**")?,
            }
        }
        Ok(())
    }
}

/// One segment of a [`PlantPath`].
#[derive(Clone, PartialEq, Debug)]
pub struct PathSegment {
    /// What it matches.
    pub matcher: Matcher,
    /// Where it is written.
    pub span: Span,
}

/// What a path segment matches.
#[derive(Clone, PartialEq, Debug)]
pub enum Matcher {
    /// Instances of this name (all elements of an array unless indexed).
    Name(String, Option<i64>),
    /// Elements `first..=last` of the array of this name.
    Range(String, i64, i64),
    /// Any one level.
    Star,
    /// Any number of levels, zero included.
    DoubleStar,
}

/// A field assignment, evaluated.
#[derive(Clone, PartialEq, Debug)]
pub struct FieldValue {
    /// The schema field.
    pub name: &'static str,
    /// The value.
    pub value: Value,
    /// The field's name as written.
    pub name_span: Span,
    /// The value expression.
    pub span: Span,
}

/// A bound (`ttft_p99 <= 2 s`), evaluated.
#[derive(Clone, PartialEq, Debug)]
pub struct BoundValue {
    /// The schema field.
    pub name: &'static str,
    /// The comparison.
    pub op: BoundOp,
    /// The limit.
    pub value: Value,
    /// The whole bound.
    pub span: Span,
}

/// A declaration: a type, an instance (or array of them), or a sub-record.
#[derive(Clone, PartialEq, Debug)]
pub struct Decl {
    /// Its kind.
    pub kind: Kind,
    /// Its name; sub-records have none.
    pub name: Option<String>,
    /// Inclusive array range, for arrays.
    pub array: Option<(i64, i64)>,
    /// Where the array range is written.
    pub array_span: Option<Span>,
    /// The type it derives from or instantiates.
    pub base: Option<DeclId>,
    /// Fields it sets itself.
    pub fields: Vec<FieldValue>,
    /// Bounds it states.
    pub bounds: Vec<BoundValue>,
    /// Blocks nested in it.
    pub children: Vec<DeclId>,
    /// The block that contains it.
    pub parent: Option<DeclId>,
    /// Whether it is a top-level type (rather than an instance or a part of one).
    pub is_type: bool,
    /// Its file.
    pub file: SourceFile,
    /// The whole block.
    pub span: Span,
    /// The name (or kind, when nameless) for labels.
    pub name_span: Span,
    /// Its doc comment.
    pub doc: Option<String>,
}

impl Decl {
    /// Number of instances the declaration stands for (1, or the array's length).
    pub fn len(&self) -> u64 {
        self.array.map_or(1, |(lo, hi)| (hi - lo + 1).max(0) as u64)
    }
    /// Whether the declaration stands for no instance (an empty array).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A top-level constant, evaluated.
#[derive(Clone, PartialEq, Debug)]
pub struct ConstDef {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: Value,
    /// Its expression, for values the budgets stage computes (`power(…)`).
    pub expr: ast::Expr,
    /// Its file.
    pub file: SourceFile,
    /// The declaration.
    pub span: Span,
    /// Its doc comment.
    pub doc: Option<String>,
}

/// An assert, kept for the budgets stage with its condition type-checked.
#[derive(Clone, PartialEq, Debug)]
pub struct AssertDef {
    /// The condition as written.
    pub condition: ast::Expr,
    /// The condition lowered: `Bool`, a [`Value::DeferredBool`], or `Error` (reported).
    pub value: Value,
    /// Where the condition is a comparison, its two sides lowered (for the failure's labels).
    pub sides: Option<(Value, Value)>,
    /// The message after the comma.
    pub message: Option<String>,
    /// Its file.
    pub file: SourceFile,
    /// The whole assert.
    pub span: Span,
    /// The block it is in, if any.
    pub owner: Option<DeclId>,
}

/// The resolved spec.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Program {
    /// Every declaration.
    pub decls: Vec<Decl>,
    /// Top-level instances (sites, links, fabrics, inference services) in source order.
    pub roots: Vec<DeclId>,
    /// Top-level types in source order.
    pub types: Vec<DeclId>,
    /// Constants in source order.
    pub consts: Vec<ConstDef>,
    /// Asserts in source order.
    pub asserts: Vec<AssertDef>,
    /// Every plant path written in the spec, for the elaborator to check.
    pub paths: Vec<PlantPath>,
    /// Files of the spec, entry first.
    pub files: Vec<SourceFile>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// The stdlib module every spec loads ([`crate::stdlib::PRELUDE`]).
    pub prelude: Option<SourceFile>,
    /// Every use of a declared name (a type, a constant, an imported name), with the
    /// definition it resolves to: what go-to-definition, references and rename read.
    pub references: Vec<Reference>,
}

/// One use of a declared name.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Reference {
    /// The file it is written in.
    pub file: SourceFile,
    /// The name as written.
    pub span: Span,
    /// The file of the definition.
    pub target_file: SourceFile,
    /// The definition's name.
    pub target_span: Span,
}

impl Program {
    /// The declaration `id`.
    pub fn decl(&self, id: DeclId) -> &Decl {
        &self.decls[id.0 as usize]
    }

    /// The value of field `name` for a declaration: its own, else its base chain's, else
    /// the schema default. `None` when unset and without default.
    pub fn field(&self, id: DeclId, name: &str) -> Option<FieldRef<'_>> {
        if let Some((_, f)) = self.field_set(id, name) {
            return Some(FieldRef::Set(f));
        }
        let schema = self.decl(id).kind.schema().field(name)?;
        schema.default.map(|d| FieldRef::Default(schema, d))
    }

    /// Where field `name` is set for a declaration: the declaration of its type chain that
    /// sets it (itself first), and the assignment. `None` when only the default applies.
    pub fn field_set(&self, id: DeclId, name: &str) -> Option<(DeclId, &FieldValue)> {
        let mut current = Some(id);
        let mut guard = 0;
        while let Some(d) = current {
            let decl = self.decl(d);
            if let Some(f) = decl.fields.iter().find(|f| f.name == name) {
                return Some((d, f));
            }
            current = decl.base;
            guard += 1;
            if guard > self.decls.len() {
                break;
            }
        }
        None
    }

    /// Where a field is set for a declaration: the declaration in its type chain that sets
    /// it, and the span of the value.
    pub fn field_origin(&self, decl: DeclId, name: &str) -> Option<(SourceFile, Span)> {
        self.field_set(decl, name).map(|(owner, f)| (self.decl(owner).file, f.span))
    }

    /// The blocks an instance of `id` contains: its base chain's, base-most first, then its own.
    pub fn expanded_children(&self, id: DeclId) -> Vec<DeclId> {
        // A chain is at most as long as there are declarations; a longer walk is a cycle
        // (reported as E0213 and cut by the resolver). No search per step: 10,000 derived
        // types are 10,000 short walks, not a cubic scan.
        let mut chain = vec![id];
        let mut current = self.decl(id).base;
        while let Some(b) = current {
            if b == id || chain.len() > self.decls.len() {
                break;
            }
            chain.push(b);
            current = self.decl(b).base;
        }
        chain.iter().rev().flat_map(|d| self.decl(*d).children.iter().copied()).collect()
    }
}

/// A field's value as found by [`Program::field`].
#[derive(Clone, Copy, Debug)]
pub enum FieldRef<'a> {
    /// Set in the spec.
    Set(&'a FieldValue),
    /// Left out; the schema's default.
    Default(&'static FieldSchema, FieldDefault),
}

impl FieldRef<'_> {
    /// The number (SI), if the value is a number.
    pub fn number(&self) -> Option<f64> {
        match self {
            FieldRef::Set(FieldValue { value: Value::Number { value, .. }, .. }) => Some(*value),
            FieldRef::Default(_, FieldDefault::Number(n)) => Some(*n),
            _ => None,
        }
    }
    /// The type, if the value is one (`leaf = Q3450`).
    pub fn type_id(&self) -> Option<DeclId> {
        match self {
            FieldRef::Set(FieldValue { value: Value::Type(id), .. }) => Some(*id),
            _ => None,
        }
    }
    /// The option or string, if the value is one (`optics = cpo`).
    pub fn text(&self) -> Option<&str> {
        match self {
            FieldRef::Set(FieldValue { value: Value::Symbol(s) | Value::Str(s), .. }) => Some(s),
            FieldRef::Default(_, FieldDefault::Text(t)) => Some(t),
            _ => None,
        }
    }
    /// The boolean, if the value is one.
    pub fn boolean(&self) -> Option<bool> {
        match self {
            FieldRef::Set(FieldValue { value: Value::Bool(b), .. }) => Some(*b),
            FieldRef::Default(_, FieldDefault::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    /// The path, if the value is one.
    pub fn path(&self) -> Option<&PlantPath> {
        match self {
            FieldRef::Set(FieldValue { value: Value::Path(p), .. }) => Some(p),
            _ => None,
        }
    }
    /// Where the value is set, when it is set in the spec rather than defaulted.
    pub fn set(&self) -> Option<&FieldValue> {
        match self {
            FieldRef::Set(f) => Some(f),
            FieldRef::Default(..) => None,
        }
    }
}
