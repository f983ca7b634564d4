//! `textDocument/signatureHelp`: the signature of the builtin being called.

use crate::workspace::Workspace;
use tower_lsp_server::ls_types::*;

/// Signature help inside a builtin's parentheses.
pub fn signature_help(ws: &Workspace, key: &str, offset: u32) -> Option<SignatureHelp> {
    let doc = ws.docs.get(key)?;
    let before = doc.text.get(..offset as usize)?;
    let mut depth = 0i32;
    let mut commas = 0u32;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let name: String = before[..i].chars().rev().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let name: String = name.chars().rev().collect();
                if !fabric_core::resolve::BUILTINS.contains(&name.as_str()) {
                    return None;
                }
                let doc = fabric_core::resolve::signature(&name);
                let label = doc.split('`').nth(1).unwrap_or(&name).to_string();
                return Some(SignatureHelp {
                    signatures: vec![SignatureInformation {
                        label,
                        documentation: Some(Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: doc })),
                        parameters: None,
                        active_parameter: Some(commas),
                    }],
                    active_signature: Some(0),
                    active_parameter: Some(commas),
                });
            }
            ',' if depth == 0 => commas += 1,
            '\n' if depth == 0 && commas == 0 => {}
            _ => {}
        }
    }
    None
}
