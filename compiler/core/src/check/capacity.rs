//! Capacity: every rack's devices fit its units, and every campus link carries the fabric
//! cables that cross it. (Fat-tree feasibility, switch ports, spine-rack room and cable
//! reach are found while the network is generated, in `network`.)

use super::figures::Budgets;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::{Network, RackRef};
use crate::plant::{InstanceId, Plant};
use crate::resolve::DeclId;
use crate::schema::Kind;
use crate::units::{Dim, format_number, format_quantity, group_thousands};
use std::collections::{BTreeMap, HashMap};

/// Checks rack units and campus-link capacity.
pub fn check(plant: &Plant, network: &Network, budgets: &mut Budgets) {
    racks(plant, network, budgets);
    links(plant, network, budgets);
}

/// Checks that every rack's devices fit its units.
fn racks(plant: &Plant, network: &Network, budgets: &mut Budgets) {
    let program = plant.program.clone();
    let mut placed: HashMap<InstanceId, BTreeMap<DeclId, u32>> = HashMap::new();
    for sw in &network.switches {
        if let RackRef::Plant(r) = sw.rack {
            *placed.entry(r).or_default().entry(sw.ty).or_insert(0) += 1;
        }
    }
    let units_of = |decl: DeclId| program.field(decl, "units").and_then(|f| f.number());
    // Racks too full the same way give one diagnostic: its index and how many more.
    let mut seen: HashMap<(DeclId, u64), (usize, u64)> = HashMap::new();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        if plant.kind(id) != Kind::Rack {
            continue;
        }
        let capacity = plant.field(id, "units").and_then(|f| f.number()).unwrap_or(48.0);
        let mut groups: BTreeMap<DeclId, (u32, f64, bool)> = BTreeMap::new();
        for child in plant.children(id) {
            let decl = plant.get(child).decl;
            let e = groups.entry(decl).or_insert((0, units_of(decl).unwrap_or(0.0), false));
            e.0 += 1;
        }
        for (ty, count) in placed.get(&id).into_iter().flatten() {
            let e = groups.entry(*ty).or_insert((0, units_of(*ty).unwrap_or(1.0), true));
            e.0 += count;
            e.2 = true;
        }
        let used: f64 = groups.values().map(|(n, u, _)| f64::from(*n) * u).sum();
        if used <= capacity + 1e-9 {
            continue;
        }
        let decl = plant.get(id).decl;
        let key = (decl, (used * 100.0) as u64);
        if let Some((index, more)) = seen.get_mut(&key) {
            *more += 1;
            let count = *more;
            let d: &mut Diagnostic = &mut budgets.diagnostics[*index];
            d.notes.retain(|n| !n.contains(" more rack"));
            d.notes.push(if count == 1 {
                "1 more rack like it".to_string()
            } else {
                format!("{} more racks like it", group_thousands(u128::from(count)))
            });
            continue;
        }
        let path = plant.path(id);
        let terms: Vec<String> = groups
            .iter()
            .map(|(ty, (n, u, fabric))| {
                let name = program
                    .decl(*ty)
                    .base
                    .and_then(|b| program.decl(b).name.clone())
                    .or_else(|| program.decl(*ty).name.clone())
                    .unwrap_or_default();
                format!("{n} × {name}{} at {} U", if *fabric { " (fabric switch)" } else { "" }, format_number(*u))
            })
            .collect();
        let d = program.decl(decl);
        let (file, span) = program.field_origin(decl, "units").unwrap_or((d.file, d.name_span));
        seen.insert(key, (budgets.diagnostics.len(), 0));
        budgets.diagnostics.push(
            Diagnostic::error(
                codes::E0603,
                format!("rack `{path}` holds {} U of devices in {} U", format_number(used), format_number(capacity)),
                Label::new(file, span, format!("{} U", format_number(capacity))),
            )
            .with_label(Label::new(d.file, d.name_span, format!("{path} needs {} U", format_number(used))))
            .with_note(format!("rack units used: {} = {} U", terms.join(" + "), format_number(used)))
            .with_path(path)
            .with_help("use fewer devices per rack, a taller rack, or another leaf placement"),
        );
    }
}

/// Checks that every campus link that is up carries the fabric cables that cross it.
pub fn links(plant: &Plant, network: &Network, budgets: &mut Budgets) {
    let program = plant.program.clone();
    for link in network.links.iter().filter(|l| !l.failed) {
        let Some(capacity) = link.capacity_bps else { continue };
        if link.crossing_bps <= capacity * (1.0 + 1e-9) {
            continue;
        }
        let decl = plant.get(link.instance).decl;
        let d = program.decl(decl);
        let name = d.name.clone().unwrap_or_default();
        let (file, span) = program.field_origin(decl, "capacity").unwrap_or((d.file, d.name_span));
        let cables = link.cables;
        budgets.diagnostics.push(
            Diagnostic::error(
                codes::E0606,
                format!(
                    "campus link `{name}` carries {} of fabric cables; its capacity is {}",
                    format_quantity(link.crossing_bps, Dim::DATA_RATE),
                    format_quantity(capacity, Dim::DATA_RATE)
                ),
                Label::new(file, span, format!("capacity {}", format_quantity(capacity, Dim::DATA_RATE))),
            )
            .with_note(format!(
                "{} fabric cables cross it, {} in all at the fabrics' oversubscription",
                group_thousands(cables as u128),
                format_quantity(link.crossing_bps, Dim::DATA_RATE)
            ))
            .with_path(name)
            .with_help("raise the capacity, raise the fabric's oversubscription, or keep each fabric inside one building"),
        );
    }
}
