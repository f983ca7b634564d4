//! The `fabric` command's library half: loading specs and rendering diagnostics for
//! terminals (codespan-reporting), for pipelines (JSON, SARIF 2.1.0) and for tests.
//!
//! ```no_run
//! let outcome = fabric_cli::check_file("examples/campus.fabric".as_ref()).unwrap();
//! print!("{}", fabric_cli::render_human(&outcome.db, &outcome.diagnostics, false));
//! ```

pub mod build;
pub mod diff;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use fabric_core::db::Database;
use fabric_core::diagnostic::{Diagnostic, Severity};
use fabric_core::load::OsFileSystem;
use fabric_core::source::Limits;
use fabric_core::source::Project;
use fabric_core::source::SourceFile;
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

/// Why a command-line scenario (`fabric check --fail PATH`) could not run.
pub enum FailError {
    /// A `--fail` value is not a path.
    NotAPath(String),
    /// Paths that match nothing (E1101), rendered against the `--fail` text.
    NoMatch(String),
}

impl Checked {
    /// Runs the command-line scenario: `paths` fail together, and the diagnostics the
    /// failure adds (each naming scenario `--fail`) join the spec's. `None` where the spec's
    /// errors stop the stages a scenario re-runs.
    pub fn fail(&mut self, paths: &[String], color: bool) -> Result<Option<fabric_core::scenario::Outcome>, FailError> {
        if !fabric_core::pipeline::network_built(&self.db, self.project) {
            return Ok(None);
        }
        let text = paths.join("\n");
        let file = SourceFile::new(&self.db, "<--fail>".to_string(), "--fail".to_string(), text.clone());
        let mut parsed = Vec::new();
        let mut offset = 0u32;
        for p in paths {
            let mut path = fabric_core::scenario::parse_target(p, file).map_err(FailError::NotAPath)?;
            // Spans point into the `--fail` text, one path per line.
            path.span = fabric_syntax::Span::new(path.span.start + offset, path.span.end + offset);
            for s in &mut path.segments {
                s.span = fabric_syntax::Span::new(s.span.start + offset, s.span.end + offset);
            }
            offset += p.len() as u32 + 1;
            parsed.push(path);
        }
        let plant = fabric_core::plant::plant(&self.db, self.project);
        let net = fabric_core::pipeline::network(&self.db, self.project);
        let base = fabric_core::pipeline::budgets(&self.db, self.project);
        match fabric_core::scenario::evaluate_paths(plant, net, base, &parsed) {
            Ok(outcome) => {
                self.diagnostics.extend(outcome.diagnostics.iter().cloned());
                Ok(Some(outcome))
            }
            Err(misses) => Err(FailError::NoMatch(render_human(&self.db, &misses, color))),
        }
    }
}

/// Loads and checks the spec whose entry file is `path`.
/// Fails only when the entry file cannot be read.
pub fn check_file(path: &Path) -> std::io::Result<Checked> {
    let mut db = Database::default();
    let project = db.load_project(path, &OsFileSystem, Limits::default())?;
    let diagnostics = fabric_core::pipeline::check(&db, project).clone();
    Ok(Checked { db, project, diagnostics })
}

/// Checks a spec whose entry file's text is `text` (an editor buffer, standard input); its
/// imports are read from disk relative to `path`.
pub fn check_source(path: &Path, text: String) -> std::io::Result<Checked> {
    let mut db = Database::default();
    let open = std::collections::BTreeMap::from([(fabric_core::load::file_key(path), text)]);
    let project = db.load_project(path, &fabric_core::load::OverlayFileSystem { open: &open }, Limits::default())?;
    let diagnostics = fabric_core::pipeline::check(&db, project).clone();
    Ok(Checked { db, project, diagnostics })
}

/// The syntax diagnostics of one file's text, parsed alone (what `fabric fmt` reports when it
/// cannot format a file), with the database that holds the file for rendering.
pub fn syntax_diagnostics(path: &Path, text: String) -> (Database, Vec<fabric_core::diagnostic::Diagnostic>) {
    let db = Database::default();
    let shown = path.to_string_lossy().into_owned();
    let file = SourceFile::new(&db, fabric_core::load::file_key(path), shown, text);
    let diagnostics = fabric_core::resolve::syntax_diagnostics(&db, file);
    (db, diagnostics)
}

pub use fabric_core::diagnostic::{LineColumn, line_column};

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
        // Text decoded from a spec's strings may hold control characters: escape them.
        let p = |s: &str| fabric_core::diagnostic::printable(s).into_owned();
        // A label on a line too long to reprint (thousands of names on one line) is given as
        // its place instead of drawn: each diagnostic would reprint the whole line.
        let mut places: Vec<String> = Vec::new();
        let mut drawn = |file: SourceFile, span: fabric_syntax::Span, message: &str| -> bool {
            let id = self.ids[&file];
            let Ok(source) = codespan_reporting::files::Files::source(&self.files, id) else { return true };
            let start = (span.start as usize).min(source.len());
            let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
            if line_end - line_start <= MAX_DRAWN_LINE {
                return true;
            }
            let at = fabric_core::diagnostic::line_column(source, span.start);
            let name = codespan_reporting::files::Files::name(&self.files, id).map(|n| n.to_string()).unwrap_or_default();
            places.push(format!("at {name}:{}:{}: {} (the line is too long to show)", at.line, at.column, p(message)));
            false
        };
        let mut labels = Vec::new();
        if drawn(d.primary.file, d.primary.span, &d.primary.message) {
            labels.push(cs::Label::primary(self.ids[&d.primary.file], d.primary.span.range()).with_message(p(&d.primary.message)));
        }
        for l in &d.secondary {
            if drawn(l.file, l.span, &l.message) {
                labels.push(cs::Label::secondary(self.ids[&l.file], l.span.range()).with_message(p(&l.message)));
            }
        }
        let mut notes: Vec<String> = places;
        if let Some(path) = &d.path {
            notes.push(format!("instance: {}", p(path)));
        }
        notes.extend(d.notes.iter().map(|n| format!("note: {}", p(n))));
        if let Some(help) = &d.help {
            notes.push(format!("help: {}", p(help)));
        }
        cs::Diagnostic::new(severity).with_code(d.code.as_str()).with_message(p(&d.message)).with_labels(labels).with_notes(notes)
    }
}

/// Renders diagnostics for a terminal; with `color`, with ANSI colours.
pub fn render_human(db: &Database, diagnostics: &[Diagnostic], color: bool) -> String {
    let files = Files::new(db, diagnostics);
    let config = term::Config::default();
    let mut out = String::new();
    // At most MAX_SHOWN_PER_FILE diagnostics of one file are drawn: each reprints its source
    // lines, and one mistake repeated thousands of times on a long line would print
    // hundreds of megabytes. The JSON and SARIF forms keep every one.
    let mut shown: HashMap<SourceFile, usize> = HashMap::new();
    let mut left_out: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for d in diagnostics {
        let count = shown.entry(d.primary.file).or_insert(0);
        *count += 1;
        if *count > MAX_SHOWN_PER_FILE {
            *left_out.entry(d.primary.file.display_path(db).clone()).or_insert(0) += 1;
            continue;
        }
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
    for (file, n) in left_out {
        out.push_str(&format!(
            "note: {n} more diagnostic{} in `{}` not shown (the first {MAX_SHOWN_PER_FILE} are; `--format json` lists every one)\n\n",
            if n == 1 { "" } else { "s" },
            fabric_core::diagnostic::printable(&file)
        ));
    }
    out
}

/// The longest source line [`render_human`] reprints under a diagnostic, in bytes.
pub const MAX_DRAWN_LINE: usize = 1000;

/// Most diagnostics of one file that [`render_human`] draws.
pub const MAX_SHOWN_PER_FILE: usize = 100;

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
        "scenario": d.scenario,
        "label": d.primary.message,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
    })
}

/// Diagnostics as a SARIF 2.1.0 log with one run.
pub fn to_sarif(db: &Database, diagnostics: &[Diagnostic]) -> String {
    use serde_json::{Value, json};
    // SARIF 2.1.0 written with serde_json: the few objects we use, without the build cost
    // of a crate that types the whole standard.
    let location = |file: SourceFile, span: fabric_syntax::Span, message: Option<&str>| -> Value {
        let text = file.text(db);
        let start = line_column(text, span.start);
        let end = line_column(text, span.end);
        let mut location = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": file.display_path(db) },
                "region": {
                    "startLine": start.line,
                    "startColumn": start.column,
                    "endLine": end.line,
                    "endColumn": end.column,
                    "byteOffset": span.start,
                    "byteLength": span.end - span.start,
                },
            },
        });
        if let Some(m) = message {
            location["message"] = json!({ "text": m });
        }
        location
    };
    let mut codes: Vec<&'static str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            let title = fabric_core::diagnostic::Code::lookup(code).map_or("", fabric_core::diagnostic::codes::title);
            json!({ "id": code, "shortDescription": { "text": title } })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<Value> = d.secondary.iter().map(|l| location(l.file, l.span, Some(&l.message))).collect();
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let rule_index = codes.iter().position(|c| *c == d.code.as_str()).unwrap_or(0);
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rule_index,
                "level": level,
                "message": { "text": text },
                "locations": [location(d.primary.file, d.primary.span, Some(&d.primary.message))],
                "relatedLocations": related,
            });
            if let Some(scenario) = &d.scenario {
                result["properties"] = json!({ "scenario": scenario });
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "fabric",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/fabric-lang/fabric",
                "rules": rules,
            } },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A one-line summary of what a clean spec holds: `1 site, 176 racks, 11,520 GPUs`.
pub fn summary(checked: &Checked) -> String {
    let plant = fabric_core::plant::plant(&checked.db, checked.project);
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
            Kind::Training => "training job".into(),
            Kind::Scenario => "scenario".into(),
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

/// Renders a report as the tables `fabric report` prints.
pub fn report_table(report: &fabric_emit::report::Report) -> String {
    use fabric_core::units::{Dim, format_quantity, group_thousands};
    use std::fmt::Write;
    let w = |x: f64| format_quantity(x, Dim::POWER);
    let n = |x: u64| group_thousands(u128::from(x));
    let mut out = String::new();
    let t = &report.totals;
    let _ = writeln!(
        out,
        "Totals: {} GPUs, {} nodes, {} racks, {} switches, {} cables, {} transceivers",
        n(t.gpus),
        n(t.nodes),
        n(t.racks),
        n(t.switches),
        n(t.cables),
        n(t.transceivers)
    );
    let _ = write!(out, "        IT power {}, facility power {}", w(t.it_power_w), w(t.facility_power_w));
    match t.annual_energy_j {
        Some(e) => {
            let _ = writeln!(out, ", {} a year", format_quantity(e, Dim::ENERGY));
        }
        None => out.push('\n'),
    }
    let mut rows: Vec<[String; 5]> = vec![["entity".into(), "kind".into(), "IT power".into(), "limit".into(), "headroom".into()]];
    for e in &report.entities {
        // Racks are listed only when over their limit; the rest go by the thousand.
        if e.kind == "rack" && e.headroom_w.is_none_or(|h| h >= 0.0) {
            continue;
        }
        let headroom = match (e.power_limit_w, e.headroom_w) {
            (Some(l), Some(h)) if l > 0.0 => format!("{} ({:.1} %)", w(h), h / l * 100.0),
            _ => "-".into(),
        };
        rows.push([e.path.clone(), e.kind.into(), w(e.it_power_w), e.power_limit_w.map_or("-".into(), w), headroom]);
    }
    out.push_str("\nPower\n");
    out.push_str(&table(&rows));
    if !report.fabrics.is_empty() {
        let mut rows: Vec<[String; 5]> = vec![[
            "fabric".into(),
            "switches (leaf/spine/core)".into(),
            "cables".into(),
            "transceivers, optics power".into(),
            "with pluggable optics".into(),
        ]];
        for f in &report.fabrics {
            let media: Vec<String> = f.cables_by_medium.iter().map(|(m, c)| format!("{} {m}", n(*c))).collect();
            rows.push([
                format!("{} ({} tiers, {} endpoints)", f.name, f.tiers, n(f.endpoints)),
                format!("{} / {} / {}", f.leaves, f.spines, f.cores),
                format!("{} ({})", n(f.cables), media.join(", ")),
                format!("{}, {}", n(f.transceivers), w(f.optics_power_w)),
                format!("{}, {}", n(f.pluggable_equivalent.transceivers), w(f.pluggable_equivalent.optics_power_w)),
            ]);
        }
        out.push_str("\nFabrics\n");
        out.push_str(&table(&rows));
        for f in &report.fabrics {
            let saved = f.pluggable_equivalent.optics_power_w - f.optics_power_w;
            if f.pluggable_equivalent.transceivers > f.transceivers {
                let _ = writeln!(
                    out,
                    "  {}: co-packaged optics remove {} transceivers and {} of optics power",
                    f.name,
                    n(f.pluggable_equivalent.transceivers - f.transceivers),
                    w(saved)
                );
            }
            if f.switches_without_power > 0 || f.transceivers_without_power > 0 {
                let _ = writeln!(
                    out,
                    "  {}: not counted for want of a figure: {} switches, {} transceivers",
                    f.name,
                    n(u64::from(f.switches_without_power)),
                    n(f.transceivers_without_power)
                );
            }
        }
    }
    if !report.latency.is_empty() || report.farthest_gpus.is_some() {
        let mut rows: Vec<[String; 5]> =
            vec![["from".into(), "to".into(), "worst one-way".into(), "round trip".into(), "no figure (counted as 0)".into()]];
        for l in report.latency.iter().chain(&report.farthest_gpus) {
            rows.push([
                l.from.clone(),
                l.to.clone(),
                format_quantity(l.worst_one_way_s, Dim::TIME),
                format_quantity(2.0 * l.worst_one_way_s, Dim::TIME),
                if l.unknown_terms.is_empty() { "-".into() } else { l.unknown_terms.join(", ") },
            ]);
        }
        out.push_str("\nLatency\n");
        out.push_str(&table(&rows));
    }
    if !report.services.is_empty() {
        let dash = || "-".to_string();
        let against = |value: Option<f64>, limit: Option<f64>, dim: Dim| match (value, limit) {
            (Some(v), Some(l)) => format!("{} (SLO {})", format_quantity(v, dim), format_quantity(l, dim)),
            (Some(v), None) => format_quantity(v, dim),
            (None, _) => dash(),
        };
        let mut rows: Vec<[String; 9]> = vec![[
            "service".into(),
            "fits".into(),
            "GPUs placed".into(),
            "asked".into(),
            "needed".into(),
            "TTFT p99".into(),
            "TPOT p99".into(),
            "tokens/s (load)".into(),
            "energy/token".into(),
        ]];
        for s in &report.services {
            rows.push([
                s.name.clone(),
                match s.fits {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => dash(),
                },
                n(s.gpus_placed),
                n(s.gpus_requested),
                s.gpus_needed.map_or_else(dash, n),
                against(s.ttft_p99_s, s.slo.ttft_p99_s, Dim::TIME),
                against(s.tpot_p99_s, s.slo.tpot_p99_s, Dim::TIME),
                match (s.tokens_per_s, s.demand_tokens_per_s) {
                    (Some(c), Some(d)) => format!("{} ({})", group_thousands(c.round() as u128), group_thousands(d.round() as u128)),
                    (None, Some(d)) => format!("- ({})", group_thousands(d.round() as u128)),
                    _ => dash(),
                },
                against(s.energy_per_token_j, s.slo.energy_per_token_j, Dim::ENERGY_PER_TOKEN),
            ]);
        }
        out.push_str("\nServices\n");
        out.push_str(&table(&rows));
        for s in &report.services {
            let pool = |gpus_per_replica: u32, replicas: u32, p: &fabric_emit::report::ParallelismReport| {
                format!("{replicas} × {gpus_per_replica} GPUs (tp {}, pp {}, dp {}, ep {})", p.tp, p.pp, p.dp, p.ep)
            };
            let chosen = if s.chosen == Some(true) { ", chosen by the planner" } else { "" };
            match (s.mode, &s.prefill, &s.decode) {
                (Some("disaggregated"), Some(p), Some(d)) => {
                    let _ = writeln!(
                        out,
                        "  {}: disaggregated{chosen}: prefill {} at {} input tok/s per GPU; decode {} at {} output tok/s per GPU; KV transfer {}",
                        s.name,
                        pool(p.gpus_per_replica, p.replicas, &p.parallelism),
                        p.input_tokens_per_s_per_gpu.map_or_else(dash, |v| group_thousands(v.round() as u128)),
                        pool(d.gpus_per_replica, d.replicas, &d.parallelism),
                        d.output_tokens_per_s_per_gpu.map_or_else(dash, |v| group_thousands(v.round() as u128)),
                        s.kv_transfer_s.map_or_else(dash, |v| format_quantity(v, Dim::TIME))
                    );
                }
                (Some(_), _, Some(d)) => {
                    let _ = writeln!(
                        out,
                        "  {}: aggregated{chosen}: {} at {} output tok/s per GPU",
                        s.name,
                        pool(d.gpus_per_replica, d.replicas, &d.parallelism),
                        d.output_tokens_per_s_per_gpu.map_or_else(dash, |v| group_thousands(v.round() as u128))
                    );
                }
                _ => {}
            }
            if let Some(layout) = &s.suggested_layout {
                let _ = writeln!(out, "  {}: fewest GPUs that meet its SLOs: {}", s.name, layout);
            }
        }
    }
    if !report.training.is_empty() {
        out.push_str("\nTraining\n");
        out.push_str(&training_table(&report.training));
    }
    if !report.scenarios.is_empty() {
        out.push_str("\nScenarios\n");
        out.push_str(&scenario_table(&report.scenarios));
    }
    out
}

/// The scenarios' table: one row per scenario with what failed, the GPUs lost, and each
/// service's and job's verdict (`ok`, or the codes of its diagnostics in the scenario).
fn scenario_table(scenarios: &[fabric_emit::report::ScenarioReport]) -> String {
    use fabric_core::units::group_thousands;
    let mut rows: Vec<[String; 5]> =
        vec![["scenario".into(), "fails".into(), "GPUs lost".into(), "holds".into(), "services and jobs".into()]];
    for s in scenarios {
        let verdict = |name: &str| {
            let mut codes: Vec<&str> = s.diagnostics.iter().filter(|d| d.path.as_deref() == Some(name)).map(|d| d.code).collect();
            codes.sort_unstable();
            codes.dedup();
            if codes.is_empty() { format!("{name} ok") } else { format!("{name} {}", codes.join(" ")) }
        };
        let workloads: Vec<String> =
            s.services.iter().map(|x| verdict(&x.name)).chain(s.training.iter().map(|t| verdict(&t.name))).collect();
        let fails = match &s.any_of {
            Some(a) => format!(
                "any of {} (worst {}, {} alike)",
                group_thousands(u128::from(a.candidates)),
                s.failed.join(", "),
                group_thousands(u128::from(a.like_worst))
            ),
            None => s.failed.join(", "),
        };
        rows.push([
            s.name.clone(),
            fails,
            group_thousands(u128::from(s.gpus_lost)),
            if s.holds { "yes".into() } else { "no".into() },
            if workloads.is_empty() { "-".into() } else { workloads.join(", ") },
        ]);
    }
    table(&rows)
}

/// The training jobs' table: layout, memory, step, MFU, time to train, and shared GPUs.
fn training_table(jobs: &[fabric_emit::report::TrainingReport]) -> String {
    use fabric_core::units::{Dim, format_quantity, group_thousands};
    let n = |x: u64| group_thousands(u128::from(x));
    let dash = || "-".to_string();
    let mut rows: Vec<[String; 9]> = vec![[
        "job".into(),
        "fits".into(),
        "GPUs (borrowed)".into(),
        "layout".into(),
        "memory/GPU".into(),
        "step".into(),
        "MFU".into(),
        "time to train".into(),
        "energy".into(),
    ]];
    for t in jobs {
        rows.push([
            t.name.clone(),
            match t.fits {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => dash(),
            },
            format!("{} ({})", n(t.gpus), n(t.borrowed_gpus)),
            t.parallelism.map_or_else(dash, |p| {
                let chosen = if t.chosen { " (chosen)" } else { "" };
                format!("tp {} pp {} dp {} ep {} cp {} vp {}{chosen}", p.tp, p.pp, p.dp, p.ep, p.cp, p.vp)
            }),
            t.memory_per_gpu_bytes.map_or_else(dash, |b| format_quantity(b * 8.0, Dim::INFORMATION)),
            t.step_time_s.map_or_else(dash, |v| format_quantity(v, Dim::TIME)),
            t.mfu.map_or_else(dash, |m| format!("{:.1} %", m * 100.0)),
            t.time_to_train_s.map_or_else(dash, |v| format!("{:.1} d", v / 86_400.0)),
            t.energy_j.map_or_else(dash, |e| format_quantity(e, Dim::ENERGY)),
        ]);
    }
    let mut out = table(&rows);
    for t in jobs {
        let Some(p) = t.step_parts_s else { continue };
        let q = |v: f64| format_quantity(v, Dim::TIME);
        out.push_str(&format!(
            "  {}: step = compute {} + bubble {} + tensor-parallel {} + pipeline {} + data-parallel {} + expert {}; {} across campus links per step; {} GPUs guaranteed, {} borrowed\n",
            t.name,
            q(p.compute),
            q(p.bubble),
            q(p.tensor_parallel),
            q(p.pipeline),
            q(p.data_parallel),
            q(p.expert_parallel),
            t.cross_building_bytes_per_step.map_or_else(dash, |b| format_quantity(b * 8.0, Dim::INFORMATION)),
            n(t.guaranteed_gpus),
            n(t.borrowed_gpus)
        ));
    }
    out
}

/// Left-aligned columns separated by two spaces.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::from("  ");
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
