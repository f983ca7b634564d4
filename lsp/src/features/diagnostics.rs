//! `textDocument/publishDiagnostics`: the compiler's diagnostics of a file, with notes,
//! help and the fix a quick fix applies.

use crate::workspace::{Snapshot, Workspace};
use fabric_core::diagnostic::{Diagnostic as FabricDiagnostic, Severity};
use fabric_core::source::{Project, SourceFile};
use tower_lsp_server::ls_types::*;

/// The diagnostics of file `key` as its own project sees them.
pub fn diagnostics(ws: &mut Workspace, key: &str) -> Vec<Diagnostic> {
    match prepare(ws, key) {
        Some(analysis) => analysis.run(),
        None => Vec::new(),
    }
}

/// One file's analysis, ready to run off the workspace lock.
pub struct Analysis {
    snapshot: Snapshot,
    project: Project,
    file: SourceFile,
}

/// Loads the project of file `key` (under the workspace lock) and takes a snapshot to
/// analyse it on; `None` when the file is in no project.
pub fn prepare(ws: &mut Workspace, key: &str) -> Option<Analysis> {
    let project = ws.project(key)?;
    let file = ws.file(project, key)?;
    Some(Analysis { snapshot: ws.snapshot(), project, file })
}

impl Analysis {
    /// The file's diagnostics. An edit to the workspace meanwhile cancels it: salsa unwinds
    /// with `salsa::Cancelled` at the next query.
    pub fn run(&self) -> Vec<Diagnostic> {
        let all = fabric_core::pipeline::check(&self.snapshot.db, self.project);
        all.iter().filter(|d| d.primary.file == self.file).map(|d| to_lsp(&self.snapshot, d)).collect()
    }
}

/// One compiler diagnostic as LSP sees it: its notes and help follow the message.
fn to_lsp(ws: &Snapshot, d: &FabricDiagnostic) -> Diagnostic {
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
