//! The `fabric` command's library half: loading specs and rendering diagnostics for
//! terminals (codespan-reporting), for pipelines (JSON, SARIF 2.1.0) and for tests.
//!
//! ```no_run
//! let outcome = fabric_cli::check_file("examples/campus.fabric".as_ref()).unwrap();
//! print!("{}", fabric_cli::render_human(&outcome.db, &outcome.diagnostics, false));
//! ```

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use fabric_core::db::{self, Database, Limits, OsFileSystem, Project, SourceFile};
use fabric_core::diagnostic::{Diagnostic, Severity};
use std::collections::HashMap;
use std::path::Path;

/// The outcome of checking one spec.
pub struct Checked {
    /// The database holding the spec's files.
    pub db: Database,
    /// The spec.
    pub project: Project,
    /// Every diagnostic, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Loads and checks the spec whose entry file is `path`.
/// Fails only when the entry file cannot be read.
pub fn check_file(path: &Path) -> std::io::Result<Checked> {
    let mut db = Database::default();
    let project = db.load_project(path, &OsFileSystem, Limits::default())?;
    let diagnostics = db::check(&db, project).clone();
    Ok(Checked { db, project, diagnostics })
}

/// A line and column, both from 1; columns count Unicode scalar values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LineColumn {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// The line and column of a byte offset in `text`.
pub fn line_column(text: &str, offset: u32) -> LineColumn {
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineColumn { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
}

struct Files {
    files: SimpleFiles<String, String>,
    ids: HashMap<SourceFile, usize>,
}

impl Files {
    fn new(db: &Database, diagnostics: &[Diagnostic]) -> Self {
        let mut files = SimpleFiles::new();
        let mut ids = HashMap::new();
        for d in diagnostics {
            for label in std::iter::once(&d.primary).chain(&d.secondary) {
                ids.entry(label.file).or_insert_with(|| files.add(label.file.display_path(db).clone(), label.file.text(db).clone()));
            }
        }
        Files { files, ids }
    }

    fn convert(&self, d: &Diagnostic) -> cs::Diagnostic<usize> {
        let severity = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = vec![cs::Label::primary(self.ids[&d.primary.file], d.primary.span.range()).with_message(&d.primary.message)];
        for l in &d.secondary {
            labels.push(cs::Label::secondary(self.ids[&l.file], l.span.range()).with_message(&l.message));
        }
        let mut notes: Vec<String> = Vec::new();
        if let Some(path) = &d.path {
            notes.push(format!("instance: {path}"));
        }
        notes.extend(d.notes.iter().map(|n| format!("note: {n}")));
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        cs::Diagnostic::new(severity).with_code(d.code.as_str()).with_message(&d.message).with_labels(labels).with_notes(notes)
    }
}

/// Renders diagnostics for a terminal; with `color`, with ANSI colours.
pub fn render_human(db: &Database, diagnostics: &[Diagnostic], color: bool) -> String {
    let files = Files::new(db, diagnostics);
    let config = term::Config::default();
    let mut out = String::new();
    for d in diagnostics {
        let diagnostic = files.convert(d);
        if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            let styles = term::Styles::default();
            let mut writer = term::StylesWriter::new(&mut buffer, &styles);
            if term::emit_to_write_style(&mut writer, &config, &files.files, &diagnostic).is_ok() {
                out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
            }
        } else if let Ok(text) = term::emit_into_string(&config, &files.files, &diagnostic) {
            out.push_str(&text);
        }
    }
    out
}

/// One diagnostic as a JSON object: code, severity, message, file, line, column, end, path,
/// plus labels, notes and help.
pub fn to_json(db: &Database, d: &Diagnostic) -> serde_json::Value {
    let text = d.primary.file.text(db);
    let start = line_column(text, d.primary.span.start);
    let end = line_column(text, d.primary.span.end);
    let labels: Vec<serde_json::Value> = d
        .secondary
        .iter()
        .map(|l| {
            let at = line_column(l.file.text(db), l.span.start);
            serde_json::json!({ "file": l.file.display_path(db), "line": at.line, "column": at.column, "message": l.message })
        })
        .collect();
    serde_json::json!({
        "code": d.code.as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": d.primary.file.display_path(db),
        "line": start.line,
        "column": start.column,
        "end": { "line": end.line, "column": end.column },
        "path": d.path,
        "label": d.primary.message,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
    })
}

/// Diagnostics as a SARIF 2.1.0 log with one run.
pub fn to_sarif(db: &Database, diagnostics: &[Diagnostic]) -> String {
    use serde_sarif::sarif;
    let location = |file: SourceFile, span: fabric_syntax::Span, message: Option<&str>| {
        let text = file.text(db);
        let start = line_column(text, span.start);
        let end = line_column(text, span.end);
        let region = sarif::Region::builder()
            .start_line(start.line as i64)
            .start_column(start.column as i64)
            .end_line(end.line as i64)
            .end_column(end.column as i64)
            .byte_offset(i64::from(span.start))
            .byte_length(i64::from(span.end - span.start))
            .build();
        let physical = sarif::PhysicalLocation::builder()
            .artifact_location(sarif::ArtifactLocation::builder().uri(file.display_path(db).clone()).build())
            .region(region)
            .build();
        match message {
            Some(m) => sarif::Location::builder().physical_location(physical).message(sarif::Message::builder().text(m).build()).build(),
            None => sarif::Location::builder().physical_location(physical).build(),
        }
    };
    let mut codes: Vec<&'static str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<sarif::ReportingDescriptor> = codes
        .iter()
        .map(|code| {
            let title = fabric_core::diagnostic::codes::title(
                fabric_core::diagnostic::Code::lookup(code).unwrap_or(fabric_core::diagnostic::codes::E0101),
            );
            sarif::ReportingDescriptor::builder()
                .id(*code)
                .short_description(sarif::MultiformatMessageString::builder().text(title).build())
                .build()
        })
        .collect();
    let results: Vec<sarif::Result> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<sarif::Location> = d.secondary.iter().map(|l| location(l.file, l.span, Some(&l.message))).collect();
            let level = match d.severity {
                Severity::Error => sarif::ResultLevel::Error,
                Severity::Warning => sarif::ResultLevel::Warning,
            };
            let rule_index = codes.iter().position(|c| *c == d.code.as_str()).unwrap_or(0) as i64;
            sarif::Result::builder()
                .rule_id(d.code.as_str())
                .rule_index(rule_index)
                .level(level)
                .message(sarif::Message::builder().text(text).build())
                .locations(vec![location(d.primary.file, d.primary.span, Some(&d.primary.message))])
                .related_locations(related)
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("fabric")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/fabric-lang/fabric")
        .rules(rules)
        .build();
    let run = sarif::Run::builder().tool(sarif::Tool::builder().driver(driver).build()).results(results).build();
    let log = sarif::Sarif::builder().version(sarif::Version::V2_1_0.to_string()).schema(sarif::SCHEMA_URL).runs(vec![run]).build();
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A one-line summary of what a clean spec holds: `1 site, 176 racks, 11,520 GPUs`.
pub fn summary(checked: &Checked) -> String {
    let plant = db::plant(&checked.db, checked.project);
    let counts = plant.count_by_kind();
    let mut parts = Vec::new();
    for (kind, n) in counts {
        use fabric_core::schema::Kind;
        let label = match kind {
            Kind::Site | Kind::Building | Kind::Hall | Kind::Rack | Kind::Node | Kind::Link | Kind::Fabric => kind.name().to_string(),
            Kind::Gpu => "GPU".into(),
            Kind::Nic => "NIC".into(),
            Kind::Switch => "switch".into(),
            Kind::Inference => "inference service".into(),
            _ => continue,
        };
        let plural = if n == 1 {
            label
        } else if label.ends_with("ch") || label.ends_with('s') {
            format!("{label}es")
        } else {
            format!("{label}s")
        };
        parts.push(format!("{} {plural}", fabric_core::units::group_thousands(n as u128)));
    }
    parts.join(", ")
}
