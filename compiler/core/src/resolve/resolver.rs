//! The resolver's state while it walks a project: per-file scopes, the program being
//! built, constants being evaluated; and the small helpers every pass uses.

use super::model::*;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::load::file_import_key;
use crate::load::module_key;
use crate::source::{FileSlot, SourceFile, parse_file};
use fabric_syntax::Span;
use fabric_syntax::ast::{ImportTarget, Member};
use std::collections::HashMap;

/// Index of a file in the resolver's [`Resolver::files`] (its order of loading).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(super) struct FileIdx(pub(super) usize);

impl<'a> std::ops::Index<FileIdx> for Vec<FileCtx<'a>> {
    type Output = FileCtx<'a>;
    fn index(&self, i: FileIdx) -> &FileCtx<'a> {
        &self[i.0]
    }
}

impl<'a> std::ops::IndexMut<FileIdx> for Vec<FileCtx<'a>> {
    fn index_mut(&mut self, i: FileIdx) -> &mut FileCtx<'a> {
        &mut self[i.0]
    }
}

#[derive(Clone, Copy)]
pub(super) enum Symbol {
    Const(FileIdx, usize),
    Type(DeclId),
}

pub(super) struct FileCtx<'a> {
    pub(super) file: SourceFile,
    pub(super) parse: &'a fabric_syntax::Parse,
    /// Names this file declares.
    pub(super) own: HashMap<String, (Symbol, Span)>,
    /// Names visible in this file: its own and imported.
    pub(super) scope: HashMap<String, Symbol>,
    /// Module aliases: `import std.nvidia` makes `nvidia` refer to that file's index.
    pub(super) modules: HashMap<String, FileIdx>,
    /// Line numbers (0-based) on which a syntax error starts.
    pub(super) error_lines: Vec<usize>,
}

pub(super) enum ConstState {
    InProgress,
    Done(Value),
}

pub(super) struct Resolver<'a> {
    pub(super) db: &'a dyn salsa::Database,
    pub(super) files: Vec<FileCtx<'a>>,
    pub(super) by_key: HashMap<String, FileIdx>,
    pub(super) program: Program,
    pub(super) consts: HashMap<(FileIdx, usize), ConstState>,
    /// Each block's named children by name, and its nameless ones by kind: a duplicate is
    /// found by lookup, not by scanning the siblings (100,000 siblings were quadratic).
    pub(super) children_by_name: HashMap<(DeclId, String), DeclId>,
    /// Each block's nameless children (sub-records) by kind.
    pub(super) children_by_kind: HashMap<(DeclId, crate::schema::Kind), DeclId>,
}

pub(super) fn line_of(text: &str, offset: u32) -> usize {
    text.as_bytes()[..(offset as usize).min(text.len())].iter().filter(|&&b| b == b'\n').count()
}

impl<'a> Resolver<'a> {
    pub(super) fn visit(
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

    pub(super) fn error(&mut self, d: Diagnostic) {
        self.program.diagnostics.push(d);
    }

    pub(super) fn push_decl(&mut self, decl: Decl) -> DeclId {
        self.program.decls.push(decl);
        DeclId(self.program.decls.len() as u32 - 1)
    }
}
