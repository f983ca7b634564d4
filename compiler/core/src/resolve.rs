//! Name resolution and evaluation: imports, constants, kinds and their fields, types and
//! derived types, and every field value evaluated with its dimension.
//!
//! The result, [`Program`], is a flat arena of declarations ([`Decl`]): top-level types,
//! top-level instances and the blocks nested in either. Elaboration (`plant`) expands it.

use crate::db::{FileSlot, Project, SourceFile, module_key, parse_file};
use crate::diagnostic::{Code, Diagnostic, Label, codes, did_you_mean};
use crate::schema::{Default as FieldDefault, FieldSchema, Kind, Role, ValueType};
use crate::units::{Dim, approx_eq, format_quantity, parse_unit};
use fabric_syntax::Span;
use fabric_syntax::ast::{self, BinaryOp, BoundOp, ExprKind, ImportTarget, Member, SegmentKind, UnaryOp};
use std::collections::HashMap;

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
    /// A number the budgets stage computes (`power(…)`, `latency(…)`), known here only by
    /// its dimension.
    Deferred(Dim),
    /// A boolean the budgets stage computes.
    DeferredBool,
    /// A value whose error has been reported already.
    Error,
}

impl Value {
    /// How the value is described in messages: `a time (ms)`.
    pub fn describe(&self, program: &Program) -> String {
        match self {
            Value::Number { dim, .. } | Value::Deferred(dim) if dim.is_none() => "a plain number".into(),
            Value::Number { dim, .. } | Value::Deferred(dim) => format!("a {} ({})", dim.name(), crate::schema::example_unit(*dim)),
            Value::Bool(_) | Value::DeferredBool => "a boolean".into(),
            Value::Str(_) => "a string".into(),
            Value::Symbol(s) => format!("the name `{s}`"),
            Value::Type(id) => format!("the {} type `{}`", program.decl(*id).kind.name(), program.decl(*id).name.as_deref().unwrap_or("?")),
            Value::Path(_) => "a path".into(),
            Value::List(_) => "a list".into(),
            Value::Error => "an invalid value".into(),
        }
    }
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

    /// The blocks an instance of `id` contains: its base chain's, base-most first, then its own.
    pub fn expanded_children(&self, id: DeclId) -> Vec<DeclId> {
        let mut chain = vec![id];
        let mut current = self.decl(id).base;
        while let Some(b) = current {
            if chain.contains(&b) {
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

/// The syntax errors of one file as diagnostics.
pub fn syntax_diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    parse_file(db, file)
        .errors
        .iter()
        .map(|e| {
            let code = Code::lookup(e.code).unwrap_or(codes::E0101);
            let mut d = Diagnostic::error(code, e.message.clone(), Label::new(file, e.span, e.label.clone())).with_help(e.help.clone());
            for (span, text) in &e.related {
                d = d.with_label(Label::new(file, *span, text.clone()));
            }
            d
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Symbol {
    Const(usize, usize),
    Type(DeclId),
}

struct FileCtx<'a> {
    file: SourceFile,
    parse: &'a fabric_syntax::Parse,
    /// Names this file declares.
    own: HashMap<String, (Symbol, Span)>,
    /// Names visible in this file: its own and imported.
    scope: HashMap<String, Symbol>,
    /// Module aliases: `import std.nvidia` makes `nvidia` refer to that file's index.
    modules: HashMap<String, usize>,
    /// Line numbers (0-based) on which a syntax error starts.
    error_lines: Vec<usize>,
}

enum ConstState {
    InProgress,
    Done(Value),
}

struct Resolver<'a> {
    db: &'a dyn salsa::Database,
    files: Vec<FileCtx<'a>>,
    by_key: HashMap<String, usize>,
    program: Program,
    consts: HashMap<(usize, usize), ConstState>,
}

/// Resolves a project into a [`Program`].
pub fn resolve(db: &dyn salsa::Database, project: Project) -> Program {
    let slots = project.files(db);
    let entry = project.entry(db);
    let mut r = Resolver { db, files: Vec::new(), by_key: HashMap::new(), program: Program::default(), consts: HashMap::new() };
    // Files reachable from the entry, in depth-first import order; cycles are reported.
    let mut order = Vec::new();
    let mut stack = Vec::new();
    r.visit(entry, slots, &mut order, &mut stack);
    if let Some(FileSlot::Loaded(prelude)) = slots.get(crate::stdlib::PRELUDE) {
        r.visit(*prelude, slots, &mut order, &mut stack);
        r.program.prelude = Some(*prelude);
    }
    for file in order {
        let parse = parse_file(db, file);
        let text = file.text(db);
        let error_lines = parse.errors.iter().map(|e| line_of(text, e.span.start)).collect();
        r.by_key.insert(file.key(db).clone(), r.files.len());
        r.files.push(FileCtx { file, parse, own: HashMap::new(), scope: HashMap::new(), modules: HashMap::new(), error_lines });
        r.program.files.push(file);
    }
    for i in 0..r.files.len() {
        r.declare(i);
    }
    for i in 0..r.files.len() {
        r.import(i, slots);
    }
    for i in 0..r.files.len() {
        r.lower_file(i);
    }
    r.check_base_cycles();
    r.check_required();
    let mut seen = std::collections::HashSet::new();
    r.program.references.retain(|reference| seen.insert(*reference));
    r.program
}

fn line_of(text: &str, offset: u32) -> usize {
    text.as_bytes()[..(offset as usize).min(text.len())].iter().filter(|&&b| b == b'\n').count()
}

impl<'a> Resolver<'a> {
    fn visit(
        &mut self,
        file: SourceFile,
        slots: &std::collections::BTreeMap<String, FileSlot>,
        order: &mut Vec<SourceFile>,
        stack: &mut Vec<(SourceFile, Span)>,
    ) {
        if order.contains(&file) {
            return;
        }
        order.push(file);
        let db = self.db;
        let parse = parse_file(db, file);
        for member in &parse.file.members {
            let Member::Import(import) = member else { continue };
            let target = match &import.target {
                ImportTarget::File { path, .. } => {
                    let key = file_import_key(file.key(db), path);
                    match slots.get(&key) {
                        Some(FileSlot::Loaded(f)) => *f,
                        _ => continue,
                    }
                }
                ImportTarget::Module { path, .. } => {
                    let names: Vec<String> = path.iter().map(|i| i.name.clone()).collect();
                    match module_key(&names).and_then(|(k, _)| slots.get(&k).cloned()) {
                        Some(FileSlot::Loaded(f)) => f,
                        _ => continue,
                    }
                }
            };
            if let Some(pos) = stack.iter().position(|(f, _)| *f == target).or_else(|| (target == file).then_some(usize::MAX)) {
                let mut cycle: Vec<String> =
                    if pos == usize::MAX { vec![] } else { stack[pos..].iter().map(|(f, _)| f.display_path(db).clone()).collect() };
                cycle.push(file.display_path(db).clone());
                cycle.push(target.display_path(db).clone());
                let mut d = Diagnostic::error(
                    codes::E0206,
                    format!("import cycle: {}", cycle.join(" → ")),
                    Label::new(file, import.span, "this import closes the cycle"),
                )
                .with_help("move the shared declarations into a file that both import, and import it from each");
                if pos != usize::MAX {
                    for (f, span) in &stack[pos..] {
                        d = d.with_label(Label::new(*f, *span, "imported here"));
                    }
                }
                self.program.diagnostics.push(d);
                continue;
            }
            stack.push((file, import.span));
            self.visit(target, slots, order, stack);
            stack.pop();
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.program.diagnostics.push(d);
    }

    fn push_decl(&mut self, decl: Decl) -> DeclId {
        self.program.decls.push(decl);
        DeclId(self.program.decls.len() as u32 - 1)
    }

    /// Registers the names a file declares: constants, types and top-level instances.
    fn declare(&mut self, fi: usize) {
        let file = self.files[fi].file;
        let parse = self.files[fi].parse;
        let mut instance_names: HashMap<String, Span> = HashMap::new();
        for (mi, member) in parse.file.members.iter().enumerate() {
            let (name, span, symbol) = match member {
                Member::Const(c) => (c.name.name.clone(), c.name.span, Some(Symbol::Const(fi, mi))),
                Member::Block(block) => {
                    let Some(kind) = self.kind_of(file, &block.kind) else { continue };
                    let role = kind.schema().role;
                    if role == Role::SubRecord {
                        self.error(
                            Diagnostic::error(
                                codes::E0208,
                                format!("a `{}` block belongs inside an `inference` block", kind.name()),
                                Label::new(file, block.kind.span, "not allowed at the top level"),
                            )
                            .with_help(format!(
                                "move it into the `{}` it describes",
                                kind.parents().first().map_or("inference", |k| k.name())
                            )),
                        );
                        continue;
                    }
                    let Some(name) = &block.name else {
                        self.error(
                            Diagnostic::error(
                                codes::E0211,
                                format!("this `{}` needs a name", kind.name()),
                                Label::new(file, block.kind.span, "no name"),
                            )
                            .with_help(format!("write `{} my_name {{ … }}`", kind.name())),
                        );
                        continue;
                    };
                    let is_type = role == Role::Type;
                    let id = self.push_decl(Decl {
                        kind,
                        name: Some(name.name.clone()),
                        array: None,
                        array_span: None,
                        base: None,
                        fields: vec![],
                        bounds: vec![],
                        children: vec![],
                        parent: None,
                        is_type,
                        file,
                        span: block.span,
                        name_span: name.span,
                        doc: block.doc.clone(),
                    });
                    if is_type {
                        self.program.types.push(id);
                        (name.name.clone(), name.span, Some(Symbol::Type(id)))
                    } else {
                        self.program.roots.push(id);
                        if let Some(first) = instance_names.insert(name.name.clone(), name.span) {
                            self.duplicate(file, &name.name, name.span, file, first);
                        }
                        (name.name.clone(), name.span, None)
                    }
                }
                _ => continue,
            };
            let Some(symbol) = symbol else { continue };
            if let Some(&(_, first)) = self.files[fi].own.get(&name) {
                self.duplicate(file, &name, span, file, first);
                continue;
            }
            self.files[fi].own.insert(name.clone(), (symbol, span));
            self.files[fi].scope.insert(name, symbol);
        }
    }

    fn duplicate(&mut self, file: SourceFile, name: &str, span: Span, first_file: SourceFile, first: Span) {
        self.error(
            Diagnostic::error(codes::E0204, format!("`{name}` is defined more than once"), Label::new(file, span, "defined again here"))
                .with_label(Label::new(first_file, first, "first defined here"))
                .with_help("rename one of them, or remove the second definition"),
        );
    }

    fn kind_of(&mut self, file: SourceFile, ident: &ast::Ident) -> Option<Kind> {
        let kind = Kind::from_name(&ident.name);
        if kind.is_some() {
            return kind;
        }
        // A word cut loose by a syntax error on the same line is part of that error. (Only
        // looked up for unknown kinds: finding the line scans the text.)
        let cut_loose = self
            .files
            .iter()
            .find(|f| f.file == file)
            .is_some_and(|f| f.error_lines.contains(&line_of(file.text(self.db), ident.span.start)));
        if !cut_loose {
            let names = Kind::ALL.map(|k| k.name());
            let mut d =
                Diagnostic::error(codes::E0202, format!("unknown kind `{}`", ident.name), Label::new(file, ident.span, "not a kind"));
            d = match did_you_mean(&ident.name, names) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("the kinds are {}", names.join(", "))),
            };
            self.error(d);
        }
        kind
    }

    fn import(&mut self, fi: usize, slots: &std::collections::BTreeMap<String, FileSlot>) {
        let db = self.db;
        let file = self.files[fi].file;
        let parse = self.files[fi].parse;
        for member in &parse.file.members {
            let Member::Import(import) = member else { continue };
            match &import.target {
                ImportTarget::File { path, path_span } => {
                    let key = file_import_key(file.key(db), path);
                    match slots.get(&key) {
                        Some(FileSlot::Loaded(target)) => {
                            let Some(&ti) = self.by_key.get(target.key(db)) else { continue };
                            let names: Vec<(String, (Symbol, Span))> = self.files[ti].own.iter().map(|(k, v)| (k.clone(), *v)).collect();
                            for (name, (symbol, _)) in names {
                                self.bind_import(fi, &name, symbol, *path_span);
                            }
                        }
                        Some(FileSlot::OutsideRoot) => self.error(
                            Diagnostic::error(codes::E0207, format!("`{path}` is outside the project root"), Label::new(file, *path_span, "leaves the project folder"))
                                .with_help("imports may only name files inside the folder of the spec given on the command line; copy or link the file there"),
                        ),
                        Some(FileSlot::TooDeep) => self.error(
                            Diagnostic::error(
                                codes::E0905,
                                format!("`{path}` would be imported more than {} files deep", crate::db::MAX_IMPORT_DEPTH),
                                Label::new(file, *path_span, "import chain too long"),
                            )
                            .with_help("import the files a spec needs from fewer levels: an entry file that imports each part directly"),
                        ),
                        Some(FileSlot::TooMany) => self.error(
                            Diagnostic::error(
                                codes::E0906,
                                format!("`{path}` is not loaded: the spec already has {} files", crate::db::MAX_FILES),
                                Label::new(file, *path_span, "one file too many"),
                            )
                            .with_help("merge small files; a spec that reaches this usually imports a generated tree by mistake"),
                        ),
                        Some(FileSlot::Missing(reason)) => self.error(
                            Diagnostic::error(codes::E0205, format!("cannot import `{path}`: {reason}"), Label::new(file, *path_span, "file not found"))
                                .with_help("file imports are relative to the importing file"),
                        ),
                        None => {}
                    }
                }
                ImportTarget::Module { path, names } => {
                    let segments: Vec<String> = path.iter().map(|i| i.name.clone()).collect();
                    let Some((key, used)) = module_key(&segments) else {
                        let dotted = segments.join(".");
                        let modules = crate::stdlib::MODULES.iter().map(|(n, _)| *n);
                        let help = match did_you_mean(&dotted, modules) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "the standard library has {}; files are imported with a string: `import \"file.fabric\"`",
                                crate::stdlib::MODULES.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        let span = path[0].span.cover(path[path.len() - 1].span);
                        self.error(
                            Diagnostic::error(codes::E0205, format!("no module `{dotted}`"), Label::new(file, span, "unknown module"))
                                .with_help(help),
                        );
                        continue;
                    };
                    let Some(&ti) = self.by_key.get(&key) else { continue };
                    let rest = &path[used..];
                    let wanted: Vec<&ast::Ident> = match (names, rest) {
                        (Some(list), []) => list.iter().collect(),
                        (None, []) => {
                            let alias = segments[used - 1].clone();
                            self.files[fi].modules.insert(alias, ti);
                            continue;
                        }
                        (None, [single]) => vec![single],
                        (_, extra) => {
                            let span = extra[0].span.cover(extra[extra.len() - 1].span);
                            self.error(
                                Diagnostic::error(
                                    codes::E0205,
                                    format!("`{key}` has no submodule `{}`", extra[0].name),
                                    Label::new(file, span, "not a module"),
                                )
                                .with_help(format!("import names with `import {key}.{{Name, Other}}`")),
                            );
                            continue;
                        }
                    };
                    for ident in wanted {
                        match self.files[ti].own.get(&ident.name).copied() {
                            Some((symbol, _)) => {
                                self.reference(fi, ident.span, symbol);
                                self.bind_import(fi, &ident.name, symbol, ident.span)
                            }
                            None => {
                                let available: Vec<String> = self.files[ti].own.keys().cloned().collect();
                                let mut d = Diagnostic::error(
                                    codes::E0201,
                                    format!("`{key}` has no `{}`", ident.name),
                                    Label::new(file, ident.span, "not in this module"),
                                );
                                d = match did_you_mean(&ident.name, available.iter().map(String::as_str)) {
                                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                    None => d.with_help(format!("`fabric explain E0201` tells how to list what `{key}` holds")),
                                };
                                self.error(d);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Records that `span` of file `fi` names `symbol`.
    fn reference(&mut self, fi: usize, span: Span, symbol: Symbol) {
        let (target_file, target_span) = match symbol {
            Symbol::Type(id) => (self.program.decl(id).file, self.program.decl(id).name_span),
            Symbol::Const(cf, cm) => match &self.files[cf].parse.file.members[cm] {
                Member::Const(c) => (self.files[cf].file, c.name.span),
                _ => return,
            },
        };
        self.program.references.push(Reference { file: self.files[fi].file, span, target_file, target_span });
    }

    fn bind_import(&mut self, fi: usize, name: &str, symbol: Symbol, span: Span) {
        let file = self.files[fi].file;
        if let Some(&(_, own)) = self.files[fi].own.get(name) {
            self.error(
                Diagnostic::error(
                    codes::E0204,
                    format!("`{name}` is imported and also defined in this file"),
                    Label::new(file, own, "defined here"),
                )
                .with_label(Label::new(file, span, "imported here"))
                .with_help("rename the local definition or drop the import"),
            );
            return;
        }
        self.files[fi].scope.insert(name.to_string(), symbol);
    }

    fn lower_file(&mut self, fi: usize) {
        let file = self.files[fi].file;
        let parse = self.files[fi].parse;
        let mut next_top = self
            .program
            .decls
            .iter()
            .enumerate()
            .filter(|(_, d)| d.file == file && d.parent.is_none())
            .map(|(i, _)| DeclId(i as u32))
            .collect::<Vec<_>>()
            .into_iter();
        for (mi, member) in parse.file.members.iter().enumerate() {
            match member {
                Member::Const(_) => {
                    let value = self.const_value(fi, mi);
                    let Member::Const(c) = member else { continue };
                    self.program.consts.push(ConstDef {
                        name: c.name.name.clone(),
                        value,
                        expr: c.value.clone(),
                        file,
                        span: c.span,
                        doc: c.doc.clone(),
                    });
                }
                Member::Block(block) => {
                    let Some(kind) = Kind::from_name(&block.kind.name) else { continue };
                    if kind.schema().role == Role::SubRecord || block.name.is_none() {
                        continue;
                    }
                    let Some(id) = next_top.next() else { continue };
                    if let Some(array) = &block.array {
                        let what = if kind.schema().role == Role::Type { "a type" } else { "a top-level instance" };
                        self.error(
                            Diagnostic::error(
                                codes::E0208,
                                format!("{what} cannot be an array"),
                                Label::new(file, array.span, "array range here"),
                            )
                            .with_help("declare arrays where the instances stand, for example `rack k[1..16]: MyRack` inside a row"),
                        );
                    }
                    self.lower_body(fi, id, block);
                }
                Member::Assert(a) => self.lower_assert(fi, a, None),
                Member::Field(field) => self.misplaced(
                    fi,
                    field.name.span,
                    format!("field `{}` outside any block", field.name.name),
                    "fields belong inside a block: `rack r { units = 42 U }`",
                ),
                Member::Bound(bound) => self.misplaced(
                    fi,
                    bound.name.span,
                    format!("bound `{}` outside any block", bound.name.name),
                    "bounds belong in an `slo` block inside an `inference` block",
                ),
                Member::Import(_) | Member::Error(_) => {}
            }
        }
    }

    fn misplaced(&mut self, fi: usize, span: Span, message: String, help: &str) {
        let file = self.files[fi].file;
        // A member cut loose by a syntax error on the same line is part of that error.
        if self.files[fi].error_lines.contains(&line_of(file.text(self.db), span.start)) {
            return;
        }
        self.error(Diagnostic::error(codes::E0208, message, Label::new(file, span, "not allowed here")).with_help(help));
    }

    fn lower_assert(&mut self, fi: usize, a: &ast::Assert, owner: Option<DeclId>) {
        let file = self.files[fi].file;
        let value = self.eval(fi, &a.condition, 0);
        if !matches!(value, Value::Bool(_) | Value::DeferredBool | Value::Error) {
            let described = value.describe(&self.program);
            self.error(
                Diagnostic::error(
                    codes::E0304,
                    format!("an assert needs a condition, found {described}"),
                    Label::new(file, a.condition.span, "not true or false"),
                )
                .with_help("compare two values, for example `assert power(campus.b1) <= 20 MW`"),
            );
        }
        self.program.asserts.push(AssertDef {
            condition: a.condition.clone(),
            message: a.message.as_ref().map(|m| m.0.clone()),
            file,
            span: a.span,
            owner,
        });
    }

    /// Fills in a declaration from its block: base, array, fields, bounds, children, asserts.
    fn lower_body(&mut self, fi: usize, id: DeclId, block: &ast::Block) {
        let file = self.files[fi].file;
        let kind = self.program.decl(id).kind;
        let schema = kind.schema();
        if let Some(array) = &block.array
            && self.program.decl(id).parent.is_some()
        {
            let range = self.array_range(fi, array);
            self.program.decls[id.0 as usize].array = range;
            self.program.decls[id.0 as usize].array_span = Some(array.span);
        }
        if let Some(base) = &block.base {
            let base_id = self.type_ref(fi, base, kind);
            self.program.decls[id.0 as usize].base = base_id;
        }
        let Some(body) = &block.body else { return };
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for member in body {
            match member {
                Member::Field(field) => {
                    let Some(fs) = schema.field(&field.name.name) else {
                        self.unknown_field(file, kind, &field.name);
                        continue;
                    };
                    if fs.bound {
                        self.error(
                            Diagnostic::error(
                                codes::E0212,
                                format!("`{}` is a bound, not a setting", fs.name),
                                Label::new(file, field.name.span, "a limit on a computed figure"),
                            )
                            .with_help(format!("write `{} <= …` to state the limit", fs.name)),
                        );
                        continue;
                    }
                    if let Some(first) = seen.insert(fs.name, field.name.span) {
                        self.repeated(file, fs.name, field.name.span, first, "set", "keep one of the two assignments");
                        continue;
                    }
                    let value = self.eval(fi, &field.value, 0);
                    let value = self.check_value(fi, fs, value, &field.value);
                    self.program.decls[id.0 as usize].fields.push(FieldValue {
                        name: fs.name,
                        value,
                        name_span: field.name.span,
                        span: field.value.span,
                    });
                }
                Member::Bound(bound) => {
                    let Some(fs) = schema.field(&bound.name.name) else {
                        self.unknown_field(file, kind, &bound.name);
                        continue;
                    };
                    if !fs.bound {
                        self.error(
                            Diagnostic::error(
                                codes::E0212,
                                format!("`{}` is a setting, not a bound", fs.name),
                                Label::new(file, bound.name.span, "cannot be bounded"),
                            )
                            .with_help(format!(
                                "write `{} = …`; bounds are allowed on {}",
                                fs.name,
                                bound_fields_hint()
                            )),
                        );
                        continue;
                    }
                    if let Some(first) = seen.insert(fs.name, bound.name.span) {
                        self.repeated(file, fs.name, bound.name.span, first, "bounded", "keep the tighter of the two bounds");
                        continue;
                    }
                    let value = self.eval(fi, &bound.value, 0);
                    let value = self.check_value(fi, fs, value, &bound.value);
                    self.program.decls[id.0 as usize].bounds.push(BoundValue { name: fs.name, op: bound.op, value, span: bound.span });
                }
                Member::Block(child) => {
                    if let Some(child_id) = self.lower_child(fi, id, kind, child) {
                        self.program.decls[id.0 as usize].children.push(child_id);
                    }
                }
                Member::Assert(a) => self.lower_assert(fi, a, Some(id)),
                Member::Import(import) => {
                    self.misplaced(fi, import.span, "an import inside a block".into(), "imports go at the top of the file")
                }
                Member::Const(c) => self.misplaced(
                    fi,
                    c.name.span,
                    "a constant inside a block".into(),
                    "constants are declared at the top level: `const hall_limit = 20 MW`",
                ),
                Member::Error(_) => {}
            }
        }
    }

    /// Reports a field set (or bounded) a second time in one block.
    fn repeated(&mut self, file: SourceFile, name: &str, span: Span, first: Span, verb: &str, help: &str) {
        self.error(
            Diagnostic::error(codes::E0214, format!("`{name}` is {verb} twice"), Label::new(file, span, format!("{verb} again here")))
                .with_label(Label::new(file, first, format!("first {verb} here")))
                .with_help(help),
        );
    }

    fn lower_child(&mut self, fi: usize, parent: DeclId, parent_kind: Kind, block: &ast::Block) -> Option<DeclId> {
        let file = self.files[fi].file;
        let kind = self.kind_of(file, &block.kind)?;
        let allowed = parent_kind.schema().children;
        if !allowed.contains(&kind) {
            let homes: Vec<String> = kind.parents().iter().map(|k| format!("`{}`", k.name())).collect();
            let mut help = if allowed.is_empty() {
                format!("a `{}` holds no blocks", parent_kind.name())
            } else {
                format!(
                    "a `{}` holds {}",
                    parent_kind.name(),
                    allowed.iter().map(|k| format!("`{}`", k.name())).collect::<Vec<_>>().join(", ")
                )
            };
            if homes.is_empty() {
                help.push_str(&format!("; a `{}` is declared at the top level", kind.name()));
            } else {
                help.push_str(&format!("; a `{}` goes inside {}", kind.name(), homes.join(" or ")));
            }
            self.error(
                Diagnostic::error(
                    codes::E0208,
                    format!("a `{}` cannot be placed in a `{}`", kind.name(), parent_kind.name()),
                    Label::new(file, block.kind.span, "not allowed here"),
                )
                .with_help(help),
            );
            return None;
        }
        let sub_record = kind.schema().role == Role::SubRecord;
        if block.name.is_none() && !sub_record {
            self.error(
                Diagnostic::error(
                    codes::E0211,
                    format!("this `{}` needs a name", kind.name()),
                    Label::new(file, block.kind.span, "no name"),
                )
                .with_help(format!("write `{} my_name …`; every instance has a name so that paths can reach it", kind.name())),
            );
            return None;
        }
        if sub_record && (block.name.is_some() || block.array.is_some()) {
            let span = block.name.as_ref().map_or(block.kind.span, |n| n.span);
            self.error(
                Diagnostic::error(codes::E0208, format!("a `{}` block has no name", kind.name()), Label::new(file, span, "remove this"))
                    .with_help(format!("write `{} {{ … }}`", kind.name())),
            );
        }
        let is_type = self.program.decl(parent).is_type;
        let id = self.push_decl(Decl {
            kind,
            name: block.name.as_ref().map(|n| n.name.clone()),
            array: None,
            array_span: None,
            base: None,
            fields: vec![],
            bounds: vec![],
            children: vec![],
            parent: Some(parent),
            is_type,
            file,
            span: block.span,
            name_span: block.name.as_ref().map_or(block.kind.span, |n| n.span),
            doc: block.doc.clone(),
        });
        if let Some(name) = &block.name {
            let siblings: Vec<DeclId> = self.program.decl(parent).children.clone();
            if let Some(first) = siblings.iter().find(|s| self.program.decl(**s).name.as_deref() == Some(&name.name)) {
                let first_span = self.program.decl(*first).name_span;
                self.duplicate(file, &name.name, name.span, file, first_span);
            }
        } else if let Some(first) = self.program.decl(parent).children.iter().find(|s| self.program.decl(**s).kind == kind) {
            let first_span = self.program.decl(*first).span;
            self.error(
                Diagnostic::error(
                    codes::E0204,
                    format!("a second `{}` block", kind.name()),
                    Label::new(file, block.kind.span, "again here"),
                )
                .with_label(Label::new(file, first_span, "first here"))
                .with_help("merge the two blocks into one"),
            );
        }
        self.lower_body(fi, id, block);
        Some(id)
    }

    fn unknown_field(&mut self, file: SourceFile, kind: Kind, name: &ast::Ident) {
        let schema = kind.schema();
        let names = schema.fields.iter().map(|f| f.name);
        let mut d = Diagnostic::error(
            codes::E0203,
            format!("a `{}` has no field `{}`", kind.name(), name.name),
            Label::new(file, name.span, "unknown field"),
        );
        d = match did_you_mean(&name.name, names) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if schema.fields.is_empty() => d.with_help(format!("a `{}` has no fields", kind.name())),
            None => d.with_help(format!(
                "the fields of a `{}` are {}",
                kind.name(),
                schema.fields.iter().map(|f| format!("`{}`", f.name)).collect::<Vec<_>>().join(", ")
            )),
        };
        self.error(d);
    }

    fn array_range(&mut self, fi: usize, array: &ast::ArrayRange) -> Option<(i64, i64)> {
        let lo = self.eval(fi, &array.lo, 0);
        let hi = self.eval(fi, &array.hi, 0);
        let lo = self.whole_number(fi, lo, array.lo.span, "an array index")?;
        let hi = self.whole_number(fi, hi, array.hi.span, "an array index")?;
        if hi < lo {
            let file = self.files[fi].file;
            self.error(
                Diagnostic::error(
                    codes::E0305,
                    format!("empty array range {lo}..{hi}"),
                    Label::new(file, array.span, "the last index is below the first"),
                )
                .with_help(format!("ranges are inclusive and ascending: `[{hi}..{lo}]`")),
            );
            return None;
        }
        Some((lo, hi))
    }

    fn whole_number(&mut self, fi: usize, value: Value, span: Span, what: &str) -> Option<i64> {
        let file = self.files[fi].file;
        match value {
            Value::Number { value, dim } if dim.is_none() && value.fract() == 0.0 && value.abs() < 9.0e15 => Some(value as i64),
            Value::Number { dim, .. } if !dim.is_none() => {
                self.error(
                    Diagnostic::error(
                        codes::E0302,
                        format!("{what} must be a plain number, found a {}", dim.name()),
                        Label::new(file, span, format!("a {}", dim.name())),
                    )
                    .with_help("remove the unit"),
                );
                None
            }
            Value::Number { value, .. } => {
                self.error(
                    Diagnostic::error(
                        codes::E0305,
                        format!("{what} must be a whole number, found {value}"),
                        Label::new(file, span, "not a whole number"),
                    )
                    .with_help("use a whole number"),
                );
                None
            }
            Value::Error => None,
            other => {
                let described = other.describe(&self.program);
                self.error(
                    Diagnostic::error(
                        codes::E0304,
                        format!("{what} must be a number, found {described}"),
                        Label::new(file, span, "not a number"),
                    )
                    .with_help("use a whole number"),
                );
                None
            }
        }
    }

    /// Resolves a type name (`GB200_NVL72`, `nvidia.GB200_NVL72`) expected to be of `kind`.
    fn type_ref(&mut self, fi: usize, path: &ast::Path, kind: Kind) -> Option<DeclId> {
        let file = self.files[fi].file;
        let value = self.eval_path(fi, path);
        match value {
            Value::Type(id) if self.program.decl(id).kind == kind => Some(id),
            Value::Type(id) => {
                let other = self.program.decl(id);
                let (other_kind, other_span, other_file) = (other.kind, other.name_span, other.file);
                self.error(
                    Diagnostic::error(
                        codes::E0209,
                        format!("`{path}` is a {} type, not a {} type", other_kind.name(), kind.name()),
                        Label::new(file, path.span, format!("a {} type", other_kind.name())),
                    )
                    .with_label(Label::new(other_file, other_span, "declared here"))
                    .with_help(format!("a `{}` can only be of a `{}` type", kind.name(), kind.name())),
                );
                None
            }
            Value::Symbol(name) => {
                self.unknown_name(fi, &name, path.span, Some(kind));
                None
            }
            Value::Error => None,
            other => {
                let described = other.describe(&self.program);
                self.error(
                    Diagnostic::error(
                        codes::E0209,
                        format!("`{path}` is {described}, not a {} type", kind.name()),
                        Label::new(file, path.span, "not a type"),
                    )
                    .with_help(format!("name a `{}` type after `:`", kind.name())),
                );
                None
            }
        }
    }

    fn unknown_name(&mut self, fi: usize, name: &str, span: Span, want_kind: Option<Kind>) {
        let file = self.files[fi].file;
        let candidates: Vec<String> = self.files[fi]
            .scope
            .iter()
            .filter(|(_, s)| match (want_kind, s) {
                (Some(k), Symbol::Type(id)) => self.program.decl(*id).kind == k,
                (Some(_), Symbol::Const(..)) => false,
                (None, _) => true,
            })
            .map(|(n, _)| n.clone())
            .collect();
        let what = want_kind.map_or("name".to_string(), |k| format!("{} type", k.name()));
        let mut d = Diagnostic::error(codes::E0201, format!("unknown {what} `{name}`"), Label::new(file, span, "not found"));
        let mut sorted = candidates.clone();
        sorted.sort();
        d = match did_you_mean(name, sorted.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => match want_kind {
                Some(k) if crate::stdlib::MODULES.iter().any(|(_, src)| src.contains(&format!("{} {name}", k.name()))) => {
                    let module = crate::stdlib::MODULES
                        .iter()
                        .find(|(_, src)| src.contains(&format!("{} {name}", k.name())))
                        .map_or("std", |(m, _)| *m);
                    d.with_help(format!("`{name}` is in `{module}`: add `import {module}.{{{name}}}`"))
                }
                Some(k) => d.with_help(format!("declare it with `{} {name} {{ … }}` or import it", k.name())),
                None => d.with_help("declare it with `const` or import it"),
            },
        };
        self.error(d);
    }

    fn const_value(&mut self, fi: usize, mi: usize) -> Value {
        match self.consts.get(&(fi, mi)) {
            Some(ConstState::Done(v)) => return v.clone(),
            Some(ConstState::InProgress) => {
                let file = self.files[fi].file;
                let Member::Const(c) = &self.files[fi].parse.file.members[mi] else { return Value::Error };
                self.error(
                    Diagnostic::error(
                        codes::E0213,
                        format!("constant `{}` depends on itself", c.name.name),
                        Label::new(file, c.name.span, "defined in terms of itself"),
                    )
                    .with_help("give one constant in the cycle a value that does not refer back"),
                );
                return Value::Error;
            }
            None => {}
        }
        self.consts.insert((fi, mi), ConstState::InProgress);
        let Member::Const(c) = &self.files[fi].parse.file.members[mi] else { return Value::Error };
        let value = self.eval(fi, &c.value, 0);
        self.consts.insert((fi, mi), ConstState::Done(value.clone()));
        value
    }

    fn eval_path(&mut self, fi: usize, path: &ast::Path) -> Value {
        if let Some(ident) = path.as_name() {
            if let Some(symbol) = self.files[fi].scope.get(&ident.name).copied() {
                self.reference(fi, ident.span, symbol);
            }
            return match self.files[fi].scope.get(&ident.name).copied() {
                Some(Symbol::Const(cf, cm)) => self.const_value(cf, cm),
                Some(Symbol::Type(id)) => Value::Type(id),
                None => Value::Symbol(ident.name.clone()),
            };
        }
        // `nvidia.GB200_NVL72`: a name qualified by an imported module.
        if let [ast::Segment { kind: SegmentKind::Name(module, None), .. }, ast::Segment { kind: SegmentKind::Name(name, None), .. }] =
            path.segments.as_slice()
            && let Some(&mi) = self.files[fi].modules.get(&module.name)
        {
            if let Some((symbol, _)) = self.files[mi].own.get(&name.name).copied() {
                self.reference(fi, name.span, symbol);
            }
            return match self.files[mi].own.get(&name.name).copied() {
                Some((Symbol::Type(id), _)) => Value::Type(id),
                Some((Symbol::Const(cf, cm), _)) => self.const_value(cf, cm),
                None => {
                    let file = self.files[fi].file;
                    self.error(
                        Diagnostic::error(
                            codes::E0201,
                            format!("`{}` has no `{}`", module.name, name.name),
                            Label::new(file, name.span, "not in this module"),
                        )
                        .with_help("check the name against the module's contents"),
                    );
                    Value::Error
                }
            };
        }
        let file = self.files[fi].file;
        let mut segments = Vec::with_capacity(path.segments.len());
        for segment in &path.segments {
            let matcher = match &segment.kind {
                SegmentKind::Name(ident, None) => Matcher::Name(ident.name.clone(), None),
                SegmentKind::Name(ident, Some(index)) => {
                    let v = self.eval(fi, index, 0);
                    let i = self.whole_number(fi, v, index.span, "a path index");
                    match i {
                        Some(i) => Matcher::Name(ident.name.clone(), Some(i)),
                        None => return Value::Error,
                    }
                }
                SegmentKind::Star => Matcher::Star,
                SegmentKind::DoubleStar => Matcher::DoubleStar,
            };
            segments.push(PathSegment { matcher, span: segment.span });
        }
        let path = PlantPath { segments, file, span: path.span };
        self.program.paths.push(path.clone());
        Value::Path(path)
    }

    /// Evaluates an expression; reports errors and returns [`Value::Error`] for them.
    fn eval(&mut self, fi: usize, expr: &ast::Expr, depth: usize) -> Value {
        let file = self.files[fi].file;
        if depth > 200 {
            self.error(
                Diagnostic::error(codes::E0305, "expression nested too deeply", Label::new(file, expr.span, "more than 200 levels"))
                    .with_help("split the expression with constants"),
            );
            return Value::Error;
        }
        match &expr.kind {
            ExprKind::Number { value, unit: None } => Value::Number { value: *value, dim: Dim::NONE },
            ExprKind::Number { value, unit: Some(unit) } => match parse_unit(&unit.name) {
                Ok(u) => Value::Number { value: value * u.factor, dim: u.dim },
                Err(e) => {
                    let start = unit.span.start + e.offset as u32;
                    let span = Span::new(start, start + e.symbol.len() as u32);
                    let mut d =
                        Diagnostic::error(codes::E0301, format!("unknown unit `{}`", e.symbol), Label::new(file, span, "not a unit"));
                    d = match e.suggestion {
                        Some(s) => d.with_help(format!("did you mean `{s}`? (units are case-sensitive)")),
                        None => d.with_help("`fabric explain E0301` lists every unit"),
                    };
                    self.error(d);
                    Value::Error
                }
            },
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Path(path) => self.eval_path(fi, path),
            ExprKind::Paren(inner) => self.eval(fi, inner, depth + 1),
            ExprKind::List(items) => Value::List(items.iter().map(|e| self.eval(fi, e, depth + 1)).collect()),
            ExprKind::Error => Value::Error,
            ExprKind::Unary(op, inner) => {
                let v = self.eval(fi, inner, depth + 1);
                match (op, v) {
                    (_, Value::Error) => Value::Error,
                    (UnaryOp::Neg, Value::Number { value, dim }) => Value::Number { value: -value, dim },
                    (UnaryOp::Neg, Value::Deferred(dim)) => Value::Deferred(dim),
                    (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOp::Not, Value::DeferredBool) => Value::DeferredBool,
                    (op, other) => {
                        let (want, sym) = if *op == UnaryOp::Neg { ("a number", "-") } else { ("a boolean", "not") };
                        let described = other.describe(&self.program);
                        self.error(
                            Diagnostic::error(
                                codes::E0304,
                                format!("`{sym}` needs {want}, found {described}"),
                                Label::new(file, inner.span, format!("not {want}")),
                            )
                            .with_help(format!("apply `{sym}` to {want}")),
                        );
                        Value::Error
                    }
                }
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let a = self.eval(fi, lhs, depth + 1);
                let b = self.eval(fi, rhs, depth + 1);
                self.binary(fi, *op, a, b, lhs, rhs)
            }
            ExprKind::Call(callee, args) => self.call(fi, callee, args, expr.span, depth),
        }
    }

    fn binary(&mut self, fi: usize, op: BinaryOp, a: Value, b: Value, lhs: &ast::Expr, rhs: &ast::Expr) -> Value {
        let file = self.files[fi].file;
        if matches!(a, Value::Error) || matches!(b, Value::Error) {
            return Value::Error;
        }
        let number = |v: &Value| match v {
            Value::Number { value, dim } => Some((Some(*value), *dim)),
            Value::Deferred(dim) => Some((None, *dim)),
            _ => None,
        };
        match op {
            BinaryOp::And | BinaryOp::Or => match (&a, &b) {
                (Value::Bool(x), Value::Bool(y)) => Value::Bool(if op == BinaryOp::And { *x && *y } else { *x || *y }),
                (Value::Bool(_) | Value::DeferredBool, Value::Bool(_) | Value::DeferredBool) => Value::DeferredBool,
                _ => {
                    let (bad, span) = if matches!(a, Value::Bool(_) | Value::DeferredBool) { (&b, rhs.span) } else { (&a, lhs.span) };
                    let described = bad.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs booleans, found {described}", op.as_str()),
                            Label::new(file, span, "not a boolean"),
                        )
                        .with_help("combine comparisons, for example `a <= 1 ms and b <= 2 ms`"),
                    );
                    Value::Error
                }
            },
            _ => {
                let (Some((x, dx)), Some((y, dy))) = (number(&a), number(&b)) else {
                    if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                        let same = match (&a, &b) {
                            (Value::Bool(p), Value::Bool(q)) => Some(p == q),
                            (Value::Str(p), Value::Str(q)) => Some(p == q),
                            (Value::Symbol(p), Value::Symbol(q)) => Some(p == q),
                            _ => None,
                        };
                        if let Some(same) = same {
                            return Value::Bool(same == (op == BinaryOp::Eq));
                        }
                    }
                    let (bad, span) = if number(&a).is_some() { (&b, rhs.span) } else { (&a, lhs.span) };
                    if let Value::Symbol(name) = bad {
                        let name = name.clone();
                        self.unknown_name(fi, &name, span, None);
                        return Value::Error;
                    }
                    let described = bad.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs numbers, found {described}", op.as_str()),
                            Label::new(file, span, "not a number"),
                        )
                        .with_help("arithmetic and comparisons work on numbers and quantities"),
                    );
                    return Value::Error;
                };
                let additive = matches!(
                    op,
                    BinaryOp::Add | BinaryOp::Sub | BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
                );
                if additive && dx != dy {
                    let verb = match op {
                        BinaryOp::Add => format!("cannot add {} to {}", operand(lhs, dx), operand(rhs, dy)),
                        BinaryOp::Sub => format!("cannot subtract {} from {}", operand(rhs, dy), operand(lhs, dx)),
                        _ => format!("cannot compare {} with {}", operand(lhs, dx), operand(rhs, dy)),
                    };
                    self.error(
                        Diagnostic::error(codes::E0303, verb, Label::new(file, lhs.span, format!("this is a {}", dx.name())))
                            .with_label(Label::new(file, rhs.span, format!("this is a {}", dy.name())))
                            .with_help(format!("`{}` needs both sides in the same dimension", op.as_str())),
                    );
                    return Value::Error;
                }
                let dim = match op {
                    BinaryOp::Mul => dx.times(dy),
                    BinaryOp::Div => dx.per(dy),
                    _ => dx,
                };
                let (Some(x), Some(y)) = (x, y) else {
                    return if additive && !matches!(op, BinaryOp::Add | BinaryOp::Sub) {
                        Value::DeferredBool
                    } else {
                        Value::Deferred(dim)
                    };
                };
                match op {
                    BinaryOp::Add => Value::Number { value: x + y, dim },
                    BinaryOp::Sub => Value::Number { value: x - y, dim },
                    BinaryOp::Mul => Value::Number { value: x * y, dim },
                    BinaryOp::Div if y == 0.0 => {
                        self.error(
                            Diagnostic::error(codes::E0306, "division by zero", Label::new(file, rhs.span, "this is zero"))
                                .with_help("divide by a value that is not zero"),
                        );
                        Value::Error
                    }
                    BinaryOp::Div => Value::Number { value: x / y, dim },
                    BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                        Value::Bool(compare(op, x, y))
                    }
                    BinaryOp::And | BinaryOp::Or => Value::Error,
                }
            }
        }
    }

    fn call(&mut self, fi: usize, callee: &ast::Ident, args: &[ast::Expr], span: Span, depth: usize) -> Value {
        let file = self.files[fi].file;
        let arity = match callee.name.as_str() {
            "ceil" | "floor" | "count" | "power" => Some(1),
            "latency" => Some(2),
            "sum" | "min" | "max" => None,
            other => {
                let mut d =
                    Diagnostic::error(codes::E0201, format!("unknown function `{other}`"), Label::new(file, callee.span, "not a builtin"));
                d = match did_you_mean(other, BUILTINS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("the builtins are {}", BUILTINS.join(", "))),
                };
                self.error(d);
                return Value::Error;
            }
        };
        if let Some(n) = arity
            && args.len() != n
        {
            self.error(
                Diagnostic::error(
                    codes::E0305,
                    format!("`{}` takes {n} argument{}, found {}", callee.name, if n == 1 { "" } else { "s" }, args.len()),
                    Label::new(file, span, "wrong number of arguments"),
                )
                .with_help(signature(&callee.name)),
            );
            return Value::Error;
        }
        let values: Vec<Value> = args.iter().map(|a| self.eval(fi, a, depth + 1)).collect();
        if values.iter().any(|v| matches!(v, Value::Error)) {
            return Value::Error;
        }
        match callee.name.as_str() {
            "count" | "power" | "latency" => {
                for (v, a) in values.iter().zip(args) {
                    if !matches!(v, Value::Path(_) | Value::Symbol(_)) {
                        let described = v.describe(&self.program);
                        self.error(
                            Diagnostic::error(
                                codes::E0304,
                                format!("`{}` needs a path, found {described}", callee.name),
                                Label::new(file, a.span, "not a path"),
                            )
                            .with_help(signature(&callee.name)),
                        );
                        return Value::Error;
                    }
                    if let (Value::Symbol(name), ast::ExprKind::Path(p)) = (v, &a.kind) {
                        // A single name here is a site, link, fabric or service at the top level.
                        let path = PlantPath {
                            segments: vec![PathSegment { matcher: Matcher::Name(name.clone(), None), span: p.span }],
                            file,
                            span: p.span,
                        };
                        self.program.paths.push(path);
                    }
                }
                Value::Deferred(match callee.name.as_str() {
                    "count" => Dim::NONE,
                    "power" => Dim::POWER,
                    _ => Dim::TIME,
                })
            }
            "ceil" | "floor" => match &values[0] {
                Value::Number { value, dim } => {
                    Value::Number { value: if callee.name == "ceil" { value.ceil() } else { value.floor() }, dim: *dim }
                }
                Value::Deferred(dim) => Value::Deferred(*dim),
                other => {
                    let described = other.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs a number, found {described}", callee.name),
                            Label::new(file, args[0].span, "not a number"),
                        )
                        .with_help(signature(&callee.name)),
                    );
                    Value::Error
                }
            },
            _ => {
                let items: Vec<(Value, Span)> = if let ([Value::List(list)], [arg]) = (values.as_slice(), args) {
                    let spans: Vec<Span> = match &arg.kind {
                        ExprKind::List(exprs) => exprs.iter().map(|e| e.span).collect(),
                        _ => vec![arg.span; list.len()],
                    };
                    list.iter().cloned().zip(spans).collect()
                } else {
                    values.into_iter().zip(args.iter().map(|a| a.span)).collect()
                };
                if items.is_empty() {
                    self.error(
                        Diagnostic::error(codes::E0305, format!("`{}` of nothing", callee.name), Label::new(file, span, "no values"))
                            .with_help(signature(&callee.name)),
                    );
                    return Value::Error;
                }
                let mut acc: Option<(Option<f64>, Dim, Span)> = None;
                for (v, s) in items {
                    let (x, d) = match v {
                        Value::Number { value, dim } => (Some(value), dim),
                        Value::Deferred(dim) => (None, dim),
                        other => {
                            let described = other.describe(&self.program);
                            self.error(
                                Diagnostic::error(
                                    codes::E0304,
                                    format!("`{}` needs numbers, found {described}", callee.name),
                                    Label::new(file, s, "not a number"),
                                )
                                .with_help(signature(&callee.name)),
                            );
                            return Value::Error;
                        }
                    };
                    acc = Some(match acc {
                        None => (x, d, s),
                        Some((_, d0, s0)) if d0 != d => {
                            self.error(
                                Diagnostic::error(
                                    codes::E0303,
                                    format!("`{}` of a {} and a {}", callee.name, d0.name(), d.name()),
                                    Label::new(file, s0, format!("this is a {}", d0.name())),
                                )
                                .with_label(Label::new(file, s, format!("this is a {}", d.name())))
                                .with_help(format!("`{}` needs values of one dimension", callee.name)),
                            );
                            return Value::Error;
                        }
                        Some((a, _, s0)) => {
                            let combined = match (a, x) {
                                (Some(a), Some(x)) => Some(match callee.name.as_str() {
                                    "sum" => a + x,
                                    "min" => a.min(x),
                                    _ => a.max(x),
                                }),
                                _ => None,
                            };
                            (combined, d, s0)
                        }
                    });
                }
                match acc {
                    Some((Some(value), dim, _)) => Value::Number { value, dim },
                    Some((None, dim, _)) => Value::Deferred(dim),
                    None => Value::Error,
                }
            }
        }
    }

    /// Checks a value against a field's type; reports and returns [`Value::Error`] if wrong.
    fn check_value(&mut self, fi: usize, field: &FieldSchema, value: Value, expr: &ast::Expr) -> Value {
        let file = self.files[fi].file;
        let span = expr.span;
        if matches!(value, Value::Error) {
            return value;
        }
        let ok = match (field.ty, &value) {
            (ValueType::Quantity(want), Value::Number { dim, .. }) if *dim == want => true,
            (ValueType::Quantity(want), Value::Number { dim, value: v }) => {
                let found = if dim.is_none() {
                    format!("the plain number {}", crate::units::format_number(*v))
                } else {
                    format!("a {} ({})", dim.name(), operand_unit(expr, *dim))
                };
                let example = format_quantity(if dim.is_none() { *v * example_factor(want) } else { example_factor(want) * 40.0 }, want);
                self.error(
                    Diagnostic::error(
                        codes::E0302,
                        format!("`{}` is a {}, but this is {found}", field.name, want.name()),
                        Label::new(file, span, if dim.is_none() { "no unit".to_string() } else { format!("a {}", dim.name()) }),
                    )
                    .with_help(format!("write a {} such as `{example}`", want.name())),
                );
                return Value::Error;
            }
            (ValueType::Count | ValueType::Ratio, Value::Number { dim, .. }) if !dim.is_none() => {
                self.error(
                    Diagnostic::error(
                        codes::E0302,
                        format!("`{}` is a plain number, but this is a {} ({})", field.name, dim.name(), operand_unit(expr, *dim)),
                        Label::new(file, span, format!("a {}", dim.name())),
                    )
                    .with_help("remove the unit"),
                );
                return Value::Error;
            }
            (ValueType::Count, Value::Number { value: v, .. }) => {
                if v.fract() != 0.0 || *v < 0.0 {
                    self.error(
                        Diagnostic::error(
                            codes::E0305,
                            format!("`{}` must be a whole number of at least 0, found {}", field.name, crate::units::format_number(*v)),
                            Label::new(file, span, "not a whole number"),
                        )
                        .with_help("write a count such as `4`"),
                    );
                    return Value::Error;
                }
                true
            }
            (ValueType::Ratio, Value::Number { .. }) => true,
            (ValueType::Bool, Value::Bool(_)) | (ValueType::Str, Value::Str(_)) | (ValueType::Path, Value::Path(_)) => true,
            (ValueType::Path, Value::Symbol(name)) => {
                let path = PlantPath { segments: vec![PathSegment { matcher: Matcher::Name(name.clone(), None), span }], file, span };
                self.program.paths.push(path.clone());
                return Value::Path(path);
            }
            (ValueType::Enum(options), Value::Symbol(s)) if options.contains(&s.as_str()) => true,
            (ValueType::Enum(options), Value::Symbol(s)) => {
                let quoted: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
                let mut d = Diagnostic::error(
                    codes::E0305,
                    format!("`{s}` is not a valid `{}`", field.name),
                    Label::new(file, span, "not one of the options"),
                );
                d = match did_you_mean(s, options.iter().copied()) {
                    Some(m) => d.with_help(format!("did you mean `{m}`? (the options are {})", quoted.join(", "))),
                    None => d.with_help(format!("the options are {}", quoted.join(", "))),
                };
                self.error(d);
                return Value::Error;
            }
            (ValueType::TypeOf(kind), Value::Type(id)) => {
                let decl = self.program.decl(*id);
                if decl.kind != kind {
                    let (other, other_span, other_file) = (decl.kind, decl.name_span, decl.file);
                    self.error(
                        Diagnostic::error(
                            codes::E0209,
                            format!(
                                "`{}` needs a {} type, but `{}` is a {} type",
                                field.name,
                                kind.name(),
                                decl.name.as_deref().unwrap_or("?"),
                                other.name()
                            ),
                            Label::new(file, span, format!("a {} type", other.name())),
                        )
                        .with_label(Label::new(other_file, other_span, "declared here"))
                        .with_help(format!("name a `{}` type here", kind.name())),
                    );
                    return Value::Error;
                }
                true
            }
            (ValueType::TypeOf(kind), Value::Symbol(name)) => {
                let name = name.clone();
                self.unknown_name(fi, &name, span, Some(kind));
                return Value::Error;
            }
            (_, Value::Symbol(name)) => {
                let name = name.clone();
                self.unknown_name(fi, &name, span, None);
                return Value::Error;
            }
            _ => false,
        };
        if ok {
            return value;
        }
        let described = value.describe(&self.program);
        self.error(
            Diagnostic::error(
                codes::E0304,
                format!("`{}` needs {}, found {described}", field.name, field.ty.describe()),
                Label::new(file, span, "wrong kind of value"),
            )
            .with_help(format!("`{}`: {}", field.name, field.doc)),
        );
        Value::Error
    }

    /// Type derivation cycles (`rack A: B`, `rack B: A`) are cut and reported.
    fn check_base_cycles(&mut self) {
        for start in 0..self.program.decls.len() {
            let mut seen = vec![DeclId(start as u32)];
            let mut current = self.program.decls[start].base;
            while let Some(b) = current {
                if b == DeclId(start as u32) {
                    let decl = &self.program.decls[start];
                    let (file, span, name) = (decl.file, decl.name_span, decl.name.clone().unwrap_or_default());
                    let chain: Vec<String> =
                        seen.iter().chain(std::iter::once(&b)).map(|d| self.program.decl(*d).name.clone().unwrap_or_default()).collect();
                    self.program.decls[start].base = None;
                    self.error(
                        Diagnostic::error(
                            codes::E0213,
                            format!("type `{name}` derives from itself: {}", chain.join(" → ")),
                            Label::new(file, span, "part of the cycle"),
                        )
                        .with_help("one type in the chain must not derive from the others"),
                    );
                    break;
                }
                if seen.contains(&b) {
                    break;
                }
                seen.push(b);
                current = self.program.decls[b.0 as usize].base;
            }
        }
    }

    /// Instances (not types) must set their kind's required fields.
    fn check_required(&mut self) {
        for i in 0..self.program.decls.len() {
            let id = DeclId(i as u32);
            let decl = self.program.decl(id);
            if decl.is_type {
                continue;
            }
            let missing: Vec<&FieldSchema> =
                decl.kind.schema().fields.iter().filter(|f| f.required && self.program.field(id, f.name).is_none()).collect();
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing.iter().map(|f| format!("`{}`", f.name)).collect();
            let (file, span, kind) = (decl.file, decl.name_span, decl.kind);
            let label = decl.name.clone().unwrap_or_else(|| kind.name().to_string());
            let mut d = Diagnostic::error(
                codes::E0211,
                format!("`{label}` is missing {}", names.join(", ")),
                Label::new(file, span, format!("this {} needs {}", kind.name(), names.join(", "))),
            );
            for f in &missing {
                d = d.with_note(format!("`{}`: {} ({})", f.name, f.doc, f.ty.describe()));
            }
            d = d.with_help(format!("add {} to the block", names.join(", ")));
            // A block with a body gets the fields inserted before its `}`, one per line, for
            // the user to fill in (the language server's quick fix).
            let text = file.text(self.db);
            let end = decl.span.end as usize;
            if end > 0 && text.as_bytes().get(end - 1) == Some(&b'}') {
                let close = end - 1;
                let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
                let indent: String = text[line_start..close].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                // `}` alone on its line: insert before that line; after other text: break first.
                let own_line = text[line_start..close].trim().is_empty();
                let at = if own_line { line_start } else { close };
                let mut insert = if own_line { String::new() } else { String::from("\n") };
                for f in &missing {
                    insert.push_str(&format!("{indent}  {} {} \n", f.name, if f.bound { "<=" } else { "=" }));
                }
                if !own_line {
                    insert.push_str(&indent);
                }
                d = d.with_suggestion(crate::diagnostic::Suggestion {
                    title: format!("Add {}", names.join(", ")),
                    file,
                    span: Span::new(at as u32, at as u32),
                    replacement: insert,
                });
            }
            self.error(d);
        }
    }
}

fn bound_fields_hint() -> String {
    let names: Vec<String> =
        crate::schema::SCHEMAS.iter().flat_map(|s| s.fields.iter()).filter(|f| f.bound).map(|f| format!("`{}`", f.name)).collect();
    format!("{} (in `slo`)", names.join(", "))
}

/// The builtin functions of expressions.
pub const BUILTINS: &[&str] = &["sum", "min", "max", "ceil", "floor", "count", "power", "latency"];

/// A builtin's signature and what it computes, in Markdown.
pub fn signature(name: &str) -> String {
    match name {
        "count" => "`count(path)`: the number of instances the path matches".into(),
        "power" => "`power(path)`: the total IT power under the path".into(),
        "latency" => "`latency(a, b)`: the worst one-way latency between endpoints under `a` and under `b`".into(),
        "ceil" | "floor" => format!("`{name}(x)`: x rounded {}", if name == "ceil" { "up" } else { "down" }),
        _ => format!("`{name}(a, b, …)` or `{name}([a, b, …])`: values of one dimension"),
    }
}

/// An operand described with its dimension and the unit it is written in: `power (kW)`.
fn operand(expr: &ast::Expr, dim: Dim) -> String {
    if dim.is_none() {
        return "a plain number".into();
    }
    format!("{} ({})", dim.name(), operand_unit(expr, dim))
}

fn operand_unit(expr: &ast::Expr, dim: Dim) -> String {
    match &expr.kind {
        ExprKind::Number { unit: Some(u), .. } => u.name.clone(),
        ExprKind::Paren(inner) => operand_unit(inner, dim),
        _ => crate::schema::example_unit(dim),
    }
}

fn example_factor(dim: Dim) -> f64 {
    crate::units::parse_unit(&crate::schema::example_unit(dim)).map_or(1.0, |u| u.factor)
}

/// Whether `x op y` holds for a comparison operator, with quantities equal within
/// [`approx_eq`]'s tolerance; any other operator gives `false`.
pub fn compare(op: BinaryOp, x: f64, y: f64) -> bool {
    match op {
        BinaryOp::Eq => approx_eq(x, y),
        BinaryOp::Ne => !approx_eq(x, y),
        BinaryOp::Lt => x < y && !approx_eq(x, y),
        BinaryOp::Le => x <= y || approx_eq(x, y),
        BinaryOp::Gt => x > y && !approx_eq(x, y),
        BinaryOp::Ge => x >= y || approx_eq(x, y),
        _ => false,
    }
}

/// The key of a file imported as `path` from the file with key `from`.
pub fn file_import_key(from: &str, path: &str) -> String {
    let base = std::path::Path::new(from).parent().unwrap_or(std::path::Path::new(""));
    crate::db::normalize(&base.join(path)).to_string_lossy().into_owned()
}
