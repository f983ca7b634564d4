//! `textDocument/inlayHint`: computed figures beside the spec: power, latency.

use super::common::*;
use crate::workspace::Workspace;
use fabric_core::plant::InstanceId;
use fabric_core::resolve::{DeclId, Value};
use fabric_core::schema::Kind;
use fabric_core::units::{Dim, format_quantity};
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

/// Inlay hints: the IT power and headroom of every site, building, hall, row and rack
/// instance at its closing brace, and each campus link's one-way latency.
pub fn inlay_hints(ws: &mut Workspace, key: &str) -> Vec<InlayHint> {
    let Some((project, file)) = open(ws, key) else { return Vec::new() };
    let program = fabric_core::resolve::program(&ws.db, project);
    let plant = fabric_core::plant::plant(&ws.db, project);
    let budgets = fabric_core::pipeline::budgets(&ws.db, project);
    let text = file.text(&ws.db);
    let index = ws.index_of(file);
    let mut by_decl: HashMap<DeclId, Vec<InstanceId>> = HashMap::new();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        if matches!(plant.kind(id), Kind::Site | Kind::Building | Kind::Hall | Kind::Row | Kind::Rack) {
            by_decl.entry(plant.get(id).decl).or_default().push(id);
        }
    }
    let mut hints = Vec::new();
    let w = |x: f64| format_quantity(x, Dim::POWER);
    for (decl, instances) in &by_decl {
        let d = program.decl(*decl);
        if d.file != file || budgets.power.it_power_w.is_empty() {
            continue;
        }
        // The most loaded instance of an array speaks for it.
        let worst = instances.iter().copied().max_by(|a, b| {
            let head = |i: InstanceId| {
                let it = budgets.power.it_power_w.get(i.0 as usize).copied().unwrap_or(0.0);
                plant.field(i, "power_limit").and_then(|f| f.number()).map_or(-it, |l| it - l)
            };
            head(*a).total_cmp(&head(*b))
        });
        let Some(worst) = worst else { continue };
        let it = budgets.power.it_power_w.get(worst.0 as usize).copied().unwrap_or(0.0);
        let label = match plant.field(worst, "power_limit").and_then(|f| f.number()) {
            Some(l) => format!("IT {} of {} ({} headroom)", w(it), w(l), w(l - it)),
            None => format!("IT {}", w(it)),
        };
        let label = if instances.len() > 1 { format!("{label}, worst of {}", instances.len()) } else { label };
        hints.push(hint(index.position(text, d.span.end), label));
    }
    for link in &budgets.latencies {
        let Some(d) = program.roots.iter().map(|&r| program.decl(r)).find(|d| {
            d.kind == Kind::Link
                && d.file == file
                && d.fields.iter().any(|f| f.name == "from" && matches!(&f.value, Value::Path(p) if p.to_string() == link.from))
                && d.fields.iter().any(|f| f.name == "to" && matches!(&f.value, Value::Path(p) if p.to_string() == link.to))
        }) else {
            continue;
        };
        hints.push(hint(index.position(text, d.span.end), format!("one-way {}", format_quantity(link.worst_one_way_s, Dim::TIME))));
    }
    hints.sort_by_key(|h| (h.position.line, h.position.character));
    hints
}

fn hint(position: Position, label: String) -> InlayHint {
    InlayHint {
        position,
        label: InlayHintLabel::String(format!(" {label}")),
        kind: None,
        text_edits: None,
        tooltip: None,
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}
