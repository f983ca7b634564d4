//! `textDocument/references`: every use of the name under the cursor.

use super::common::*;
use crate::workspace::Workspace;
use fabric_core::source::SourceFile;
use fabric_syntax::Span;
use tower_lsp_server::ls_types::*;

/// Every use of the definition at `offset` across the workspace, with the definition
/// itself where asked.
pub fn references(ws: &mut Workspace, key: &str, offset: u32, include_declaration: bool) -> Vec<Location> {
    let Some((def, _)) = def_at(ws, key, offset) else { return Vec::new() };
    let def_key = def.file.key(&ws.db).clone();
    let mut found: Vec<(String, Span, SourceFile)> = Vec::new();
    if include_declaration {
        found.push((def_key.clone(), def.span, def.file));
    }
    for project in ws.all_projects() {
        let program = fabric_core::resolve::program(&ws.db, project);
        for r in &program.references {
            if r.target_span == def.span && r.target_file.key(&ws.db) == &def_key {
                found.push((r.file.key(&ws.db).clone(), r.span, r.file));
            }
        }
    }
    found.sort_by(|a, b| (&a.0, a.1.start).cmp(&(&b.0, b.1.start)));
    found.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    found.into_iter().filter_map(|(_, span, file)| location(ws, file, span)).collect()
}
