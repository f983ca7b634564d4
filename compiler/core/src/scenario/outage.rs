//! The plant and network with what a scenario fails taken out (LANGUAGE.md 8.4,
//! docs/scenarios.md):
//! - a failed instance takes everything in it down, and the generated racks and switches
//!   standing in it (a rack that loses power loses its switches);
//! - a failed campus link carries nothing: the cables over it move to the link that is up
//!   between the same buildings with the most room, or are cut;
//! - a cable is down when an end is down or it is cut; a leaf of a fabric with several
//!   leaves whose every uplink is down is cut off;
//! - a node leaves its workloads (its GPUs go out of service) when it is down itself, or
//!   when one of its NICs loses its leaf (the leaf down, cut off, or the NIC's cable down):
//!   a collective cannot run on part of a node's rails.

use super::targets::Failed;
use crate::network::route::{Down, RouteTable};
use crate::network::{End, Network, RackRef, Tier, cable_bps, end_building};
use crate::plant::{InstanceId, Plant};
use crate::schema::Kind;
use std::sync::Arc;

/// A plant and network with parts down, and routing around them.
pub struct Degraded {
    /// The plant with [`Plant::out_of_service`] set.
    pub plant: Plant,
    /// The network with failed links marked and their cables moved.
    pub network: Network,
    /// Routing over what is up.
    pub routes: RouteTable,
    /// GPUs out of service.
    pub gpus_lost: u64,
    /// Per fabric: whether a switch above its leaves, or a cable between leaves and the
    /// tiers above, is down (every path through the fabric may change).
    pub upper_touched: Vec<bool>,
    /// Per generated switch: for a leaf, whether it or one of its uplinks is down.
    pub leaf_touched: Vec<bool>,
    /// Whether a campus link failed (its cables moved or were cut).
    pub links_changed: bool,
}

/// What goes out of service when `failed` fails: per instance, and per generated switch.
pub struct Loss {
    /// Per plant instance: out of service.
    pub instances: Vec<bool>,
    /// Per generated switch: down.
    pub switches: Vec<bool>,
}

/// Which instances and switches are down because `failed` names them or stands in them
/// (before the network's knock-on effects).
fn directly_down(plant: &Plant, net: &Network, failed: &[Failed]) -> Loss {
    let mut instances = vec![false; plant.instances.len()];
    let mut switches = vec![false; net.switches.len()];
    let mut generated = vec![false; net.racks.len()];
    for f in failed {
        match *f {
            Failed::Instance(id) => {
                for i in plant.subtree(id) {
                    instances[i.0 as usize] = true;
                }
            }
            Failed::Switch(s) => switches[s.0 as usize] = true,
            Failed::GeneratedRack(g) => generated[g as usize] = true,
            Failed::Link(_) => {}
        }
    }
    for (g, rack) in net.racks.iter().enumerate() {
        if instances[rack.parent.0 as usize] || instances[rack.hall.0 as usize] {
            generated[g] = true;
        }
    }
    for (s, sw) in net.switches.iter().enumerate() {
        let rack_down = match sw.rack {
            RackRef::Plant(r) => instances[r.0 as usize],
            RackRef::Generated(g) => generated[g as usize],
        };
        switches[s] |= rack_down;
    }
    Loss { instances, switches }
}

/// Takes the campus links' traffic off cables with an end down, and moves the cables of
/// failed links to the link that is up between the same buildings with the most room
/// (their length follows the new route; past the medium's reach, or with no link left,
/// a cable is cut). Returns, per cable, whether it is down.
fn reroute_campus(plant: &Plant, net: &mut Network, failed: &[Failed], end_down: &dyn Fn(End) -> bool) -> Vec<bool> {
    let mut down: Vec<bool> = net.cables.iter().map(|c| end_down(c.a) || end_down(c.b)).collect();
    let mut any = false;
    for f in failed {
        if let Failed::Link(l) = *f {
            let link = &mut net.links[l as usize];
            link.failed = true;
            link.crossing_bps = 0.0;
            link.cables = 0;
            any = true;
        }
    }
    for (c, down) in down.iter_mut().enumerate() {
        let cable = net.cables[c];
        let Some(l) = cable.link else { continue };
        let bps = cable_bps(plant, net, cable.a).unwrap_or(0.0);
        let old = l as usize;
        if *down {
            // A cable with an end down carries nothing over its link.
            if !net.links[old].failed {
                net.links[old].crossing_bps = (net.links[old].crossing_bps - bps).max(0.0);
                net.links[old].cables = net.links[old].cables.saturating_sub(1);
            }
            net.cables[c].link = None;
            continue;
        }
        if !any || !net.links[old].failed {
            continue;
        }
        let (x, y) = (end_building(plant, net, cable.a), end_building(plant, net, cable.b));
        let moved = x.zip(y).and_then(|(x, y)| net.least_loaded_link(x, y)).and_then(|n| {
            let length = cable.length_m - net.links[old].distance_m + net.links[n].distance_m;
            let reach = net.media.get(cable.medium as usize).and_then(|m| m.reach_m);
            reach.is_none_or(|r| length <= r + 1e-9).then_some((n, length))
        });
        match moved {
            Some((n, length)) => {
                net.cables[c].link = Some(n as u32);
                net.cables[c].length_m = length;
                net.links[n].crossing_bps += bps;
                net.links[n].cables += 1;
            }
            None => {
                net.cables[c].link = None;
                *down = true;
            }
        }
    }
    down
}

/// The plant and network without what `failed` names, and what that takes with it.
pub fn degrade(plant: &Plant, net: &Network, failed: &[Failed]) -> Degraded {
    let Loss { instances: mut out, switches } = directly_down(plant, net, failed);
    let mut network = net.clone();
    let end_down = |end: End| match end {
        End::Nic { nic, .. } => out[nic.0 as usize],
        End::Switch { switch, .. } => switches[switch.0 as usize],
    };
    let mut cable_down = reroute_campus(plant, &mut network, failed, &end_down);
    // A leaf of a fabric with several leaves and no uplink that is up is cut off.
    let mut has_up = vec![false; network.switches.len()];
    for (c, cable) in network.cables.iter().enumerate() {
        if let (End::Switch { switch, .. }, false) = (cable.a, cable_down[c]) {
            has_up[switch.0 as usize] = true;
        }
    }
    let leaves: Vec<u32> = network.fabrics.iter().map(|f| f.counts[0]).collect();
    let cut_off = |s: usize| {
        let sw = network.switches[s];
        sw.tier == Tier::Leaf && leaves[sw.fabric.0 as usize] > 1 && !has_up[s]
    };
    // Nodes that lose a NIC's leaf leave their workloads.
    let mut lost_nodes: Vec<InstanceId> = Vec::new();
    for ep in &network.endpoints {
        let leaf = ep.leaf.0 as usize;
        if switches[leaf] || cut_off(leaf) || cable_down[ep.cable.0 as usize] {
            lost_nodes.extend(plant.outermost_node(ep.nic));
        }
    }
    lost_nodes.sort_unstable();
    lost_nodes.dedup();
    for node in lost_nodes {
        for i in plant.subtree(node) {
            out[i.0 as usize] = true;
        }
    }
    let mut endpoints = vec![false; network.endpoints.len()];
    for (e, ep) in network.endpoints.iter().enumerate() {
        let leaf = ep.leaf.0 as usize;
        endpoints[e] = out[ep.nic.0 as usize] || switches[leaf] || cut_off(leaf) || cable_down[ep.cable.0 as usize];
        if endpoints[e] {
            cable_down[ep.cable.0 as usize] = true;
        }
    }
    let mut upper_touched = vec![false; network.fabrics.len()];
    let mut leaf_touched: Vec<bool> = switches.clone();
    for (c, cable) in network.cables.iter().enumerate() {
        if cable_down[c] && cable.tier > Tier::Leaf {
            upper_touched[cable.fabric.0 as usize] = true;
            if let End::Switch { switch, .. } = cable.a {
                leaf_touched[switch.0 as usize] = true;
            }
        }
    }
    for (s, sw) in network.switches.iter().enumerate() {
        upper_touched[sw.fabric.0 as usize] |= switches[s] && sw.tier > Tier::Leaf;
    }
    thin_uplinks(&mut network, &cable_down, &endpoints);
    let links_changed = network.links.iter().any(|l| l.failed);
    let gpus_lost = out.iter().enumerate().filter(|&(i, &o)| o && plant.kind(InstanceId(i as u32)) == Kind::Gpu).count() as u64;
    let plant = Plant { out_of_service: Some(Arc::new(out)), ..plant.clone() };
    let routes = RouteTable::with_down(&plant, &network, Some(&Down { cables: cable_down, endpoints }));
    Degraded { plant, network, routes, gpus_lost, upper_touched, leaf_touched, links_changed }
}

/// Lowers each fabric's leaf uplinks (`down_up.1`) to what its thinnest leaf with NICs in
/// service keeps: a lost spine takes its share of every leaf's uplinks, and the models
/// charge traffic between leaves at the uplink-to-downlink ratio.
fn thin_uplinks(net: &mut Network, cable_down: &[bool], endpoint_down: &[bool]) {
    let mut uplinks = vec![(0u32, 0u32); net.switches.len()];
    for (c, cable) in net.cables.iter().enumerate() {
        if let (End::Switch { switch, .. }, Tier::Spine) = (cable.a, cable.tier) {
            uplinks[switch.0 as usize].0 += 1;
            uplinks[switch.0 as usize].1 += u32::from(!cable_down[c]);
        }
    }
    let mut serving = vec![false; net.switches.len()];
    for (e, ep) in net.endpoints.iter().enumerate() {
        serving[ep.leaf.0 as usize] |= !endpoint_down[e];
    }
    for fabric in &mut net.fabrics {
        let mut share: f64 = 1.0;
        for s in fabric.switches.clone() {
            let (total, up) = uplinks[s as usize];
            if serving[s as usize] && total > 0 {
                share = share.min(f64::from(up) / f64::from(total));
            }
        }
        fabric.down_up.1 = (f64::from(fabric.down_up.1) * share).floor() as u32;
    }
}
