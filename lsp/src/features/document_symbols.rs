//! `textDocument/documentSymbol`: the outline of a file.

use super::common::*;
use crate::workspace::Workspace;
use fabric_core::schema::{Kind, Role};
use fabric_syntax::ast::Member;
use tower_lsp_server::ls_types::*;

/// The plant hierarchy as document symbols: every block with its children.
pub fn document_symbols(ws: &mut Workspace, key: &str) -> Vec<DocumentSymbol> {
    let Some((_, file)) = open(ws, key) else { return Vec::new() };
    let parse = fabric_core::source::parse_file(&ws.db, file);
    let text = file.text(&ws.db);
    let index = ws.index_of(file);
    symbols(&parse.file.members, text, &index)
}

#[allow(deprecated)] // DocumentSymbol::deprecated is required by the type
fn symbols(members: &[Member], text: &str, index: &crate::position::LineIndex) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    for m in members {
        let (name, detail, kind, span, selection, children) = match m {
            Member::Block(b) => {
                let kind = Kind::from_name(&b.kind.name);
                let name = b.name.as_ref().map_or_else(|| b.kind.name.clone(), |n| n.name.clone());
                let detail = match &b.base {
                    Some(base) => format!("{}: {base}", b.kind.name),
                    None => b.kind.name.clone(),
                };
                let symbol_kind = match kind.map(|k| k.schema().role) {
                    Some(Role::Type) if b.base.is_none() || b.body.is_some() => SymbolKind::CLASS,
                    Some(Role::SubRecord) => SymbolKind::STRUCT,
                    _ => SymbolKind::OBJECT,
                };
                let selection = b.name.as_ref().map_or(b.kind.span, |n| n.span);
                let children = b.body.as_deref().map(|body| symbols(body, text, index)).unwrap_or_default();
                (name, detail, symbol_kind, b.span, selection, children)
            }
            Member::Const(c) => (c.name.name.clone(), "const".to_string(), SymbolKind::CONSTANT, c.span, c.name.span, Vec::new()),
            Member::Field(f) => (f.name.name.clone(), "field".to_string(), SymbolKind::FIELD, f.span, f.name.span, Vec::new()),
            _ => continue,
        };
        out.push(DocumentSymbol {
            name,
            detail: Some(detail),
            kind,
            tags: None,
            deprecated: None,
            range: index.range(text, span.start, span.end),
            selection_range: index.range(text, selection.start, selection.end),
            children: (!children.is_empty()).then_some(children),
        });
    }
    out
}
