//! Where generated switches go and how long their cables run: rack locations in their
//! hall, end-of-row racks for leaves, spine racks (named or generated), and run lengths
//! within a hall, between halls and across campus links.

use super::generator::Generator;
use super::model::*;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::plant::InstanceId;
use crate::resolve::DeclId;
use crate::schema::Kind;
use std::collections::HashMap;

/// How a cable between buildings crosses: over campus link `Ok(index)`, or `Err` with the
/// two buildings no link joins.
pub(super) type Crossing = Result<u32, (InstanceId, InstanceId)>;

/// Where a rack stands, with the geometry of its hall.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) struct RackLoc {
    building: Option<InstanceId>,
    hall: InstanceId,
    row: u32,
    position: u32,
    rack_width: f64,
    row_pitch: f64,
    slack: f64,
}

impl Generator<'_> {
    pub(super) fn rack_loc(&mut self, rack: RackRef) -> Option<RackLoc> {
        let (hall, row, position) = match rack {
            RackRef::Plant(id) => {
                let p = self.plant.rack_position(id)?;
                (p.hall, p.row_index, p.position)
            }
            RackRef::Generated(i) => {
                let r = self.net.racks.get(i as usize)?;
                (r.hall, r.row_index, r.position)
            }
        };
        let plant = self.plant;
        let (building, rack_width, row_pitch, slack) = *self.halls.entry(hall).or_insert_with(|| {
            (
                plant.ancestor(hall, Kind::Building),
                plant.inherited_number(hall, "rack_width").unwrap_or(0.6),
                plant.inherited_number(hall, "row_pitch").unwrap_or(3.0),
                plant.inherited_number(hall, "cable_slack").unwrap_or(2.0),
            )
        });
        Some(RackLoc { building, hall, row, position, rack_width, row_pitch, slack })
    }

    pub(super) fn end_rack(&self, end: End) -> Option<RackRef> {
        match end {
            End::Nic { nic, .. } => self.plant.ancestor(nic, Kind::Rack).map(RackRef::Plant),
            End::Switch { switch, .. } => Some(self.net.switches[switch].rack),
        }
    }

    /// The run between two racks in metres before stocking, and the campus link it crosses.
    pub(super) fn run_length(&self, a: RackLoc, b: RackLoc) -> (f64, Option<Crossing>) {
        let slack = a.slack + b.slack;
        if a.hall == b.hall {
            let dx = (f64::from(a.position) - f64::from(b.position)).abs() * a.rack_width;
            let dy = (f64::from(a.row) - f64::from(b.row)).abs() * a.row_pitch;
            return (dx + dy + slack, None);
        }
        // Between halls: each rack to its hall's entrance (row 1, rack 1), plus the campus
        // link where the halls are in different buildings.
        let to_entrance = |l: RackLoc| f64::from(l.position) * l.rack_width + f64::from(l.row) * l.row_pitch;
        let inside = to_entrance(a) + to_entrance(b) + slack;
        match (a.building, b.building) {
            (Some(x), Some(y)) if x != y => match self.net.least_loaded_link(x, y) {
                Some(i) => (inside + self.net.links[i].distance_m, Some(Ok(i as u32))),
                None => (inside, Some(Err((x, y)))),
            },
            _ => (inside, None),
        }
    }

    pub(super) fn eor_rack(
        &mut self,
        row: InstanceId,
        eor: &mut HashMap<InstanceId, u32>,
        units: f64,
        fabric: FabricId,
        decl: DeclId,
    ) -> u32 {
        if let Some(&r) = eor.get(&row) {
            let rack = &mut self.net.racks[r as usize];
            if rack.used_units + units <= rack.units + 1e-9 {
                rack.used_units += units;
                return r;
            }
        }
        let plant = self.plant;
        let hall = plant.get(row).parent.unwrap_or(row);
        let existing = self.net.racks.iter().filter(|r| r.parent == row).count() as u32;
        let racks_in_row = plant.children(row).count() as u32;
        let limit = plant.program.field(decl, "eor_power_limit").and_then(|f| f.number()).unwrap_or(60_000.0);
        let index = self.net.racks.len() as u32;
        self.net.racks.push(GeneratedRack {
            name: format!("eor[{}]", existing + 1),
            parent: row,
            hall,
            row_index: plant.get(row).ordinal,
            position: racks_in_row + existing,
            units: 48.0,
            used_units: units,
            power_limit_w: limit,
            fabric,
        });
        eor.insert(row, index);
        index
    }
}

/// Where the spine and core switches of one fabric go: the `spine_racks` in order, or
/// generated spine racks after the last row of the first leaf's hall.
pub(super) struct SpineSlots {
    racks: Vec<(InstanceId, f64)>,
    room: f64,
    next: usize,
    needed_units: f64,
    overflow: bool,
    spine_path_span: Option<Label>,
    generated: Option<(InstanceId, u32)>,
    fabric: FabricId,
}

impl SpineSlots {
    pub(super) fn new(g: &mut Generator<'_>, decl: DeclId, fabric: FabricId, leaves: &[SwitchId]) -> SpineSlots {
        let plant = g.plant;
        let mut racks = Vec::new();
        let mut span = None;
        for path in plant.field_paths(decl, "spine_racks") {
            span.get_or_insert(Label::new(path.file, path.span, ""));
            for r in plant.select(&path).unwrap_or_default() {
                for rack in plant.subtree(r).filter(|&i| plant.kind(i) == Kind::Rack) {
                    let units = plant.field(rack, "units").and_then(|f| f.number()).unwrap_or(48.0);
                    let used: f64 =
                        plant.children(rack).map(|c| plant.field(c, "units").and_then(|f| f.number()).unwrap_or(1.0)).sum::<f64>()
                            + g.rack_units_used.get(&rack).copied().unwrap_or(0.0);
                    racks.push((rack, (units - used).max(0.0)));
                }
            }
        }
        // Without `spine_racks` (or when it names no rack) spines go into generated racks.
        let generated =
            leaves.first().and_then(|&l| g.rack_loc(g.net.switches[l].rack)).map(|loc| (loc.hall, plant.children(loc.hall).count() as u32));
        let room = racks.iter().map(|(_, free)| free).sum();
        SpineSlots { racks, room, next: 0, needed_units: 0.0, overflow: false, spine_path_span: span, generated, fabric }
    }

    pub(super) fn place(&mut self, g: &mut Generator<'_>, ty: DeclId) -> RackRef {
        let units = g.plant.program.field(ty, "units").and_then(|f| f.number()).unwrap_or(1.0);
        self.needed_units += units;
        if self.spine_path_span.is_some() && self.racks.is_empty() {
            self.overflow = true;
        }
        if let Some((hall, row_index)) = self.generated.filter(|_| self.spine_path_span.is_none() || self.racks.is_empty()) {
            if let Some(last) = g.net.racks.iter().rposition(|r| r.parent == hall && r.fabric == self.fabric)
                && g.net.racks[last].used_units + units <= g.net.racks[last].units + 1e-9
            {
                g.net.racks[last].used_units += units;
                return RackRef::Generated(last as u32);
            }
            let existing = g.net.racks.iter().filter(|r| r.parent == hall).count() as u32;
            g.net.racks.push(GeneratedRack {
                name: format!("spine[{}]", existing + 1),
                parent: hall,
                hall,
                row_index,
                position: existing,
                units: 48.0,
                used_units: units,
                power_limit_w: 60_000.0,
                fabric: self.fabric,
            });
            return RackRef::Generated(g.net.racks.len() as u32 - 1);
        }
        while self.next < self.racks.len() {
            let (rack, free) = &mut self.racks[self.next];
            if *free + 1e-9 >= units {
                *free -= units;
                *g.rack_units_used.entry(*rack).or_insert(0.0) += units;
                return RackRef::Plant(*rack);
            }
            self.next += 1;
        }
        self.overflow = true;
        match self.racks.last() {
            Some((rack, _)) => RackRef::Plant(*rack),
            None => RackRef::Generated(0),
        }
    }

    pub(super) fn report(&self, g: &mut Generator<'_>, name: &str) {
        if !self.overflow {
            return;
        }
        let room: f64 = self.room;
        let label = self.spine_path_span.clone().unwrap_or_else(|| {
            let d = g.plant.program.decl(g.plant.get(g.net.fabrics.last().map_or(InstanceId(0), |f| f.instance)).decl);
            Label::new(d.file, d.name_span, "")
        });
        g.net.diagnostics.push(
            Diagnostic::error(
                codes::E0605,
                format!(
                    "the spine and core switches of fabric `{name}` need {} U; the {} spine rack{} given {} {} U free",
                    crate::units::format_number(self.needed_units),
                    self.racks.len(),
                    if self.racks.len() == 1 { "" } else { "s" },
                    if self.racks.len() == 1 { "has" } else { "have" },
                    crate::units::format_number(room)
                ),
                Label { message: "these racks are full".into(), ..label },
            )
            .with_note("switches fill the spine racks in order; a switch type without `units` counts as 1 U")
            .with_path(name.to_string())
            .with_help("name more racks in `spine_racks`, or leave it out to have spine racks generated"),
        );
    }
}
