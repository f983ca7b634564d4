//! Canonical names of what the generator made: cable labels, cable ends, generated
//! switches and racks, and the building that holds a fabric's top tier.

use super::model::*;
use crate::plant::{InstanceId, Plant};
use crate::schema::Kind;
use std::collections::BTreeMap;

/// The building that holds a fabric's top tier: where a path between separate fabrics
/// leaves it for a campus link.
pub fn fabric_building(plant: &Plant, net: &Network, fabric: FabricId) -> Option<InstanceId> {
    let top = net.fabrics.get(fabric.0 as usize)?.switches.clone().next_back()?;
    let hall = match net.switches[top as usize].rack {
        RackRef::Plant(r) => plant.ancestor(r, Kind::Hall)?,
        RackRef::Generated(g) => net.racks.get(g as usize)?.hall,
    };
    plant.ancestor(hall, Kind::Building)
}

/// Every cable's label, `<fabric>-t<tier>-<nnnnnn>` numbered per fabric and tier in cable
/// order (the cabling plan prints them; simulator files refer to them).
pub fn cable_labels(net: &Network) -> Vec<String> {
    let mut counters: BTreeMap<(FabricId, Tier), u32> = BTreeMap::new();
    net.cables
        .iter()
        .map(|c| {
            let n = counters.entry((c.fabric, c.tier)).or_insert(0);
            *n += 1;
            let fabric = net.fabrics.get(c.fabric.0 as usize).map_or("", |f| f.name.as_str());
            format!("{fabric}-t{}-{:06}", c.tier.index(), n)
        })
        .collect()
}

/// The readable name of a cable end (`campus.b1.h1.r[1].k[1].tray[1].nic[1] port 1`).
pub fn end_name(plant: &Plant, net: &Network, end: End) -> String {
    match end {
        End::Nic { nic, port } => format!("{} port {port}", plant.path(nic)),
        End::Switch { switch, port } => format!("{} port {port}", switch_name(plant, net, switch)),
    }
}

/// The canonical name of a generated switch: its rack's path, then `<fabric>.<tier>[n]`.
pub fn switch_name(plant: &Plant, net: &Network, switch: SwitchId) -> String {
    let s = net.switches[switch];
    let fabric = &net.fabrics.get(s.fabric.0 as usize).map_or(String::new(), |f| f.name.clone());
    let tier = s.tier.name();
    format!("{}.{fabric}_{tier}[{}]", rack_name(plant, net, s.rack), s.number)
}

/// The canonical path of a rack, generated or not.
pub fn rack_name(plant: &Plant, net: &Network, rack: RackRef) -> String {
    match rack {
        RackRef::Plant(id) => plant.path(id),
        RackRef::Generated(i) => match net.racks.get(i as usize) {
            Some(r) => format!("{}.{}", plant.path(r.parent), r.name),
            None => "(no rack)".to_string(),
        },
    }
}
