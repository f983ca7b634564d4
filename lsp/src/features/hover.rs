//! `textDocument/hover`: what the name, field, value or keyword under the cursor is, with
//! its figures.

use super::common::*;
use crate::workspace::Workspace;
use fabric_core::diagnostic::codes;
use fabric_core::plant::InstanceId;
use fabric_core::resolve::{DeclId, Program, Value};
use fabric_core::schema::Kind;
use fabric_core::source::Project;
use fabric_core::source::SourceFile;
use fabric_core::units::{Dim, format_quantity};
use fabric_syntax::Span;
use fabric_syntax::ast::{Block, Member};
use tower_lsp_server::ls_types::*;

/// Hover: a declaration with its doc, source and computed power; a field's or kind's
/// schema; a number in SI units; the explanation of a diagnostic's code.
pub fn hover(ws: &mut Workspace, key: &str, offset: u32) -> Option<Hover> {
    let (project, file) = open(ws, key)?;
    let mut parts: Vec<String> = Vec::new();
    let mut range: Option<Span> = None;
    if let Some((def, at)) = def_at(ws, key, offset) {
        let program = fabric_core::resolve::program(&ws.db, project);
        range = Some(at);
        match decl_of(program, def) {
            Some(id) => parts.push(describe_decl(ws, project, program, id)),
            None => {
                if let Some(c) = program.consts.iter().find(|c| c.file == def.file && contains(c.span, def.span.start)) {
                    let mut s = format!("```fabric\nconst {}\n```\n= {}", c.name, describe_value(program, &c.value));
                    if let Some(doc) = &c.doc {
                        s.push_str(&format!("\n\n{doc}"));
                    }
                    parts.push(s);
                }
            }
        }
    } else if let Some((text, span)) = syntax_hover(ws, file, offset) {
        parts.push(text);
        range = Some(span);
    }
    for d in fabric_core::pipeline::check(&ws.db, project).iter().filter(|d| d.primary.file == file && contains(d.primary.span, offset)) {
        let explanation = d.code.explanation();
        let first = explanation.split("\n\n").nth(1).unwrap_or_default();
        parts.push(format!("**{}**: {}\n\n{first}\n\n`fabric explain {}` tells more.", d.code, codes::title(d.code), d.code));
    }
    if parts.is_empty() {
        return None;
    }
    let text = file.text(&ws.db);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: parts.join("\n\n---\n\n") }),
        range: range.map(|s| ws.index_of(file).range(text, s.start, s.end)),
    })
}

/// A training job's figures: layout, memory, step and its parts, MFU, time to train and
/// shared GPUs (docs/training-model.md); what the model could not estimate is left out.
fn training_lines(t: &fabric_core::check::TrainingEstimate) -> Vec<String> {
    let time = |s: f64| format_quantity(s, Dim::TIME);
    let mut lines = Vec::new();
    if let Some(l) = t.layout {
        let chosen = if t.chosen { " (chosen by the compiler)" } else { "" };
        lines.push(format!("- layout{chosen}: {}", fabric_core::check::training::layout_text(&l)));
    }
    if let Some(m) = t.memory {
        let b = |x: f64| format_quantity(x * 8.0, Dim::INFORMATION);
        lines.push(format!("- memory per GPU: {} of {} usable", b(m.total), b(m.usable)));
    }
    if let Some(s) = t.step {
        lines.push(format!(
            "- step: {} = compute {} + bubble {} + exposed communication {}",
            time(s.total_s),
            time(s.compute_s),
            time(s.bubble_s),
            time(s.total_s - s.compute_s - s.bubble_s)
        ));
    }
    if let (Some(mfu), Some(flops)) = (t.mfu, t.flops_per_gpu) {
        lines.push(format!("- MFU: {:.1} % ({} per GPU)", mfu * 100.0, format_quantity(flops, Dim::COMPUTE_RATE)));
    }
    if let Some(s) = t.time_to_train_s {
        lines.push(format!("- time to train: {}", time(s)));
    }
    if t.borrowed_gpus > 0 {
        lines.push(format!("- GPUs: {} guaranteed, {} borrowed from the services it yields to", t.guaranteed_gpus, t.borrowed_gpus));
    }
    lines
}

/// A scenario's outcome: what failed, the GPUs lost, whether the spec holds, and each
/// service's and job's verdict with its figures on what is left.
fn scenario_lines(o: &fabric_core::scenario::Outcome) -> Vec<String> {
    let n = |x: u64| fabric_core::units::group_thousands(u128::from(x));
    let mut lines = Vec::new();
    match &o.any_of {
        Some(any) => lines.push(format!(
            "- worst of {} single failures ({} classes of identical ones evaluated): `{}`, like {} others",
            n(any.candidates),
            n(any.classes),
            o.failed.join("`, `"),
            n(any.like_worst.saturating_sub(1))
        )),
        None => lines.push(format!("- fails: `{}`", o.failed.join("`, `"))),
    }
    let errors = o.diagnostics.iter().filter(|d| d.severity == fabric_core::diagnostic::Severity::Error).count();
    lines.push(format!(
        "- {} GPUs out of service; {}",
        n(o.gpus_lost),
        if o.holds() {
            "the spec holds".to_string()
        } else {
            format!("the spec does not hold ({errors} error{})", if errors == 1 { "" } else { "s" })
        }
    ));
    let verdict = |name: &str| {
        let mut codes: Vec<&str> = o.diagnostics.iter().filter(|d| d.path.as_deref() == Some(name)).map(|d| d.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        if codes.is_empty() { "holds".to_string() } else { codes.join(", ") }
    };
    for s in &o.services {
        let figures = match s.estimate.as_ref().and_then(|e| e.operating.as_ref()) {
            Some(op) if op.ttft_p99_s.is_finite() && op.tpot_s.is_finite() => {
                format!(", TTFT p99 {}, TPOT p99 {}", format_quantity(op.ttft_p99_s, Dim::TIME), format_quantity(op.tpot_s, Dim::TIME))
            }
            _ => String::new(),
        };
        lines.push(format!("- service `{}`: {} on {} GPUs{figures}", s.name, verdict(&s.name), n(s.gpus_placed)));
    }
    for t in &o.training {
        let step = t.step.map(|s| format!(", step {}", format_quantity(s.total_s, Dim::TIME))).unwrap_or_default();
        lines.push(format!("- training `{}`: {}{step}", t.name, verdict(&t.name)));
    }
    lines
}

/// A declaration: its header, doc, where it is defined, its fields, and for instances the
/// IT power of each against its limit, and a training job's figures.
fn describe_decl(ws: &Workspace, project: Project, program: &Program, id: DeclId) -> String {
    let d = program.decl(id);
    let name = d.name.clone().unwrap_or_default();
    let base = d.base.and_then(|b| program.decl(b).name.clone()).map(|b| format!(": {b}")).unwrap_or_default();
    let mut out = format!("```fabric\n{} {name}{base}\n```", d.kind.name());
    if let Some(doc) = &d.doc {
        out.push_str(&format!("\n{doc}"));
    }
    let at = fabric_core::diagnostic::line_column(d.file.text(&ws.db), d.name_span.start);
    out.push_str(&format!(
        "\n\n{} {} at `{}:{}`",
        if d.is_type { "Type" } else { "Instance" },
        d.kind.name(),
        d.file.display_path(&ws.db),
        at.line
    ));
    let mut fields: Vec<String> = Vec::new();
    for f in d.kind.schema().fields {
        if let Some((_, v)) = program.field_set(id, f.name) {
            fields.push(format!("- `{}` = {}", f.name, describe_value(program, &v.value)));
        }
    }
    if !fields.is_empty() {
        out.push_str("\n\n");
        out.push_str(&fields.join("\n"));
    }
    if !d.is_type {
        let plant = fabric_core::plant::plant(&ws.db, project);
        let budgets = fabric_core::pipeline::budgets(&ws.db, project);
        let instances: Vec<InstanceId> =
            (0..plant.instances.len()).map(|i| InstanceId(i as u32)).filter(|&i| plant.get(i).decl == id).collect();
        let mut lines = Vec::new();
        for &i in instances.iter().take(8) {
            let it = budgets.power.it_power_w.get(i.0 as usize).copied().unwrap_or(0.0);
            let limit = plant.field(i, "power_limit").and_then(|f| f.number());
            let w = |x: f64| format_quantity(x, Dim::POWER);
            lines.push(match limit {
                Some(l) => format!(
                    "- `{}`: IT power {} of its {} limit ({} headroom, {:.0} %)",
                    plant.path(i),
                    w(it),
                    w(l),
                    w(l - it),
                    if l > 0.0 { 100.0 * it / l } else { 0.0 }
                ),
                None if it > 0.0 => format!("- `{}`: IT power {}", plant.path(i), w(it)),
                None => continue,
            });
        }
        if instances.len() > 8 {
            lines.push(format!("- … {} more", instances.len() - 8));
        }
        for t in budgets.training.iter().filter(|t| instances.contains(&t.instance)) {
            lines.extend(training_lines(t));
        }
        let scenarios = fabric_core::pipeline::scenarios(&ws.db, project);
        for o in scenarios.outcomes.iter().filter(|o| o.decl == Some(id)) {
            lines.extend(scenario_lines(o));
        }
        if !lines.is_empty() {
            out.push_str("\n\n");
            out.push_str(&lines.join("\n"));
        }
    }
    out
}

fn describe_value(program: &Program, value: &Value) -> String {
    match value {
        Value::Number { value, dim } => format!("`{}`", format_quantity(*value, *dim)),
        Value::Bool(b) => format!("`{b}`"),
        Value::Str(s) => format!("`\"{s}\"`"),
        Value::Symbol(s) => format!("`{s}`"),
        Value::Type(id) => format!("`{}`", program.decl(*id).name.clone().unwrap_or_default()),
        Value::Path(p) => format!("`{p}`"),
        other => other.describe(program),
    }
}

/// Hover from the syntax alone: a block's kind, a field or bound name, a number.
fn syntax_hover(ws: &Workspace, file: SourceFile, offset: u32) -> Option<(String, Span)> {
    let parse = fabric_core::source::parse_file(&ws.db, file);
    let mut chain: Vec<&Block> = Vec::new();
    let mut members: &[Member] = &parse.file.members;
    loop {
        let mut next = None;
        for m in members {
            match m {
                Member::Block(b) if contains(b.span, offset) => {
                    if contains(b.kind.span, offset) {
                        let kind = Kind::from_name(&b.kind.name)?;
                        let s = kind.schema();
                        return Some((format!("```fabric\n{}\n```\n{}\n\n{}", s.name, s.doc, field_list(kind)), b.kind.span));
                    }
                    chain.push(b);
                    next = b.body.as_deref();
                }
                Member::Field(f) if contains(f.name.span, offset) => {
                    let kind = chain.last().and_then(|b| Kind::from_name(&b.kind.name))?;
                    let schema = kind.schema().field(&f.name.name)?;
                    return Some((field_doc(kind, schema), f.name.span));
                }
                Member::Bound(b) if contains(b.name.span, offset) => {
                    let kind = chain.last().and_then(|b| Kind::from_name(&b.kind.name))?;
                    let schema = kind.schema().field(&b.name.name)?;
                    return Some((field_doc(kind, schema), b.name.span));
                }
                _ => {}
            }
        }
        match next {
            Some(body) => members = body,
            None => break,
        }
    }
    // A number with its unit.
    use logos::Logos;
    let text = file.text(&ws.db);
    for (token, range) in fabric_syntax::lexer::Token::lexer(text).spanned() {
        if range.start as u32 > offset {
            break;
        }
        if let Ok(fabric_syntax::lexer::Token::Number(n)) = token
            && (range.end as u32) >= offset
        {
            let unit = n.unit?;
            let parsed = fabric_core::units::parse_unit(unit).ok()?;
            let si = n.value * parsed.factor;
            return Some((
                format!(
                    "{} {unit} = {} ({})",
                    fabric_core::units::format_number(n.value),
                    format_quantity(si, parsed.dim),
                    parsed.dim.name()
                ),
                Span::new(range.start as u32, range.end as u32),
            ));
        }
    }
    None
}
