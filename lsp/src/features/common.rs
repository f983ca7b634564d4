//! Shared by the features: the project of a file, what a position names, where it is
//! defined, and the field documentation hover and completion show.

use crate::workspace::Workspace;
use fabric_core::resolve::{DeclId, Program};
use fabric_core::schema::{Kind, ValueType};
use fabric_core::source::Project;
use fabric_core::source::SourceFile;
use fabric_core::units::format_quantity;
use fabric_syntax::Span;
use fabric_syntax::ast::Member;
use tower_lsp_server::ls_types::*;

/// A definition: the file and the span of its name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Def {
    /// Its file.
    pub file: SourceFile,
    /// Its name.
    pub span: Span,
}

/// The project of `key` and its input for the file.
pub(super) fn open(ws: &mut Workspace, key: &str) -> Option<(Project, SourceFile)> {
    let project = ws.project(key)?;
    Some((project, ws.file(project, key)?))
}

/// What the name at `offset` refers to: a use of a declared name, or a declaration's name.
pub fn def_at(ws: &mut Workspace, key: &str, offset: u32) -> Option<(Def, Span)> {
    let (project, file) = open(ws, key)?;
    let program = fabric_core::resolve::program(&ws.db, project);
    if let Some(r) = program.references.iter().find(|r| r.file == file && contains(r.span, offset)) {
        return Some((Def { file: r.target_file, span: r.target_span }, r.span));
    }
    for d in &program.decls {
        if d.file == file && d.name.is_some() && contains(d.name_span, offset) {
            return Some((Def { file, span: d.name_span }, d.name_span));
        }
    }
    let parse = fabric_core::source::parse_file(&ws.db, file);
    for m in &parse.file.members {
        if let Member::Const(c) = m
            && contains(c.name.span, offset)
        {
            return Some((Def { file, span: c.name.span }, c.name.span));
        }
    }
    None
}

pub(super) fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// The declaration whose name is at `def`.
pub(super) fn decl_of(program: &Program, def: Def) -> Option<DeclId> {
    (0..program.decls.len()).map(|i| DeclId(i as u32)).find(|&id| {
        let d = program.decl(id);
        d.file == def.file && d.name_span == def.span
    })
}

pub(super) fn location(ws: &Workspace, file: SourceFile, span: Span) -> Option<Location> {
    let uri = ws.uri_of(file)?;
    Some(Location::new(uri, ws.index_of(file).range(file.text(&ws.db), span.start, span.end)))
}

pub(super) fn field_doc(kind: Kind, f: &fabric_core::schema::FieldSchema) -> String {
    let mut s = format!("```fabric\n{}.{}\n```\n{} — {}", kind.name(), f.name, f.doc, f.ty.describe());
    if f.required {
        s.push_str(" (required)");
    }
    if let Some(d) = f.default {
        s.push_str(&format!(" (default {})", default_text(f.ty, d)));
    }
    s
}

pub(super) fn default_text(ty: ValueType, d: fabric_core::schema::Default) -> String {
    match (ty, d) {
        (ValueType::Quantity(dim), fabric_core::schema::Default::Number(n)) => format_quantity(n, dim),
        (_, fabric_core::schema::Default::Number(n)) => fabric_core::units::format_number(n),
        (_, fabric_core::schema::Default::Text(t)) => t.to_string(),
        (_, fabric_core::schema::Default::Bool(b)) => b.to_string(),
    }
}

pub(super) fn field_list(kind: Kind) -> String {
    kind.schema().fields.iter().map(|f| format!("- `{}`: {}", f.name, f.ty.describe())).collect::<Vec<_>>().join("\n")
}
