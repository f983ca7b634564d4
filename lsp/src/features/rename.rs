//! `textDocument/prepareRename` and `textDocument/rename`: a name and every use of it
//! renamed together.

use super::common::*;
use super::references::references;
use crate::workspace::Workspace;
use fabric_core::schema::Kind;
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

/// The range and current name of what can be renamed at `offset`; `Err` with the reason
/// where nothing can.
pub fn prepare_rename(ws: &mut Workspace, key: &str, offset: u32) -> Result<(Range, String), String> {
    let Some((def, at)) = def_at(ws, key, offset) else { return Err("no declared name here".into()) };
    if def.file.key(&ws.db).starts_with("std.") {
        return Err("standard library names cannot be renamed".into());
    }
    let (_, file) = open(ws, key).ok_or("file not loaded")?;
    let text = file.text(&ws.db);
    let name = text.get(at.start as usize..at.end as usize).unwrap_or_default().to_string();
    Ok((ws.index_of(file).range(text, at.start, at.end), name))
}

/// The edits that rename the definition at `offset` and every use of it to `new_name`.
pub fn rename(ws: &mut Workspace, key: &str, offset: u32, new_name: &str) -> Result<WorkspaceEdit, String> {
    prepare_rename(ws, key, offset)?;
    let valid = new_name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["import", "const", "assert", "true", "false", "and", "or", "not"].contains(&new_name)
        && Kind::from_name(new_name).is_none();
    if !valid {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for loc in references(ws, key, offset, true) {
        changes.entry(loc.uri).or_default().push(TextEdit::new(loc.range, new_name.to_string()));
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}
