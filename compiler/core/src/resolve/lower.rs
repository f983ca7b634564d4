//! Lowering: each block into a declaration with its base, array, fields, bounds,
//! children and asserts; members in the wrong place reported.

use super::model::*;
use super::resolver::*;
use super::typeck::bound_fields_hint;
use crate::diagnostic::{Diagnostic, Label, codes, did_you_mean};
use crate::schema::{Kind, Role};
use crate::source::SourceFile;
use fabric_syntax::Span;
use fabric_syntax::ast::{self, Member};
use std::collections::HashMap;

impl Resolver<'_> {
    pub(super) fn lower_file(&mut self, fi: FileIdx) {
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

    pub(super) fn misplaced(&mut self, fi: FileIdx, span: Span, message: String, help: &str) {
        let file = self.files[fi].file;
        // A member cut loose by a syntax error on the same line is part of that error.
        if self.files[fi].error_lines.contains(&line_of(file.text(self.db), span.start)) {
            return;
        }
        self.error(Diagnostic::error(codes::E0208, message, Label::new(file, span, "not allowed here")).with_help(help));
    }

    pub(super) fn lower_assert(&mut self, fi: FileIdx, a: &ast::Assert, owner: Option<DeclId>) {
        let file = self.files[fi].file;
        // A comparison's sides are kept lowered, so that a failure can show each side's value.
        let (value, sides) = match &a.condition.kind {
            ast::ExprKind::Binary(op, lhs, rhs) => {
                let (x, y) = (self.eval(fi, lhs, 1), self.eval(fi, rhs, 1));
                (self.binary(fi, *op, x.clone(), y.clone(), lhs, rhs), Some((x, y)))
            }
            _ => (self.eval(fi, &a.condition, 0), None),
        };
        if !matches!(value, Value::Bool(_) | Value::DeferredBool(_) | Value::Error) {
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
            value,
            sides,
            message: a.message.as_ref().map(|m| m.0.clone()),
            file,
            span: a.span,
            owner,
        });
    }

    /// Fills in a declaration from its block: base, array, fields, bounds, children, asserts.
    pub(super) fn lower_body(&mut self, fi: FileIdx, id: DeclId, block: &ast::Block) {
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
    pub(super) fn repeated(&mut self, file: SourceFile, name: &str, span: Span, first: Span, verb: &str, help: &str) {
        self.error(
            Diagnostic::error(codes::E0214, format!("`{name}` is {verb} twice"), Label::new(file, span, format!("{verb} again here")))
                .with_label(Label::new(file, first, format!("first {verb} here")))
                .with_help(help),
        );
    }

    pub(super) fn lower_child(&mut self, fi: FileIdx, parent: DeclId, parent_kind: Kind, block: &ast::Block) -> Option<DeclId> {
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
            if let Some(&first) = self.children_by_name.get(&(parent, name.name.clone())) {
                let first_span = self.program.decl(first).name_span;
                self.duplicate(file, &name.name, name.span, file, first_span);
            } else {
                self.children_by_name.insert((parent, name.name.clone()), id);
            }
        } else if let Some(&first) = self.children_by_kind.get(&(parent, kind)) {
            let first_span = self.program.decl(first).span;
            self.error(
                Diagnostic::error(
                    codes::E0204,
                    format!("a second `{}` block", kind.name()),
                    Label::new(file, block.kind.span, "again here"),
                )
                .with_label(Label::new(file, first_span, "first here"))
                .with_help("merge the two blocks into one"),
            );
        } else {
            self.children_by_kind.insert((parent, kind), id);
        }
        self.lower_body(fi, id, block);
        Some(id)
    }

    pub(super) fn unknown_field(&mut self, file: SourceFile, kind: Kind, name: &ast::Ident) {
        let schema = kind.schema();
        let names = schema.fields.iter().map(|f| f.name);
        let mut d = Diagnostic::error(
            codes::E0203,
            format!("a `{}` has no field `{}`", kind.name(), name.name),
            Label::new(file, name.span, "unknown field"),
        );
        d = match did_you_mean(&name.name, names) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")).with_replacement(s),
            None if schema.fields.is_empty() => d.with_help(format!("a `{}` has no fields", kind.name())),
            None => d.with_help(format!(
                "the fields of a `{}` are {}",
                kind.name(),
                schema.fields.iter().map(|f| format!("`{}`", f.name)).collect::<Vec<_>>().join(", ")
            )),
        };
        self.error(d);
    }

    pub(super) fn array_range(&mut self, fi: FileIdx, array: &ast::ArrayRange) -> Option<(i64, i64)> {
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
}
