//! Power and energy: every instance's IT power (its own `power`, its children's, the
//! transceivers on its ports and the fabric switches placed in it), checked against every
//! `power_limit`, and IT power × `pue` against every `facility_limit`.

pub use super::figures::{FabricOptics, PowerBudget};

use super::figures::Budgets;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::{End, Network, RackRef, rack_name};
use crate::plant::{InstanceId, Plant};
use crate::resolve::DeclId;
use crate::schema::Kind;
use crate::units::{Dim, format_quantity, group_thousands};
use std::collections::{BTreeMap, HashMap};

/// Headroom under which a power limit gets a warning (W0401).
pub const HEADROOM_WARNING: f64 = 0.05;

/// Seconds in a (365-day) year, for annual energy.
pub const SECONDS_PER_YEAR: f64 = 365.0 * 24.0 * 3600.0;

/// The fix that raises a power limit to the IT power plus 5 % headroom (the W0401 line),
/// rounded up to a whole kilowatt.
fn raise_limit(file: crate::source::SourceFile, span: fabric_syntax::Span, it_w: f64) -> crate::diagnostic::Suggestion {
    let kw = (it_w * 1.05 / 1e3).ceil();
    crate::diagnostic::Suggestion {
        title: format!("Raise the limit to {} kW (IT power + 5 % headroom)", crate::units::format_number(kw)),
        file,
        span,
        replacement: format!("{} kW", crate::units::format_number(kw)),
    }
}

/// Computes every instance's IT power.
pub fn compute(plant: &Plant, network: &Network) -> PowerBudget {
    let program = &plant.program;
    let n = plant.instances.len();
    let mut own_cache: HashMap<DeclId, f64> = HashMap::new();
    let mut own: Vec<f64> = plant
        .instances
        .iter()
        .map(|inst| {
            *own_cache.entry(inst.decl).or_insert_with(|| program.field(inst.decl, "power").and_then(|f| f.number()).unwrap_or(0.0))
        })
        .collect();
    let mut optics = vec![0.0; n];
    let mut switch_w: Vec<f64> = network
        .switches
        .iter()
        .map(|s| *own_cache.entry(s.ty).or_insert_with(|| program.field(s.ty, "power").and_then(|f| f.number()).unwrap_or(0.0)))
        .collect();
    let mut switch_optics = vec![0.0; network.switches.len()];
    let mut fabrics = vec![FabricOptics::default(); network.fabrics.len()];
    for (i, f) in network.fabrics.iter().enumerate() {
        for s in f.switches.clone() {
            let ty = network.switches[s as usize].ty;
            if program.field(ty, "power").and_then(|f| f.number()).is_none() {
                fabrics[i].switches_without_power += 1;
            }
        }
    }
    for cable in &network.cables {
        let medium = network.media[cable.medium as usize];
        let optic = medium.optic.map(|o| network.optics[o as usize]);
        let optic_power = optic.and_then(|o| o.power_w);
        let stats = &mut fabrics[cable.fabric.0 as usize];
        for (end, has_optic, pluggable) in [(cable.a, cable.optic_a, cable.pluggable_a), (cable.b, cable.optic_b, cable.pluggable_b)] {
            let mut watts = medium.end_power_w.unwrap_or(0.0);
            if has_optic {
                stats.transceivers += 1;
                match optic_power {
                    Some(p) => watts += p,
                    None => stats.transceivers_without_power += 1,
                }
            }
            if pluggable {
                stats.pluggable_transceivers += 1;
                stats.pluggable_optics_power_w += optic_power.unwrap_or(0.0);
            }
            stats.pluggable_optics_power_w += medium.end_power_w.unwrap_or(0.0);
            stats.optics_power_w += watts;
            match end {
                End::Nic { nic, .. } => {
                    own[nic.0 as usize] += watts;
                    optics[nic.0 as usize] += watts;
                }
                End::Switch { switch, .. } => {
                    switch_w[switch.0 as usize] += watts;
                    switch_optics[switch.0 as usize] += watts;
                }
            }
        }
    }
    let mut generated = vec![0.0; network.racks.len()];
    for (s, sw) in network.switches.iter().enumerate() {
        fabrics[sw.fabric.0 as usize].switch_power_w += switch_w[s] - switch_optics[s];
        match sw.rack {
            RackRef::Plant(r) => {
                own[r.0 as usize] += switch_w[s];
                optics[r.0 as usize] += switch_optics[s];
            }
            RackRef::Generated(g) => {
                if let Some(w) = generated.get_mut(g as usize) {
                    *w += switch_w[s];
                }
            }
        }
    }
    for (g, rack) in network.racks.iter().enumerate() {
        own[rack.parent.0 as usize] += generated[g];
    }
    let mut total = own;
    for i in (0..n).rev() {
        if let Some(p) = plant.instances[i].parent {
            total[p.0 as usize] += total[i];
            optics[p.0 as usize] += optics[i];
        }
    }
    let mut budget = PowerBudget {
        it_power_w: total,
        optics_w: optics,
        generated_rack_w: generated,
        switch_w,
        fabrics,
        site_it_w: 0.0,
        facility_power_w: 0.0,
        annual_energy_j: None,
    };
    for site in plant.roots().filter(|&r| plant.kind(r) == Kind::Site).collect::<Vec<_>>() {
        let it = budget.it_power_w[site.0 as usize];
        budget.site_it_w += it;
        budget.facility_power_w += it * plant.inherited_number(site, "pue").unwrap_or(1.0);
        if let Some(e) = annual_energy_j(plant, &budget, site) {
            budget.annual_energy_j = Some(budget.annual_energy_j.unwrap_or(0.0) + e);
        }
    }
    budget
}

/// One group of contributors to an instance's power: `count` children of one type.
struct Contributor {
    decl: Option<DeclId>,
    label: String,
    count: u64,
    each_w: f64,
    total_w: f64,
}

fn contributors(plant: &Plant, network: &Network, budget: &PowerBudget, id: InstanceId) -> Vec<Contributor> {
    let program = &plant.program;
    let mut groups: BTreeMap<DeclId, Contributor> = BTreeMap::new();
    for child in plant.children(id) {
        let decl = plant.get(child).decl;
        let w = budget.it_power_w[child.0 as usize];
        let name = program.decl(decl).base.and_then(|b| program.decl(b).name.clone()).or_else(|| program.decl(decl).name.clone());
        let entry = groups.entry(decl).or_insert(Contributor {
            decl: Some(decl),
            label: name.unwrap_or_else(|| program.decl(decl).kind.name().to_string()),
            count: 0,
            each_w: w,
            total_w: 0.0,
        });
        entry.count += 1;
        entry.total_w += w;
        entry.each_w = entry.each_w.max(w);
    }
    let mut out: Vec<Contributor> = groups.into_values().collect();
    let own = program.field(plant.get(id).decl, "power").and_then(|f| f.number()).unwrap_or(0.0);
    if own > 0.0 {
        out.push(Contributor { decl: None, label: "its own power".into(), count: 1, each_w: own, total_w: own });
    }
    let mut switches: BTreeMap<DeclId, (u64, f64)> = BTreeMap::new();
    for (s, sw) in network.switches.iter().enumerate() {
        if sw.rack == RackRef::Plant(id) {
            let e = switches.entry(sw.ty).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += budget.switch_w[s];
        }
    }
    for (g, rack) in network.racks.iter().enumerate() {
        if rack.parent == id {
            out.push(Contributor {
                decl: None,
                label: format!("generated rack {}", rack_name(plant, network, RackRef::Generated(g as u32))),
                count: 1,
                each_w: budget.generated_rack_w[g],
                total_w: budget.generated_rack_w[g],
            });
        }
    }
    for (ty, (count, w)) in switches {
        out.push(Contributor {
            decl: Some(ty),
            label: format!("{} (fabric switch)", program.decl(ty).name.clone().unwrap_or_default()),
            count,
            each_w: w / count as f64,
            total_w: w,
        });
    }
    let nic_optics: f64 = if plant.kind(id) == Kind::Nic { budget.optics_w[id.0 as usize] } else { 0.0 };
    if nic_optics > 0.0 {
        out.push(Contributor { decl: None, label: "transceivers on its ports".into(), count: 1, each_w: nic_optics, total_w: nic_optics });
    }
    out.sort_by(|a, b| b.total_w.total_cmp(&a.total_w).then(a.label.cmp(&b.label)));
    out
}

/// Devices under `id` with no power figure, by type: `36 × Grace`.
fn without_figure(plant: &Plant, id: InstanceId) -> Vec<String> {
    let program = &plant.program;
    let mut missing: BTreeMap<String, u64> = BTreeMap::new();
    let mut cache: HashMap<DeclId, bool> = HashMap::new();
    for i in plant.subtree(id) {
        let inst = plant.get(i);
        let kind = plant.kind(i);
        if !matches!(kind, Kind::Gpu | Kind::Cpu | Kind::Nic | Kind::Switch) {
            continue;
        }
        let lacks = *cache.entry(inst.decl).or_insert_with(|| program.field(inst.decl, "power").and_then(|f| f.number()).is_none());
        // A part without a figure inside a node that has one is in the node's own figure
        // (the stdlib derives it from the published tray or system total).
        let covered = inst
            .parent
            .is_some_and(|p| plant.kind(p) == Kind::Node && program.field(plant.get(p).decl, "power").and_then(|f| f.number()).is_some());
        if lacks && !covered {
            let d = program.decl(inst.decl);
            let name = d.base.and_then(|b| program.decl(b).name.clone()).or_else(|| d.name.clone()).unwrap_or_default();
            *missing.entry(name).or_insert(0) += 1;
        }
    }
    missing.into_iter().map(|(n, c)| format!("{} × {n}", group_thousands(u128::from(c)))).collect()
}

fn watts(w: f64) -> String {
    format_quantity(w, Dim::POWER)
}

/// Checks every power limit and facility limit.
pub fn check(plant: &Plant, network: &Network, budgets: &mut Budgets) {
    let program = plant.program.clone();
    // Group instances that break the same limit the same way, so 128 identical racks give
    // one diagnostic, not 128.
    let mut seen: HashMap<(DeclId, u64, bool), (usize, u64)> = HashMap::new();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        let decl = plant.get(id).decl;
        let Some(limit) = plant.field(id, "power_limit").and_then(|f| f.number()) else { continue };
        let kind = plant.kind(id);
        if !matches!(kind, Kind::Site | Kind::Building | Kind::Hall | Kind::Row | Kind::Rack) {
            continue;
        }
        let it = budgets.power.it_power_w[i];
        let over = it > limit * (1.0 + 1e-9);
        let tight = !over && it > limit * (1.0 - HEADROOM_WARNING);
        if !over && !tight {
            continue;
        }
        let key = (decl, (it * 1000.0).round() as u64, over);
        if let Some((index, count)) = seen.get_mut(&key) {
            *count += 1;
            let more = *count;
            let d = &mut budgets.diagnostics[*index];
            let note = if more == 1 {
                format!("1 more {} like it draws the same", kind.name())
            } else {
                format!("{} more {}s like it draw the same", group_thousands(u128::from(more)), kind.name())
            };
            match d.notes.iter().position(|n| n.ends_with("the same")) {
                Some(p) => d.notes[p] = note,
                None => d.notes.push(note),
            }
            continue;
        }
        let path = plant.path(id);
        let (limit_file, limit_span) =
            program.field_origin(decl, "power_limit").unwrap_or((program.decl(decl).file, program.decl(decl).name_span));
        let parts = contributors(plant, network, &budgets.power, id);
        let terms: Vec<String> = parts
            .iter()
            .map(|c| {
                if c.count == 1 {
                    format!("{} {}", watts(c.total_w), c.label)
                } else {
                    format!("{} × {} at {} = {}", group_thousands(u128::from(c.count)), c.label, watts(c.each_w), watts(c.total_w))
                }
            })
            .collect();
        let sum_note = format!(
            "IT power of {path}: {} = {}, limit {}",
            if terms.is_empty() { "nothing".to_string() } else { terms.join(" + ") },
            watts(it),
            watts(limit)
        );
        let mut d = if over {
            Diagnostic::error(
                codes::E0401,
                format!("{} `{path}` draws {}, over its {} power limit by {}", kind.name(), watts(it), watts(limit), watts(it - limit)),
                Label::new(limit_file, limit_span, format!("limit {}", watts(limit))),
            )
            .with_help("move load to another rack, use a lower-power part, or raise the limit where the facility allows")
            .with_suggestion(raise_limit(limit_file, limit_span, it))
        } else {
            Diagnostic::warning(
                codes::W0401,
                format!(
                    "{} `{path}` draws {} of its {} limit: {:.1} % headroom",
                    kind.name(),
                    watts(it),
                    watts(limit),
                    (limit - it) / limit * 100.0
                ),
                Label::new(limit_file, limit_span, format!("limit {}", watts(limit))),
            )
            .with_help("leave at least 5 % headroom for firmware, cooling and load changes, or raise the limit knowingly")
        };
        let inst_decl = program.decl(decl);
        if (inst_decl.file, inst_decl.name_span) != (limit_file, limit_span) {
            d = d.with_label(Label::new(inst_decl.file, inst_decl.name_span, format!("{path} draws {}", watts(it))));
        }
        for c in parts.iter().take(3) {
            if let Some(cd) = c.decl {
                let cdecl = program.decl(cd);
                if cdecl.parent.is_some() || plant.get(id).decl == cd {
                    d = d.with_label(Label::new(cdecl.file, cdecl.name_span, format!("{} × {}", c.count, watts(c.each_w))));
                }
            }
        }
        d = d.with_note(sum_note).with_path(path);
        let missing = without_figure(plant, id);
        if !missing.is_empty() {
            d = d.with_note(format!("no power figure, not counted: {}", missing.join(", ")));
        }
        seen.insert(key, (budgets.diagnostics.len(), 0));
        budgets.diagnostics.push(d);
    }
    // Generated racks against their limit.
    for (g, rack) in network.racks.iter().enumerate() {
        let it = budgets.power.generated_rack_w[g];
        if it > rack.power_limit_w * (1.0 + 1e-9) {
            let fabric = &network.fabrics[rack.fabric];
            let fdecl_id = plant.get(fabric.instance).decl;
            let fdecl = program.decl(fdecl_id);
            let (file, span) = program.field_origin(fdecl_id, "eor_power_limit").unwrap_or((fdecl.file, fdecl.name_span));
            let path = rack_name(plant, network, RackRef::Generated(g as u32));
            budgets.diagnostics.push(
                Diagnostic::error(
                    codes::E0401,
                    format!("generated rack `{path}` draws {}, over its {} power limit", watts(it), watts(rack.power_limit_w)),
                    Label::new(file, span, format!("end-of-row racks of fabric `{}` get {}", fabric.name, watts(rack.power_limit_w))),
                )
                .with_note(format!("its switches: {} U of {} U, {}", crate::units::format_number(rack.used_units), rack.units, watts(it)))
                .with_path(path)
                .with_help("raise `eor_power_limit` on the fabric, or use switches that draw less"),
            );
        }
    }
    // Facility limits.
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        let Some(limit) = plant.field(id, "facility_limit").and_then(|f| f.number()) else { continue };
        let decl = plant.get(id).decl;
        let (file, span) = program.field_origin(decl, "facility_limit").unwrap_or((program.decl(decl).file, program.decl(decl).name_span));
        let path = plant.path(id);
        let it = budgets.power.it_power_w[i];
        let Some(pue) = plant.inherited_number(id, "pue") else {
            budgets.diagnostics.push(
                Diagnostic::error(
                    codes::E0403,
                    format!("`{path}` has a facility limit but no PUE"),
                    Label::new(file, span, "IT power × PUE is checked against this"),
                )
                .with_path(path)
                .with_help("set `pue` on it or an enclosing instance, for example `pue = 1.2`"),
            );
            continue;
        };
        let facility = it * pue;
        if facility > limit * (1.0 + 1e-9) {
            budgets.diagnostics.push(
                Diagnostic::error(
                    codes::E0402,
                    format!("`{path}` needs {} of facility power, over its {} facility limit", watts(facility), watts(limit)),
                    Label::new(file, span, format!("limit {}", watts(limit))),
                )
                .with_note(format!(
                    "facility power = IT power × PUE = {} × {} = {}",
                    watts(it),
                    crate::units::format_number(pue),
                    watts(facility)
                ))
                .with_path(path)
                .with_help("lower the IT load, improve the PUE, or raise the limit"),
            );
        }
    }
}

/// Annual energy of an instance in joules at its declared `utilization`, with its PUE.
pub fn annual_energy_j(plant: &Plant, budget: &PowerBudget, id: InstanceId) -> Option<f64> {
    let utilization = plant.inherited_number(id, "utilization")?;
    let pue = plant.inherited_number(id, "pue").unwrap_or(1.0);
    Some(budget.it_power_w[id.0 as usize] * pue * utilization * SECONDS_PER_YEAR)
}
