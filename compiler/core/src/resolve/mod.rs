//! Name resolution and evaluation: imports, constants, kinds and their fields, types and
//! derived types, and every field value evaluated with its dimension.
//!
//! The result, [`Program`], is a flat arena of declarations ([`Decl`]): top-level types,
//! top-level instances and the blocks nested in either. Elaboration (`plant`) expands it.

mod builtins;
mod eval;
pub mod fold;
mod imports;
mod lower;
mod model;
mod resolver;
mod typeck;

pub use builtins::{BUILTINS, signature};
pub use fold::compare;
pub use model::*;

use crate::diagnostic::{Diagnostic, Label, syntax_code};
use crate::source::{FileSlot, Project, SourceFile, parse_file};
use resolver::{FileCtx, FileIdx, Resolver, line_of};
use std::collections::HashMap;

/// The syntax errors of one file as diagnostics.
pub fn syntax_diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    parse_file(db, file)
        .errors
        .iter()
        .map(|e| {
            let code = syntax_code(e.kind);
            let mut d = Diagnostic::error(code, e.message.clone(), Label::new(file, e.span, e.label.clone())).with_help(e.help.clone());
            for (span, text) in &e.related {
                d = d.with_label(Label::new(file, *span, text.clone()));
            }
            d
        })
        .collect()
}

/// Resolves a project into a [`Program`].
pub fn resolve(db: &dyn salsa::Database, project: Project) -> Program {
    let slots = project.files(db);
    let entry = project.entry(db);
    let mut r = Resolver {
        db,
        files: Vec::new(),
        by_key: HashMap::new(),
        program: Program::default(),
        consts: HashMap::new(),
        children_by_name: HashMap::new(),
        children_by_kind: HashMap::new(),
    };
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
        r.by_key.insert(file.key(db).clone(), FileIdx(r.files.len()));
        r.files.push(FileCtx { file, parse, own: HashMap::new(), scope: HashMap::new(), modules: HashMap::new(), error_lines });
        r.program.files.push(file);
    }
    for i in 0..r.files.len() {
        r.declare(FileIdx(i));
    }
    for i in 0..r.files.len() {
        r.import(FileIdx(i), slots);
    }
    for i in 0..r.files.len() {
        r.lower_file(FileIdx(i));
    }
    r.check_base_cycles();
    r.check_required();
    let mut seen = std::collections::HashSet::new();
    r.program.references.retain(|reference| seen.insert(*reference));
    r.program
}

/// The query: names, imports, kinds and field values of the whole spec, resolved.
#[salsa::tracked]
pub fn program(db: &dyn salsa::Database, project: Project) -> std::sync::Arc<Program> {
    std::sync::Arc::new(resolve(db, project))
}
