//! Campus links: the links between buildings that fabrics' cables cross.

use super::generator::Generator;
use super::model::*;
use crate::plant::{InstanceId, Plant};
use crate::resolve::PlantPath;
use crate::schema::Kind;

impl Generator<'_> {
    pub(super) fn buildings(&self, path: &PlantPath) -> Vec<InstanceId> {
        let mut out = Vec::new();
        for id in self.plant.select(path).unwrap_or_default() {
            match self.plant.kind(id) {
                Kind::Site => out.extend(self.plant.children(id)),
                _ => out.extend(self.plant.ancestor(id, Kind::Building)),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    pub(super) fn link(&mut self, id: InstanceId) {
        let decl = self.plant.get(id).decl;
        let ends = |field: &str| {
            let mut b: Vec<InstanceId> = self.plant.field_paths(decl, field).iter().flat_map(|p| self.buildings(p)).collect();
            b.sort();
            b.dedup();
            b
        };
        let (from, to) = (ends("from"), ends("to"));
        let medium = self.plant.program.field(decl, "medium").and_then(|f| f.type_id()).map(|m| self.medium(m));
        let num = |name: &str| self.plant.program.field(decl, name).and_then(|f| f.number());
        let link = CampusLink {
            instance: id,
            from,
            to,
            distance_m: num("distance").unwrap_or(0.0),
            medium,
            capacity_bps: num("capacity"),
            crossing_bps: 0.0,
            cables: 0,
            failed: false,
        };
        self.net.links.push(link);
    }
}

/// The line rate a fabric cable carries, from its lower end: the NIC's `speed` or the
/// switch type's `port_speed`; `None` without the figure.
pub fn cable_bps(plant: &Plant, net: &Network, lower: End) -> Option<f64> {
    match lower {
        End::Nic { nic, .. } => plant.field(nic, "speed").and_then(|f| f.number()),
        End::Switch { switch, .. } => plant.program.field(net.switches[switch].ty, "port_speed").and_then(|f| f.number()),
    }
}

/// The building a cable end stands in.
pub fn end_building(plant: &Plant, net: &Network, end: End) -> Option<InstanceId> {
    let hall = match end {
        End::Nic { nic, .. } => return plant.ancestor(nic, Kind::Building),
        End::Switch { switch, .. } => match net.switches[switch].rack {
            RackRef::Plant(r) => r,
            RackRef::Generated(g) => net.racks.get(g as usize)?.hall,
        },
    };
    plant.ancestor(hall, Kind::Building)
}
