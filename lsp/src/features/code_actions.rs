//! `textDocument/codeAction`: quick fixes, each the fix the compiler attached to a
//! diagnostic.

use crate::workspace::Workspace;
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

/// Quick fixes: the compiler's fix of each diagnostic that has one ("did you mean",
/// "add import", "raise the limit", "add the missing fields").
pub fn code_actions(ws: &mut Workspace, key: &str, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    if !ws.docs.contains_key(key) {
        return out;
    }
    for d in diagnostics {
        // The fix the compiler attached to the diagnostic (a typed `Suggestion`), applied as is.
        if let Some(fix) = d.data.as_ref().map(|v| &v["fix"]).filter(|f| f.is_object())
            && let (Some(title), Some(target), Ok(range), Some(text)) = (
                fix["title"].as_str(),
                fix["uri"].as_str().and_then(|u| u.parse::<Uri>().ok()),
                serde_json::from_value::<Range>(fix["range"].clone()),
                fix["newText"].as_str(),
            )
        {
            let mut changes = HashMap::new();
            changes.insert(target, vec![TextEdit::new(range, text.to_string())]);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.to_string(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    out
}
