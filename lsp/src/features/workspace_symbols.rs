//! `workspace/symbol`: declarations of every open project matching a query.

use super::common::*;
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use tower_lsp_server::ls_types::*;

/// Types and top-level instances whose name contains `query`, across the workspace.
#[allow(deprecated)] // SymbolInformation::deprecated is required by the type
pub fn workspace_symbols(ws: &mut Workspace, query: &str) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let mut out: BTreeMap<(String, u32), SymbolInformation> = BTreeMap::new();
    for project in ws.all_projects() {
        let program = fabric_core::resolve::program(&ws.db, project);
        for id in program.types.iter().chain(&program.roots) {
            let d = program.decl(*id);
            let Some(name) = &d.name else { continue };
            if d.file.key(&ws.db).starts_with("std.") || !name.to_lowercase().contains(&query) {
                continue;
            }
            let Some(location) = location(ws, d.file, d.name_span) else { continue };
            out.insert(
                (d.file.key(&ws.db).clone(), d.name_span.start),
                SymbolInformation {
                    name: name.clone(),
                    kind: if d.is_type { SymbolKind::CLASS } else { SymbolKind::OBJECT },
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: Some(d.kind.name().to_string()),
                },
            );
        }
    }
    out.into_values().collect()
}
