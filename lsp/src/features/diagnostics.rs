//! `textDocument/publishDiagnostics`: the compiler's diagnostics of a file, with notes,
//! help and the fix a quick fix applies.

use crate::workspace::Workspace;
use fabric_core::diagnostic::{Diagnostic as FabricDiagnostic, Severity};
use tower_lsp_server::ls_types::*;

/// The diagnostics of file `key` as its own project sees them.
pub fn diagnostics(ws: &mut Workspace, key: &str) -> Vec<Diagnostic> {
    let Some(project) = ws.project(key) else { return Vec::new() };
    let Some(file) = ws.file(project, key) else { return Vec::new() };
    let all = fabric_core::pipeline::check(&ws.db, project);
    all.iter().filter(|d| d.primary.file == file).map(|d| to_lsp(ws, d)).collect()
}

/// One compiler diagnostic as LSP sees it: its notes and help follow the message.
fn to_lsp(ws: &Workspace, d: &FabricDiagnostic) -> Diagnostic {
    let index = ws.index_of(d.primary.file);
    let text = d.primary.file.text(&ws.db);
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            let uri = ws.uri_of(l.file)?;
            let range = ws.index_of(l.file).range(l.file.text(&ws.db), l.span.start, l.span.end);
            Some(DiagnosticRelatedInformation { location: Location::new(uri, range), message: l.message.clone() })
        })
        .collect();
    Diagnostic {
        range: index.range(text, d.primary.span.start, d.primary.span.end),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("fabric".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: Some(serde_json::json!({
            "help": d.help,
            "scenario": d.scenario,
            "fix": d.suggestion.as_ref().and_then(|f| {
                let uri = ws.uri_of(f.file)?;
                let range = ws.index_of(f.file).range(f.file.text(&ws.db), f.span.start, f.span.end);
                Some(serde_json::json!({ "title": f.title, "uri": uri.as_str(), "range": range, "newText": f.replacement }))
            }),
        })),
        ..Diagnostic::default()
    }
}
