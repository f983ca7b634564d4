//! `textDocument/definition`: where the name under the cursor is defined, across files and
//! into the stdlib.

use super::common::*;
use crate::workspace::Workspace;
use fabric_syntax::Span;
use fabric_syntax::ast::Member;
use tower_lsp_server::ls_types::*;

/// Go to definition: a name's declaration, an import's file or module.
pub fn definition(ws: &mut Workspace, key: &str, offset: u32) -> Option<Location> {
    if let Some((def, _)) = def_at(ws, key, offset) {
        return location(ws, def.file, def.span);
    }
    let (project, file) = open(ws, key)?;
    let parse = fabric_core::source::parse_file(&ws.db, file);
    for m in &parse.file.members {
        let Member::Import(import) = m else { continue };
        if !contains(import.span, offset) {
            continue;
        }
        let target_key = match &import.target {
            fabric_syntax::ast::ImportTarget::File { path, .. } => fabric_core::load::file_import_key(file.key(&ws.db), path),
            fabric_syntax::ast::ImportTarget::Module { path, .. } => {
                let names: Vec<String> = path.iter().map(|i| i.name.clone()).collect();
                fabric_core::load::module_key(&names)?.0
            }
        };
        let target = match project.files(&ws.db).get(&target_key) {
            Some(fabric_core::source::FileSlot::Loaded(f)) => *f,
            _ => return None,
        };
        return location(ws, target, Span::new(0, 0));
    }
    None
}
