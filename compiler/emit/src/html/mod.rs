//! report.html (LANGUAGE.md 8.7, docs/artifacts.md): the report for people, one
//! self-contained file with inline SVG and CSS and no script or network fetch. It draws
//! the campus, a floor plan per hall coloured by power headroom, rack elevations (each
//! distinct rack once, with its count, so a 100,000-GPU campus stays readable), each
//! fabric's tiers, cables and optics, the services' and training jobs' figures with their
//! charts, and lists the scenarios and diagnostics, each linked to the drawing it concerns.

mod draw;
mod fabric;
mod plant;
mod workloads;

use crate::report::{self, Report};
use fabric_core::inventory::Inventory;
use fabric_core::network::Network;
use fabric_core::pipeline::{budgets, inventory, network};
use fabric_core::plant::{InstanceId, Plant};
use fabric_core::schema::Kind;
use fabric_core::source::Project;
use fabric_core::units::{Dim, format_quantity, group_thousands};
use std::fmt::Write;

/// What the page's sections read.
struct Page<'a> {
    plant: &'a Plant,
    net: &'a Network,
    inv: &'a Inventory,
    report: &'a Report,
    it_power_w: &'a [f64],
    /// Every hall's path, longest first (diagnostics link to the hall they fall in).
    halls: Vec<String>,
}

impl Page<'_> {
    /// An instance's IT power.
    fn it(&self, id: InstanceId) -> f64 {
        self.it_power_w.get(id.0 as usize).copied().unwrap_or(0.0)
    }

    /// The drawing a diagnostic or scenario about `path` concerns, as a link target.
    fn target(&self, path: Option<&str>) -> String {
        let Some(path) = path else { return "#top".into() };
        if self.report.services.iter().any(|s| s.name == path) {
            return format!("#{}", anchor("service", path));
        }
        if self.report.training.iter().any(|t| t.name == path) {
            return format!("#{}", anchor("training", path));
        }
        if self.report.fabrics.iter().any(|f| f.name == path) {
            return format!("#{}", anchor("fabric", path));
        }
        if let Some(hall) = self.halls.iter().find(|h| path == h.as_str() || path.starts_with(&format!("{h}."))) {
            return format!("#{}", anchor("hall", hall));
        }
        "#campus".into()
    }

    fn scenarios(&self, out: &mut String) {
        if self.report.scenarios.is_empty() {
            return;
        }
        out.push_str("<section id=\"scenarios\"><h2>Failure scenarios</h2><table><tr><th>scenario</th><th>fails</th><th>GPUs lost</th><th>holds</th><th>diagnostics</th></tr>");
        for s in &self.report.scenarios {
            let failed: Vec<String> =
                s.failed.iter().map(|p| format!("<a href=\"{}\"><code>{}</code></a>", self.target(Some(p)), escape(p))).collect();
            let fails = match &s.any_of {
                Some(a) => format!(
                    "any one of {} (worst: {}; {} classes evaluated)",
                    group_thousands(u128::from(a.candidates)),
                    failed.join(", "),
                    a.classes
                ),
                None => s.failed.join(", "),
            };
            let diagnostics: Vec<String> = s
                .diagnostics
                .iter()
                .map(|d| format!("<a href=\"{}\">{}</a> {}", self.target(d.path.as_deref()), d.code, escape(&d.message)))
                .collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                escape(&s.name),
                fails,
                group_thousands(u128::from(s.gpus_lost)),
                if s.holds { "good" } else { "bad" },
                if s.holds { "yes" } else { "no" },
                if diagnostics.is_empty() { "-".to_string() } else { diagnostics.join("<br>") }
            );
        }
        out.push_str("</table></section>");
    }

    fn diagnostics(&self, out: &mut String) {
        out.push_str("<section id=\"diagnostics\"><h2>Diagnostics</h2>");
        if self.report.diagnostics.is_empty() {
            out.push_str("<p class=\"good\">None: every check holds.</p></section>");
            return;
        }
        out.push_str("<ul>");
        for (i, d) in self.report.diagnostics.iter().enumerate() {
            let _ = write!(
                out,
                "<li id=\"diagnostic-{i}\" class=\"{}\"><a href=\"{}\">{}[{}]</a> {} <small>{}:{}:{}</small></li>",
                if d.severity == "error" { "bad" } else { "warn" },
                self.target(d.path.as_deref()),
                d.severity,
                d.code,
                escape(&d.message),
                escape(&d.file),
                d.line,
                d.column
            );
        }
        out.push_str("</ul></section>");
    }
}

/// The links to the page's sections, those without content left out.
fn nav(report: &Report) -> String {
    let sections = [
        ("campus", "Campus", true),
        ("halls", "Halls", true),
        ("racks", "Racks", true),
        ("fabrics", "Fabrics", true),
        ("services", "Services", !report.services.is_empty()),
        ("training", "Training", !report.training.is_empty()),
        ("scenarios", "Scenarios", !report.scenarios.is_empty()),
        ("diagnostics", "Diagnostics", true),
    ];
    sections.iter().filter(|s| s.2).map(|(id, name, _)| format!("<a href=\"#{id}\">{name}</a>")).collect()
}

/// The id of a drawing: `<what>-<path>` with every character other than letters, digits,
/// `-` and `_` turned into `_`.
fn anchor(what: &str, path: &str) -> String {
    let clean: String = path.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("{what}-{clean}")
}

/// Text for HTML: `&`, `<`, `>` and quotes escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1400px;padding:0 24px 48px;color:#222}\
header{border-bottom:1px solid #ccc;margin-bottom:8px}nav a{margin-right:14px}h2{margin-top:36px;border-bottom:1px solid #eee}\
figure{margin:16px 0}figcaption{font-size:13px;color:#444}svg.drawing{max-width:100%;height:auto;font-family:inherit}\
.grid{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.grid figure{margin:0}table{border-collapse:collapse;margin:8px 0;font-size:14px}\
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}.bad{color:#b30000}.warn{color:#a35c00}.good{color:#1a7f37}code{font-size:12px}";

/// The whole page of a checked spec.
pub fn build(db: &dyn salsa::Database, project: Project) -> String {
    let plant = fabric_core::plant::plant(db, project);
    let net = network(db, project);
    let inv = inventory(db, project);
    let budgets = budgets(db, project);
    let report = report::build(db, project);
    let mut halls: Vec<String> =
        (0..plant.instances.len() as u32).map(InstanceId).filter(|&i| plant.kind(i) == Kind::Hall).map(|i| plant.path(i)).collect();
    halls.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    let page = Page { plant, net, inv, report: &report, it_power_w: &budgets.power.it_power_w, halls };
    let spec = project.entry(db).display_path(db).clone();
    let t = &report.totals;
    let mut out = String::with_capacity(1 << 20);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Fabric report: {}</title><style>{STYLE}</style></head><body id=\"top\"><header><h1>Fabric report: <code>{}</code></h1><p>{} GPUs, {} nodes, {} racks, {} switches, {} cables, {} transceivers; IT power {}, facility power {}.</p><nav>{}</nav></header>",
        escape(&spec),
        escape(&spec),
        group_thousands(u128::from(t.gpus)),
        group_thousands(u128::from(t.nodes)),
        group_thousands(u128::from(t.racks)),
        group_thousands(u128::from(t.switches)),
        group_thousands(u128::from(t.cables)),
        group_thousands(u128::from(t.transceivers)),
        format_quantity(t.it_power_w, Dim::POWER),
        format_quantity(t.facility_power_w, Dim::POWER),
        nav(&report),
    );
    page.campus(&mut out);
    page.halls(&mut out);
    page.racks(&mut out);
    page.fabrics(&mut out);
    page.services(&mut out);
    page.training(&mut out);
    page.scenarios(&mut out);
    page.diagnostics(&mut out);
    out.push_str("<footer><p>Written by <code>fabric build</code> (also <code>fabric report --format html</code>); the figures are report.json's.</p></footer></body></html>\n");
    out
}
