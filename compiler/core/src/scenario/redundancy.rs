//! Redundancy requirements (`fail_any`): the worst single failure of a class, found by
//! symmetry rather than by re-running every check per instance.
//!
//! Each candidate failure gets a signature of what it takes with it, computed from the
//! network's structure alone: its kind (and a switch's fabric, tier and cabled ports), the
//! generated switches it takes down per fabric and tier, the GPUs out of service in all
//! and per workload (with the NVLink domains they touch), the GPUs and NICs it takes from
//! every path the spec writes (asserts, placements, fabrics' endpoints), and for a campus
//! link its buildings, capacity, length, medium and load. Failures with one signature fail identically (the leaves
//! of a row, the spines of a fabric, the racks of a uniform row), so each class is
//! evaluated once, on its first member; the worst class (most errors, then warnings,
//! then GPUs lost) is reported with that member's path.

use super::outcome::{AnyOf, Outcome, evaluate};
use super::targets::Failed;
use crate::check::Budgets;
use crate::diagnostic::Severity;
use crate::network::{End, FabricId, Network, RackRef, SwitchId, Tier};
use crate::plant::{InstanceId, Plant};
use crate::schema::Kind;
use std::collections::{BTreeMap, HashMap};

/// What a failure takes with it, as far as the checks can tell apart.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Signature {
    /// The instance's kind, `switch`, `generated rack` or `link`.
    what: String,
    /// For a switch: its fabric, tier and cabled ports (spines carry unequal shares of the
    /// leaves' uplinks where the uplinks do not divide evenly).
    switch: Option<(FabricId, Tier, u32)>,
    /// Generated switches down, per fabric and tier.
    switches: BTreeMap<(FabricId, Tier), u32>,
    /// GPUs out of service.
    gpus: u64,
    /// Per workload (by index): GPUs of its placement lost, and NVLink domains they touch.
    workloads: Vec<(usize, u64, u64)>,
    /// Per path the spec writes (by index): GPUs and NICs it selects that are lost.
    watched: Vec<(usize, u64)>,
    /// For a link: what tells links apart.
    link: Option<LinkShape>,
}

/// A campus link as its failure sees it: its buildings, and the bits of its capacity and
/// length, and its medium.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct LinkShape {
    ends: [Vec<InstanceId>; 2],
    capacity_bits: u64,
    distance_bits: u64,
    medium: Option<u16>,
    crossing_bits: u64,
    cables: u32,
}

/// The structure signatures are computed from, built once per requirement.
struct Structure<'a> {
    plant: &'a Plant,
    net: &'a Network,
    /// Per switch: the endpoints cabled to it (leaves only).
    endpoints_on: Vec<Vec<u32>>,
    /// Per switch: the leaves whose every uplink goes to it (cut off without it).
    sole_upper_of: Vec<Vec<SwitchId>>,
    /// Per placed GPU: the workloads that place on it.
    workloads_of: HashMap<InstanceId, Vec<usize>>,
    /// Per path the spec writes: the instance ranges (subtrees) it selects, sorted.
    watched: Vec<Vec<(u32, u32)>>,
    /// NICs with an endpoint.
    cabled_nics: std::collections::HashSet<InstanceId>,
}

impl<'a> Structure<'a> {
    fn new(plant: &'a Plant, net: &'a Network) -> Structure<'a> {
        let mut endpoints_on = vec![Vec::new(); net.switches.len()];
        for (e, ep) in net.endpoints.iter().enumerate() {
            endpoints_on[ep.leaf.0 as usize].push(e as u32);
        }
        let mut uppers: Vec<Vec<SwitchId>> = vec![Vec::new(); net.switches.len()];
        for cable in &net.cables {
            if let (End::Switch { switch: lower, .. }, End::Switch { switch: upper, .. }) = (cable.a, cable.b) {
                uppers[lower.0 as usize].push(upper);
            }
        }
        let mut sole_upper_of = vec![Vec::new(); net.switches.len()];
        for (s, mut up) in uppers.into_iter().enumerate() {
            up.sort_unstable();
            up.dedup();
            let sw = net.switches[s];
            if sw.tier == Tier::Leaf && net.fabrics[sw.fabric].counts[0] > 1 && up.len() == 1 {
                sole_upper_of[up[0].0 as usize].push(SwitchId(s as u32));
            }
        }
        let mut workloads_of: HashMap<InstanceId, Vec<usize>> = HashMap::new();
        let workloads = plant.roots().filter(|&r| matches!(plant.kind(r), Kind::Inference | Kind::Training));
        for (w, root) in workloads.enumerate() {
            for gpu in plant.placement_gpus(plant.get(root).decl) {
                workloads_of.entry(gpu).or_default().push(w);
            }
        }
        let watched = plant
            .program
            .paths
            .iter()
            .map(|p| {
                let mut ranges: Vec<(u32, u32)> =
                    plant.select(p).unwrap_or_default().iter().map(|&i| (i.0, plant.get(i).subtree_end)).collect();
                ranges.sort_unstable();
                ranges
            })
            .collect();
        let cabled_nics = net.endpoints.iter().map(|e| e.nic).collect();
        Structure { plant, net, endpoints_on, sole_upper_of, workloads_of, watched, cabled_nics }
    }

    /// The generated switches standing in `id`'s subtree.
    fn switches_in(&self, id: InstanceId) -> Vec<SwitchId> {
        let inside = |i: InstanceId| id.0 <= i.0 && i.0 < self.plant.get(id).subtree_end;
        let mut out = Vec::new();
        for (s, sw) in self.net.switches.iter().enumerate() {
            let here = match sw.rack {
                RackRef::Plant(r) => inside(r),
                RackRef::Generated(g) => self.net.racks.get(g as usize).is_some_and(|r| inside(r.parent) || inside(r.hall)),
            };
            if here {
                out.push(SwitchId(s as u32));
            }
        }
        out
    }

    fn signature(&self, failed: Failed) -> Signature {
        let (plant, net) = (self.plant, self.net);
        let (what, switch, mut down, mut lost): (String, _, Vec<SwitchId>, Vec<InstanceId>) = match failed {
            Failed::Instance(id) => {
                let mut lost: Vec<InstanceId> = plant.subtree(id).collect();
                // A cabled NIC down takes its node out of service.
                for nic in plant.subtree(id).filter(|i| self.cabled_nics.contains(i)) {
                    lost.extend(plant.outermost_node(nic).into_iter().flat_map(|n| plant.subtree(n)));
                }
                (plant.kind(id).name().to_string(), None, self.switches_in(id), lost)
            }
            Failed::Switch(s) => {
                let sw = net.switches[s];
                ("switch".into(), Some((sw.fabric, sw.tier, sw.ports_used)), vec![s], Vec::new())
            }
            Failed::GeneratedRack(g) => {
                let down =
                    net.switches.iter().enumerate().filter(|(_, sw)| sw.rack == RackRef::Generated(g)).map(|(s, _)| SwitchId(s as u32));
                ("generated rack".into(), None, down.collect(), Vec::new())
            }
            Failed::Link(l) => {
                let link = &net.links[l as usize];
                return Signature {
                    what: "link".into(),
                    switch: None,
                    switches: BTreeMap::new(),
                    gpus: 0,
                    workloads: Vec::new(),
                    watched: Vec::new(),
                    link: Some(LinkShape {
                        ends: {
                            let mut ends = [link.from.clone(), link.to.clone()];
                            ends.sort();
                            ends
                        },
                        capacity_bits: link.capacity_bps.unwrap_or(-1.0).to_bits(),
                        distance_bits: link.distance_m.to_bits(),
                        medium: link.medium,
                        crossing_bits: link.crossing_bps.to_bits(),
                        cables: link.cables,
                    }),
                };
            }
        };
        let mut leaves: Vec<SwitchId> = Vec::new();
        for &s in &down {
            match net.switches[s].tier {
                Tier::Leaf => leaves.push(s),
                _ => leaves.extend(self.sole_upper_of[s.0 as usize].iter().copied()),
            }
        }
        let mut switches: BTreeMap<(FabricId, Tier), u32> = BTreeMap::new();
        down.sort_unstable();
        down.dedup();
        for &s in &down {
            *switches.entry((net.switches[s].fabric, net.switches[s].tier)).or_insert(0) += 1;
        }
        for leaf in leaves {
            for &e in &self.endpoints_on[leaf.0 as usize] {
                if let Some(node) = plant.outermost_node(net.endpoints[e as usize].nic) {
                    lost.extend(plant.subtree(node));
                }
            }
        }
        lost.retain(|&i| matches!(plant.kind(i), Kind::Gpu | Kind::Nic));
        lost.sort_unstable();
        lost.dedup();
        let mut watched = Vec::new();
        for (p, ranges) in self.watched.iter().enumerate() {
            let inside = |i: &InstanceId| {
                let k = ranges.partition_point(|&(start, _)| start <= i.0);
                k > 0 && i.0 < ranges[k - 1].1
            };
            let n = lost.iter().filter(|i| inside(i)).count() as u64;
            if n > 0 {
                watched.push((p, n));
            }
        }
        lost.retain(|&i| plant.kind(i) == Kind::Gpu);
        let mut per: BTreeMap<usize, (u64, Vec<InstanceId>)> = BTreeMap::new();
        for &gpu in &lost {
            for &w in self.workloads_of.get(&gpu).map(Vec::as_slice).unwrap_or_default() {
                let e = per.entry(w).or_default();
                e.0 += 1;
                e.1.extend(plant.nvlink_domain(gpu));
            }
        }
        let workloads = per
            .into_iter()
            .map(|(w, (n, mut domains))| {
                domains.sort_unstable();
                domains.dedup();
                (w, n, domains.len() as u64)
            })
            .collect();
        Signature { what, switch, switches, gpus: lost.len() as u64, workloads, watched, link: None }
    }
}

/// How bad an outcome is: errors, then warnings, then GPUs lost.
fn severity(o: &Outcome) -> (usize, usize, u64) {
    let errors = o.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    (errors, o.diagnostics.len() - errors, o.gpus_lost)
}

/// `candidates` grouped into classes of failures with one signature (assumed to fail
/// identically), in the order of their first members.
pub fn classes(plant: &Plant, net: &Network, candidates: &[Failed]) -> Vec<Vec<Failed>> {
    let structure = Structure::new(plant, net);
    let mut classes: Vec<Vec<Failed>> = Vec::new();
    let mut index: HashMap<Signature, usize> = HashMap::new();
    for &c in candidates {
        let sig = structure.signature(c);
        match index.get(&sig) {
            Some(&i) => classes[i].push(c),
            None => {
                index.insert(sig, classes.len());
                classes.push(vec![c]);
            }
        }
    }
    classes
}

/// The worst single failure among `candidates` (a `fail_any` requirement named `name`),
/// evaluating the first member of each class of identical failures.
pub fn worst(plant: &Plant, net: &Network, base: &Budgets, name: &str, candidates: &[Failed]) -> Outcome {
    let classes = classes(plant, net, candidates);
    let mut best: Option<(Outcome, u64)> = None;
    for class in &classes {
        let outcome = evaluate(plant, net, base, name, &class[..1]);
        if best.as_ref().is_none_or(|(b, _)| severity(&outcome) > severity(b)) {
            best = Some((outcome, class.len() as u64));
        }
    }
    let (mut outcome, like_worst) = best.unwrap_or_else(|| {
        let o = Outcome {
            name: name.to_string(),
            decl: None,
            failed: Vec::new(),
            gpus_lost: 0,
            diagnostics: Vec::new(),
            services: base.services.clone(),
            training: base.training.clone(),
            any_of: None,
        };
        (o, 0)
    });
    outcome.any_of = Some(AnyOf { candidates: candidates.len() as u64, classes: classes.len() as u64, like_worst });
    outcome
}
