//! Routing over the generated network: the worst one-way path between two sets of
//! endpoints (NIC latency at both ends, every switch hop, every transceiver, each cable's
//! length × its medium's delay, and campus links between buildings).
//!
//! Routing goes up to the lowest tier the two sets need: one leaf when every endpoint is
//! on it, the spines of one pod, or the top tier. The worst path takes the slowest way up
//! on each side, so it is an upper bound on every real path of the fat tree; parts without a
//! published latency count as zero and are named.

use super::model::{CableId, CampusLink, End, FabricId, FabricNet, Network, SwitchId, Tier};
use super::names::fabric_building;
use crate::plant::{InstanceId, Plant};
use crate::schema::Kind;
use crate::units::{Dim, format_quantity};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One term of a path's latency; `None` where the part has no figure.
#[derive(Clone, PartialEq, Debug)]
pub struct Term {
    /// What it is (`14 m of SMF_DR`, `leaf Q3450`).
    pub what: String,
    /// Its latency in seconds.
    pub seconds: Option<f64>,
    /// The part it is, for listing parts without a figure (`MMF_SR propagation`).
    pub part: String,
}

/// The worst path between two sets.
#[derive(Clone, PartialEq, Debug)]
pub struct WorstPath {
    /// Its one-way latency in seconds (parts without a figure count as zero).
    pub seconds: f64,
    /// The path, term by term.
    pub terms: Vec<Term>,
    /// The endpoint it starts from, an index into [`Network::endpoints`].
    pub from: u32,
    /// The endpoint it ends at.
    pub to: u32,
}

impl WorstPath {
    /// Parts of the path without a latency figure, each once.
    pub fn unknown(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.terms {
            if t.seconds.is_none() && !out.contains(&t.part) {
                out.push(t.part.clone());
            }
        }
        out
    }

    /// The sum written out: `NIC ConnectX_7 (no figure) + 14 m of SMF_DR 70 ns + … = 600 us`.
    pub fn explain(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < self.terms.len() {
            let t = &self.terms[i];
            let mut n = 1;
            while i + n < self.terms.len() && self.terms[i + n] == *t {
                n += 1;
            }
            let value = match t.seconds {
                Some(s) => format_quantity(s * n as f64, Dim::TIME),
                None => "no figure".into(),
            };
            parts.push(if n > 1 { format!("{n} × {} ({value})", t.what) } else { format!("{} ({value})", t.what) });
            i += n;
        }
        format!("{} = {}", parts.join(" + "), format_quantity(self.seconds, Dim::TIME))
    }
}

/// Why two sets have no path.
#[derive(Clone, PartialEq, Debug)]
pub enum NoPath {
    /// The set has no NIC in any fabric.
    NoEndpoints,
    /// Two fabrics with no campus link between their buildings.
    NotJoined(String, String),
    /// Two fabrics whose buildings' campus links are all down (in a failure scenario).
    LinksDown(String, String, Vec<String>),
    /// A leaf that lost every way up to the tier the path needs (in a failure scenario).
    Cut(String),
    /// Every NIC of one side is out of service (in a failure scenario).
    OutOfService,
}

/// What is down in a failure scenario, for routing: cables (an end down, or cut with its
/// campus link) and endpoints (their NIC's node lost). Indexed like [`Network::cables`]
/// and [`Network::endpoints`].
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Down {
    /// Per cable: whether it is down.
    pub cables: Vec<bool>,
    /// Per endpoint: whether it is down.
    pub endpoints: Vec<bool>,
}

/// Per-switch and per-endpoint figures for worst-path queries, computed once per network
/// (the [`routes`] query) and shared by the checks and the simulators' graph.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct RouteTable {
    by_nic: Vec<(InstanceId, u32)>,
    switch_latency: Vec<Option<f64>>,
    /// Per switch: the slowest uplink (cable and transceivers) and that cable.
    up1: Vec<(f64, Option<CableId>)>,
    /// Per leaf (3 tiers): the slowest way to the core's input through a spine.
    up2: Vec<(f64, Option<CableId>)>,
    /// In a failure scenario, per switch: the highest tier it still reaches; empty when
    /// nothing is down.
    reach: Vec<Tier>,
    /// In a failure scenario, per endpoint: whether it is up; empty when nothing is down.
    endpoint_up: Vec<bool>,
    /// In a failure scenario, the NICs of endpoints that are down, sorted.
    down_nics: Vec<InstanceId>,
}

/// A cable's propagation delay plus its transceivers' latency (known parts).
fn cable_delay(net: &Network, c: CableId) -> f64 {
    let cable = net.cables[c];
    let medium = net.media[cable.medium as usize];
    let optic = medium.optic.and_then(|o| net.optics[o as usize].latency_s).unwrap_or(0.0);
    let ends = f64::from(u8::from(cable.optic_a) + u8::from(cable.optic_b));
    cable.length_m * medium.delay_s_per_m.unwrap_or(0.0) + optic * ends
}

impl RouteTable {
    /// Prepares routing over `net`.
    pub fn new(plant: &Plant, net: &Network) -> RouteTable {
        RouteTable::with_down(plant, net, None)
    }

    /// Prepares routing over `net` without what `down` says is down: paths go around it
    /// (only cables that are up count), or there is none.
    pub fn with_down(plant: &Plant, net: &Network, down: Option<&Down>) -> RouteTable {
        let program = &plant.program;
        let cable_up = |c: usize| down.is_none_or(|d| !d.cables[c]);
        let endpoint_up = |e: usize| down.is_none_or(|d| !d.endpoints[e]);
        let mut by_nic: Vec<(InstanceId, u32)> =
            net.endpoints.iter().enumerate().filter(|(i, _)| endpoint_up(*i)).map(|(i, e)| (e.nic, i as u32)).collect();
        by_nic.sort();
        let switch_latency: Vec<Option<f64>> =
            net.switches.iter().map(|s| program.field(s.ty, "latency").and_then(|f| f.number())).collect();
        let mut up1 = vec![(0.0, None); net.switches.len()];
        for (c, cable) in net.cables.iter().enumerate() {
            if !cable_up(c) {
                continue;
            }
            let c = CableId(c as u32);
            if let End::Switch { switch, .. } = cable.a {
                let d = cable_delay(net, c);
                if up1[switch.0 as usize].1.is_none() || d > up1[switch.0 as usize].0 {
                    up1[switch.0 as usize] = (d, Some(c));
                }
            }
        }
        let mut up2 = vec![(0.0, None); net.switches.len()];
        for (c, cable) in net.cables.iter().enumerate() {
            if !cable_up(c) {
                continue;
            }
            let c = CableId(c as u32);
            if cable.tier != Tier::Spine {
                continue;
            }
            if let (End::Switch { switch: leaf, .. }, End::Switch { switch: spine, .. }) = (cable.a, cable.b) {
                // With parts down, a spine without a core uplink left leads nowhere up.
                if down.is_some() && net.fabrics[net.switches[spine].fabric].tiers >= 3 && up1[spine.0 as usize].1.is_none() {
                    continue;
                }
                let d = cable_delay(net, c) + switch_latency[spine.0 as usize].unwrap_or(0.0) + up1[spine.0 as usize].0;
                let slot: &mut (f64, Option<CableId>) = &mut up2[leaf.0 as usize];
                if slot.1.is_none() || d > slot.0 {
                    *slot = (d, Some(c));
                }
            }
        }
        let (reach, endpoint_up) = match down {
            None => (Vec::new(), Vec::new()),
            Some(d) => {
                let reach = (0..net.switches.len())
                    .map(|s| match (up1[s].1, up2[s].1) {
                        (_, Some(_)) => Tier::Core,
                        (Some(_), None) => Tier::Spine,
                        (None, None) => Tier::Leaf,
                    })
                    .collect();
                (reach, d.endpoints.iter().map(|down| !down).collect())
            }
        };
        let mut down_nics: Vec<InstanceId> =
            net.endpoints.iter().enumerate().filter(|(i, _)| down.is_some_and(|d| d.endpoints[*i])).map(|(_, e)| e.nic).collect();
        down_nics.sort_unstable();
        down_nics.dedup();
        RouteTable { by_nic, switch_latency, up1, up2, reach, endpoint_up, down_nics }
    }

    /// Whether endpoint `e` is up.
    pub fn endpoint_up(&self, e: u32) -> bool {
        self.endpoint_up.get(e as usize).is_none_or(|&up| up)
    }

    /// The highest tier switch `s` still reaches (the top when nothing is down).
    pub fn reach(&self, s: SwitchId) -> Tier {
        self.reach.get(s.0 as usize).copied().unwrap_or(Tier::Core)
    }
}

/// Worst-path queries over one network, with its [`RouteTable`].
pub struct Router<'a> {
    plant: &'a Plant,
    net: &'a Network,
    table: &'a RouteTable,
}

impl<'a> Router<'a> {
    /// Routing over `net` with its table.
    pub fn new(plant: &'a Plant, net: &'a Network, table: &'a RouteTable) -> Router<'a> {
        Router { plant, net, table }
    }

    fn cable_delay(&self, c: CableId) -> f64 {
        cable_delay(self.net, c)
    }

    fn cable_terms(&self, c: CableId, out: &mut Vec<Term>) {
        let program = &self.plant.program;
        let cable = self.net.cables[c];
        let medium = self.net.media[cable.medium as usize];
        let name = program.decl(medium.decl).name.clone().unwrap_or_default();
        out.push(Term {
            what: format!("{} of {name}", format_quantity(cable.length_m, Dim::LENGTH)),
            seconds: medium.delay_s_per_m.map(|d| d * cable.length_m),
            part: format!("{name} propagation"),
        });
        if let Some(o) = medium.optic {
            let optic = self.net.optics[o as usize];
            let oname = program.decl(optic.decl).name.clone().unwrap_or_default();
            for has in [cable.optic_a, cable.optic_b] {
                if has {
                    out.push(Term { what: format!("transceiver {oname}"), seconds: optic.latency_s, part: format!("{oname} transceiver") });
                }
            }
        }
    }

    fn switch_term(&self, s: SwitchId) -> Term {
        let sw = self.net.switches[s];
        let tier = sw.tier.name();
        let name = self.plant.program.decl(sw.ty).name.clone().unwrap_or_default();
        Term { what: format!("{tier} {name}"), seconds: self.table.switch_latency[s.0 as usize], part: format!("{name} switch") }
    }

    fn nic_latency(&self, e: u32) -> Option<f64> {
        self.plant.field(self.net.endpoints[e as usize].nic, "latency").and_then(|f| f.number())
    }

    /// Latency from endpoint `e` up to the input of its tier-`t` switch (known parts).
    fn side(&self, e: u32, t: Tier) -> f64 {
        let ep = self.net.endpoints[e as usize];
        let s0 = self.nic_latency(e).unwrap_or(0.0) + self.cable_delay(ep.cable);
        let leaf = ep.leaf.0 as usize;
        match t {
            Tier::Leaf => s0,
            Tier::Spine => s0 + self.table.switch_latency[leaf].unwrap_or(0.0) + self.table.up1[leaf].0,
            Tier::Core => s0 + self.table.switch_latency[leaf].unwrap_or(0.0) + self.table.up2[leaf].0,
        }
    }

    /// The terms of [`Router::side`], and the tier-`t` switch it reaches.
    fn side_terms(&self, e: u32, t: Tier) -> (Vec<Term>, Option<SwitchId>) {
        let program = &self.plant.program;
        let ep = self.net.endpoints[e as usize];
        let nic_decl = self.plant.get(ep.nic).decl;
        let nd = program.decl(nic_decl);
        let nic_type = nd.base.and_then(|b| program.decl(b).name.clone()).or_else(|| nd.name.clone()).unwrap_or_default();
        let mut out = vec![Term { what: format!("NIC {nic_type}"), seconds: self.nic_latency(e), part: format!("{nic_type} NIC") }];
        self.cable_terms(ep.cable, &mut out);
        let mut top = Some(ep.leaf);
        if t >= Tier::Spine {
            out.push(self.switch_term(ep.leaf));
            let cable = if t == Tier::Spine { self.table.up1[ep.leaf.0 as usize].1 } else { self.table.up2[ep.leaf.0 as usize].1 };
            top = None;
            if let Some(c) = cable {
                self.cable_terms(c, &mut out);
                if let End::Switch { switch: spine, .. } = self.net.cables[c].b {
                    top = Some(spine);
                    if t >= Tier::Core {
                        out.push(self.switch_term(spine));
                        top = None;
                        if let Some(c2) = self.table.up1[spine.0 as usize].1 {
                            self.cable_terms(c2, &mut out);
                            if let End::Switch { switch: core, .. } = self.net.cables[c2].b {
                                top = Some(core);
                            }
                        }
                    }
                }
            }
        }
        (out, top)
    }

    /// The fabric endpoints that stand for a set of instances: the NICs under each, or,
    /// for an instance without one (a GPU), the NICs of its nearest ancestor that has some.
    pub fn endpoints_for(&self, ids: &[InstanceId]) -> Vec<u32> {
        let mut out = Vec::new();
        for &id in ids {
            let mut current = Some(id);
            while let Some(c) = current {
                let end = InstanceId(self.plant.get(c).subtree_end);
                let lo = self.table.by_nic.partition_point(|(n, _)| *n < c);
                let hi = self.table.by_nic.partition_point(|(n, _)| *n < end);
                if lo < hi {
                    out.extend(self.table.by_nic[lo..hi].iter().map(|(_, e)| *e));
                    break;
                }
                // NICs that are all down (in a failure scenario) stand for nothing; the
                // instance does not borrow its parent's.
                let down = &self.table.down_nics;
                if down.partition_point(|n| *n < c) < down.partition_point(|n| *n < end) {
                    break;
                }
                current = self.plant.get(c).parent;
                if current.is_some_and(|p| self.plant.kind(p) == Kind::Site) {
                    break;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The worst one-way path between any endpoint of `a` and any of `b`.
    pub fn worst(&self, a: &[u32], b: &[u32]) -> Result<WorstPath, NoPath> {
        if a.is_empty() || b.is_empty() {
            // With parts down, the NICs of the set may all be out of service.
            return Err(if self.table.endpoint_up.is_empty() { NoPath::NoEndpoints } else { NoPath::OutOfService });
        }
        let group = |set: &[u32]| {
            let mut m: BTreeMap<FabricId, Vec<u32>> = BTreeMap::new();
            for &e in set {
                m.entry(self.net.endpoints[e as usize].fabric).or_default().push(e);
            }
            m
        };
        let (ga, gb) = (group(a), group(b));
        let mut best: Option<WorstPath> = None;
        for (&fa, ea) in &ga {
            for (&fb, eb) in &gb {
                let path = if fa == fb { self.within(fa, ea, eb)? } else { self.across(fa, ea, fb, eb)? };
                if best.as_ref().is_none_or(|w| path.seconds > w.seconds) {
                    best = Some(path);
                }
            }
        }
        best.ok_or(NoPath::NoEndpoints)
    }

    /// The worst path between any two endpoints of the spec that have a path: the two
    /// GPUs (or NICs) farthest apart. `None` without endpoints.
    pub fn farthest(&self) -> Option<WorstPath> {
        let fabrics: Vec<Vec<u32>> =
            self.net.fabrics.iter().map(|f| f.endpoints.clone().filter(|&e| self.table.endpoint_up(e)).collect()).collect();
        let mut best: Option<WorstPath> = None;
        for (fa, a) in fabrics.iter().enumerate() {
            for (fb, b) in fabrics.iter().enumerate().skip(fa) {
                if a.is_empty() || b.is_empty() {
                    continue;
                }
                let (fa, fb) = (FabricId(fa as u32), FabricId(fb as u32));
                let path = if fa == fb { self.farthest_within(fa, a) } else { self.across(fa, a, fb, b).ok() };
                if let Some(path) = path
                    && best.as_ref().is_none_or(|w| path.seconds > w.seconds)
                {
                    best = Some(path);
                }
            }
        }
        best
    }

    /// The worst path between endpoints of `set` that meet at tier `tier` (a leaf, a spine
    /// or a core), as if every pair of them had to climb that high.
    pub fn worst_at(&self, set: &[u32], tier: Tier) -> WorstPath {
        self.join(set, set, tier, tier, None)
    }

    /// The worst path between two different endpoints of one fabric, apart at the highest
    /// tier the fabric has between any two of them; `None` with fewer than two endpoints.
    fn farthest_within(&self, fabric: FabricId, set: &[u32]) -> Option<WorstPath> {
        let leaf_of = |e: u32| self.net.endpoints[e as usize].leaf;
        let pod_of = |e: u32| self.net.switches[leaf_of(e).0 as usize].pod;
        let tier = self.meeting_tier(fabric, set.iter().copied());
        let set: Vec<u32> = set.iter().copied().filter(|&e| self.table.reach(self.net.endpoints[e as usize].leaf) >= tier).collect();
        if set.is_empty() {
            return None;
        }
        let set = set.as_slice();
        let apart = |x: u32, y: u32| match tier {
            Tier::Leaf => x != y,
            Tier::Spine => leaf_of(x) != leaf_of(y),
            Tier::Core => pod_of(x) != pod_of(y),
        };
        let first = self.argmax(set, tier);
        let others: Vec<u32> = set.iter().copied().filter(|&e| apart(first, e)).collect();
        if others.is_empty() {
            return None;
        }
        Some(self.path(first, self.argmax(&others, tier), tier, tier, None))
    }

    fn argmax(&self, set: &[u32], t: Tier) -> u32 {
        let mut best = (f64::MIN, set[0]);
        for &e in set {
            let v = self.side(e, t);
            if v > best.0 {
                best = (v, e);
            }
        }
        best.1
    }

    fn within(&self, fabric: FabricId, a: &[u32], b: &[u32]) -> Result<WorstPath, NoPath> {
        let tier = self.meeting_tier(fabric, a.iter().chain(b).copied());
        self.reaches(a.iter().chain(b).copied(), tier)?;
        Ok(self.join(a, b, tier, tier, None))
    }

    /// `Ok` when every endpoint's leaf still reaches `tier`; else the first leaf that does
    /// not (only in a failure scenario).
    fn reaches(&self, ends: impl Iterator<Item = u32>, tier: Tier) -> Result<(), NoPath> {
        for e in ends {
            let leaf = self.net.endpoints[e as usize].leaf;
            if self.table.reach(leaf) < tier {
                return Err(NoPath::Cut(super::names::switch_name(self.plant, self.net, leaf)));
            }
        }
        Ok(())
    }

    /// The lowest tier where every endpoint of `ends` (at least one) meets the others: a
    /// leaf, the spines inside one pod or of a 2-tier fabric, the cores across pods.
    fn meeting_tier(&self, fabric: FabricId, ends: impl Iterator<Item = u32> + Clone) -> Tier {
        let leaf_of = |e: u32| self.net.endpoints[e as usize].leaf;
        let pod_of = |e: u32| self.net.switches[leaf_of(e).0 as usize].pod;
        let Some(first) = ends.clone().next() else { return Tier::Leaf };
        if ends.clone().all(|e| leaf_of(e) == leaf_of(first)) {
            Tier::Leaf
        } else if self.net.fabrics[fabric].tiers == 2 || ends.clone().all(|e| pod_of(e) == pod_of(first)) {
            Tier::Spine
        } else {
            Tier::Core
        }
    }

    fn across(&self, fa: FabricId, a: &[u32], fb: FabricId, b: &[u32]) -> Result<WorstPath, NoPath> {
        let (na, nb) = (&self.net.fabrics[fa], &self.net.fabrics[fb]);
        let (ba, bb) = (fabric_building(self.plant, self.net, fa), fabric_building(self.plant, self.net, fb));
        // Of redundant links, traffic takes the fastest that is up.
        let seconds = |l: &CampusLink| {
            let delay = l.medium.and_then(|m| self.net.media[m as usize].delay_s_per_m);
            (delay.is_none(), delay.map_or(l.distance_m, |d| d * l.distance_m))
        };
        let link = match (ba, bb) {
            (Some(x), Some(y)) if x != y => self
                .net
                .links_between(x, y)
                .map(|(_, l)| l)
                .min_by(|p, q| seconds(p).partial_cmp(&seconds(q)).unwrap_or(std::cmp::Ordering::Equal)),
            _ => None,
        };
        let Some(link) = link else {
            let down: Vec<String> = match (ba, bb) {
                (Some(x), Some(y)) => {
                    self.net.links.iter().filter(|l| l.failed && l.joins(x, y)).map(|l| self.plant.path(l.instance)).collect()
                }
                _ => Vec::new(),
            };
            if !down.is_empty() {
                return Err(NoPath::LinksDown(na.name.clone(), nb.name.clone(), down));
            }
            return Err(NoPath::NotJoined(na.name.clone(), nb.name.clone()));
        };
        let (ta, tb) = (FabricNet::top(na), FabricNet::top(nb));
        self.reaches(a.iter().copied(), ta)?;
        self.reaches(b.iter().copied(), tb)?;
        let program = &self.plant.program;
        let link_decl = self.plant.get(link.instance).decl;
        let link_name = program.decl(link_decl).name.clone().unwrap_or_default();
        let (medium_name, delay) = match link.medium {
            Some(m) => {
                let medium = self.net.media[m as usize];
                (program.decl(medium.decl).name.clone().unwrap_or_default(), medium.delay_s_per_m)
            }
            None => ("an unnamed medium".to_string(), None),
        };
        let term = Term {
            what: format!("campus link {link_name}: {} of {medium_name}", format_quantity(link.distance_m, Dim::LENGTH)),
            seconds: delay.map(|d| d * link.distance_m),
            part: format!("{medium_name} propagation"),
        };
        Ok(self.join(a, b, ta, tb, Some(term)))
    }

    /// The worst path up side `a` to tier `ta`, through `middle` (a campus link) or the
    /// shared top switch, and down side `b` from tier `tb`.
    fn join(&self, a: &[u32], b: &[u32], ta: Tier, tb: Tier, middle: Option<Term>) -> WorstPath {
        self.path(self.argmax(a, ta), self.argmax(b, tb), ta, tb, middle)
    }

    /// The path from endpoint `wa` up to tier `ta`, through `middle` or the shared top
    /// switch, and down from tier `tb` to endpoint `wb`.
    fn path(&self, wa: u32, wb: u32, ta: Tier, tb: Tier, middle: Option<Term>) -> WorstPath {
        let (mut terms, top_a) = self.side_terms(wa, ta);
        let (mut down, top_b) = self.side_terms(wb, tb);
        match middle {
            None => terms.extend(top_a.map(|s| self.switch_term(s))),
            Some(link) => {
                terms.extend(top_a.map(|s| self.switch_term(s)));
                terms.push(link);
                terms.extend(top_b.map(|s| self.switch_term(s)));
            }
        }
        down.reverse();
        terms.extend(down);
        let seconds = terms.iter().filter_map(|t| t.seconds).sum();
        WorstPath { seconds, terms, from: wa, to: wb }
    }
}

/// The query: the route table of the generated network. Only meaningful where the network
/// was built (see [`crate::pipeline`]).
#[salsa::tracked]
pub fn routes(db: &dyn salsa::Database, project: crate::source::Project) -> Arc<RouteTable> {
    let plant = crate::plant::plant(db, project);
    Arc::new(RouteTable::new(plant, super::build::network(db, project)))
}
