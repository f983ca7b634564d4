//! Type checks: whole numbers, type references, unknown names, field values against
//! their schema, base-type cycles and required fields.

use super::eval::{example_factor, operand_unit};
use super::model::*;
use super::resolver::*;
use crate::diagnostic::{Diagnostic, Label, Suggestion, codes, did_you_mean};
use crate::load::import_offset;
use crate::schema::{FieldSchema, Kind, ValueType};
use crate::units::format_quantity;
use fabric_syntax::Span;
use fabric_syntax::ast::{self};

impl Resolver<'_> {
    pub(super) fn whole_number(&mut self, fi: FileIdx, value: Value, span: Span, what: &str) -> Option<i64> {
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
            Value::Number { value, .. } if value.fract() == 0.0 => {
                self.error(
                    Diagnostic::error(
                        codes::E0305,
                        format!(
                            "{what} is {}: {}",
                            if value > 0.0 { "too large" } else { "too large in magnitude" },
                            crate::units::format_number(value)
                        ),
                        Label::new(file, span, "too large"),
                    )
                    .with_help("use a whole number below 9,000,000,000,000,000"),
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
    pub(super) fn type_ref(&mut self, fi: FileIdx, path: &ast::Path, kind: Kind) -> Option<DeclId> {
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

    pub(super) fn unknown_name(&mut self, fi: FileIdx, name: &str, span: Span, want_kind: Option<Kind>) {
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
            Some(s) => d.with_help(format!("did you mean `{s}`?")).with_replacement(s),
            None => match want_kind {
                Some(k) if crate::stdlib::MODULES.iter().any(|(_, src)| declares(src, k, name)) => {
                    let module = crate::stdlib::MODULES.iter().find(|(_, src)| declares(src, k, name)).map_or("std", |(m, _)| *m);
                    let import = format!("{module}.{{{name}}}");
                    let offset = import_offset(file.text(self.db));
                    d.with_help(format!("`{name}` is in `{module}`: add `import {import}`"))
                        .with_suggestion(Suggestion::add_import(file, offset, &import))
                }
                Some(k) => d.with_help(format!("declare it with `{} {name} {{ … }}` or import it", k.name())),
                None => d.with_help("declare it with `const` or import it"),
            },
        };
        self.error(d);
    }

    /// Checks a value against a field's type; reports and returns [`Value::Error`] if wrong.
    pub(super) fn check_value(&mut self, fi: FileIdx, field: &FieldSchema, value: Value, expr: &ast::Expr) -> Value {
        let file = self.files[fi].file;
        let span = expr.span;
        if matches!(value, Value::Error) {
            return value;
        }
        if field.ty == ValueType::Target {
            // Checked like a path; its paths may name generated switches and racks, so the
            // scenario stage checks them against the network, not the elaborator.
            let as_path = FieldSchema { ty: ValueType::Path, ..*field };
            let checked = self.check_value(fi, &as_path, value, expr);
            self.program.paths.retain(|p| !(p.file == file && span.start <= p.span.start && p.span.end <= span.end));
            return checked;
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
            // A list of paths (LANGUAGE.md 8.0): each a path, or a single name.
            (ValueType::Path, Value::List(items))
                if !items.is_empty() && items.iter().all(|v| matches!(v, Value::Path(_) | Value::Symbol(_))) =>
            {
                let spans: Vec<Span> = match &expr.kind {
                    ast::ExprKind::List(exprs) => exprs.iter().map(|e| e.span).collect(),
                    _ => vec![span; items.len()],
                };
                let paths = items
                    .iter()
                    .zip(spans)
                    .map(|(v, s)| match v {
                        Value::Symbol(name) => {
                            let path = PlantPath {
                                segments: vec![PathSegment { matcher: Matcher::Name(name.clone(), None), span: s }],
                                file,
                                span: s,
                            };
                            self.program.paths.push(path.clone());
                            Value::Path(path)
                        }
                        other => other.clone(),
                    })
                    .collect();
                return Value::List(paths);
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
                    Some(m) => {
                        let written = if matches!(expr.kind, ast::ExprKind::Str(_)) { format!("\"{m}\"") } else { m.to_string() };
                        d.with_help(format!("did you mean `{m}`? (the options are {})", quoted.join(", "))).with_replacement(&written)
                    }
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
            if let (Value::Number { value: v, dim }, false) = (&value, field.bound)
                && let Some(range) = crate::schema::valid_range(field)
                && !range.holds(*v)
            {
                let shown = if dim.is_none() { crate::units::format_number(*v) } else { format_quantity(*v, *dim) };
                self.error(
                    Diagnostic::error(
                        codes::E0305,
                        format!("`{}` {}, found {shown}", field.name, range.says),
                        Label::new(file, span, "out of range"),
                    )
                    .with_help(format!("`{}`: {}", field.name, field.doc)),
                );
                return Value::Error;
            }
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
    pub(super) fn check_base_cycles(&mut self) {
        // Linear in the declarations: a chain that ends (no base, or a type already known to
        // end) is marked, so each is walked once; a walk remembers its own steps by mark, not
        // by search (10,000 derived types once took minutes).
        let n = self.program.decls.len();
        let mut ends = vec![false; n];
        let mut walked_from = vec![u32::MAX; n];
        for start in 0..n {
            if ends[start] {
                continue;
            }
            let mut seen = vec![DeclId(start as u32)];
            walked_from[start] = start as u32;
            let mut current = self.program.decls[start].base;
            let mut ended = current.is_none();
            while let Some(b) = current {
                if ends[b.0 as usize] {
                    ended = true;
                    break;
                }
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
                if walked_from[b.0 as usize] == start as u32 {
                    break; // a cycle that does not pass through `start`: reported from its own
                }
                walked_from[b.0 as usize] = start as u32;
                seen.push(b);
                current = self.program.decls[b.0 as usize].base;
                ended = current.is_none();
            }
            if ended {
                for d in seen {
                    ends[d.0 as usize] = true;
                }
            }
        }
    }

    /// Instances (not types) must set their kind's required fields.
    pub(super) fn check_required(&mut self) {
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

pub(super) fn bound_fields_hint() -> String {
    let names: Vec<String> =
        crate::schema::SCHEMAS.iter().flat_map(|s| s.fields.iter()).filter(|f| f.bound).map(|f| format!("`{}`", f.name)).collect();
    format!("{} (in `slo`)", names.join(", "))
}

/// Whether stdlib source `src` declares a type `name` of `kind` (`rack GB200_NVL72 {`), the
/// whole name and not a longer one that starts with it.
fn declares(src: &str, kind: Kind, name: &str) -> bool {
    let head = format!("{} {name}", kind.name());
    src.match_indices(&head).any(|(at, _)| !src[at + head.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}
