//! `textDocument/formatting`: the canonical layout of `fabric fmt`.

use crate::workspace::Workspace;
use tower_lsp_server::ls_types::*;

/// The whole-document edit that formats it; `None` when it is formatted or does not parse.
pub fn formatting(ws: &mut Workspace, key: &str) -> Option<Vec<TextEdit>> {
    let doc = ws.docs.get(key)?;
    let formatted = fabric_core::fmt::format(&doc.text).ok()?;
    if formatted == doc.text {
        return Some(Vec::new());
    }
    let end = doc.index.position(&doc.text, doc.text.len() as u32);
    Some(vec![TextEdit::new(Range::new(Position::new(0, 0), end), formatted)])
}
