//! The generated network's records: switches placed in racks, cables with both ends,
//! media and optics, campus links and endpoints, all linked by index.

use crate::diagnostic::Diagnostic;
use crate::plant::InstanceId;
use crate::resolve::DeclId;
use std::collections::HashMap;

/// The names of the switch tiers, by [`Tier::index`].
pub const TIER_NAMES: [&str; 3] = ["leaf", "spine", "core"];

/// Index of a generated switch in [`Network::switches`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct SwitchId(pub u32);

/// Index of a cable in [`Network::cables`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct CableId(pub u32);

/// Index of a fabric in [`Network::fabrics`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct FabricId(pub u32);

macro_rules! indexed_by {
    ($id:ident, $record:ident) => {
        impl std::ops::Index<$id> for Vec<$record> {
            type Output = $record;
            fn index(&self, id: $id) -> &$record {
                &self[id.0 as usize]
            }
        }
        impl std::ops::IndexMut<$id> for Vec<$record> {
            fn index_mut(&mut self, id: $id) -> &mut $record {
                &mut self[id.0 as usize]
            }
        }
    };
}
indexed_by!(SwitchId, Switch);
indexed_by!(CableId, Cable);
indexed_by!(FabricId, FabricNet);

/// A tier of a fat tree: where a switch sits, or the upper end of a cable.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum Tier {
    /// Leaves: the endpoints' switches; also the tier of an endpoint's cable.
    #[default]
    Leaf,
    /// Spines: above the leaves.
    Spine,
    /// Cores: above the spines of a 3-tier tree.
    Core,
}

impl Tier {
    /// Every tier, bottom first.
    pub const ALL: [Tier; 3] = [Tier::Leaf, Tier::Spine, Tier::Core];

    /// 0 for leaves, 1 for spines, 2 for cores (cable labels print it).
    pub fn index(self) -> u8 {
        self as u8
    }

    /// `leaf`, `spine` or `core`.
    pub fn name(self) -> &'static str {
        TIER_NAMES[self as usize]
    }
}

/// Where a generated switch stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RackRef {
    /// A rack of the plant.
    Plant(InstanceId),
    /// A rack the generator added (end-of-row or spine rack).
    Generated(u32),
}

/// A switch the fabric generator placed.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Switch {
    /// Its fabric, an index into [`Network::fabrics`].
    pub fabric: FabricId,
    /// 0 for a leaf, 1 for a spine, 2 for a core.
    pub tier: Tier,
    /// Its switch type.
    pub ty: DeclId,
    /// Its number within its fabric's tier, from 1.
    pub number: u32,
    /// Its pod (3 tiers), from 0.
    pub pod: u32,
    /// The rack it stands in.
    pub rack: RackRef,
    /// Ports cabled so far.
    pub ports_used: u32,
}

/// A rack the generator added.
#[derive(Clone, PartialEq, Debug)]
pub struct GeneratedRack {
    /// Its name within its parent (`eor[1]`, `spine[2]`).
    pub name: String,
    /// The row (end-of-row racks) or hall (spine racks) it belongs to.
    pub parent: InstanceId,
    /// Its hall.
    pub hall: InstanceId,
    /// The row's index in the hall (a new last row for spine racks).
    pub row_index: u32,
    /// Its place in the row.
    pub position: u32,
    /// Rack space, in rack units.
    pub units: f64,
    /// Rack space taken, in rack units.
    pub used_units: f64,
    /// Its power limit, in watts.
    pub power_limit_w: f64,
    /// The fabric that made it.
    pub fabric: FabricId,
}

/// One end of a cable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum End {
    /// A port of a NIC of the plant, from 1.
    Nic {
        /// The NIC.
        nic: InstanceId,
        /// Its port.
        port: u16,
    },
    /// A port of a generated switch, from 1.
    Switch {
        /// The switch, an index into [`Network::switches`].
        switch: SwitchId,
        /// Its port.
        port: u32,
    },
}

/// A cable of a fabric.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Cable {
    /// Its fabric.
    pub fabric: FabricId,
    /// The lower end (NIC or lower-tier switch).
    pub a: End,
    /// The upper end.
    pub b: End,
    /// Stocked length in metres.
    pub length_m: f64,
    /// Its medium, an index into [`Network::media`].
    pub medium: u16,
    /// 0: endpoint to leaf, 1: leaf to spine, 2: spine to core.
    pub tier: Tier,
    /// Whether end `a` has a pluggable transceiver.
    pub optic_a: bool,
    /// Whether end `b` has a pluggable transceiver.
    pub optic_b: bool,
    /// Whether end `a` would need a transceiver were every switch pluggable.
    pub pluggable_a: bool,
    /// Whether end `b` would need a transceiver were every switch pluggable.
    pub pluggable_b: bool,
    /// The campus link it runs over, if its ends are in different buildings.
    pub link: Option<u32>,
}

/// A cable medium with its figures (SI units; `None` where the stdlib has no figure).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Medium {
    /// Its type.
    pub decl: DeclId,
    /// Longest cable it supports (the shorter of its own and its optic's reach).
    pub reach_m: Option<f64>,
    /// Propagation delay in seconds per metre.
    pub delay_s_per_m: Option<f64>,
    /// Whether each end needs a transceiver.
    pub needs_optic: bool,
    /// The transceiver at each end, an index into [`Network::optics`].
    pub optic: Option<u16>,
    /// Power each end of an active cable draws.
    pub end_power_w: Option<f64>,
}

/// A pluggable transceiver with its figures.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Optic {
    /// Its type.
    pub decl: DeclId,
    /// Power per transceiver.
    pub power_w: Option<f64>,
    /// Latency it adds.
    pub latency_s: Option<f64>,
}

/// A campus link between buildings.
#[derive(Clone, PartialEq, Debug)]
pub struct CampusLink {
    /// The `link` instance.
    pub instance: InstanceId,
    /// Buildings at one end.
    pub from: Vec<InstanceId>,
    /// Buildings at the other end.
    pub to: Vec<InstanceId>,
    /// Route length in metres.
    pub distance_m: f64,
    /// Its medium, if named.
    pub medium: Option<u16>,
    /// Its capacity in bits per second, if given.
    pub capacity_bps: Option<f64>,
    /// Bandwidth of the fabric cables that cross it, in bits per second.
    pub crossing_bps: f64,
    /// How many fabric cables cross it.
    pub cables: u32,
    /// Whether it is down (in a failure scenario); a down link carries nothing.
    pub failed: bool,
}

impl CampusLink {
    /// Whether the link joins buildings `x` and `y`.
    pub fn joins(&self, x: InstanceId, y: InstanceId) -> bool {
        (self.from.contains(&x) && self.to.contains(&y)) || (self.from.contains(&y) && self.to.contains(&x))
    }
}

/// A fabric endpoint: one port of one NIC.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Endpoint {
    /// The NIC.
    pub nic: InstanceId,
    /// Its port, from 1.
    pub port: u16,
    /// Its fabric.
    pub fabric: FabricId,
    /// Its leaf switch.
    pub leaf: SwitchId,
    /// The cable to the leaf.
    pub cable: CableId,
    /// The GPU this port serves: of a node's NICs in a fabric, in order, NIC i of n serves
    /// GPU ⌊i × g / n⌋ of its g GPUs (one each when they are as many); `None` in a node
    /// without GPUs.
    pub gpu: Option<InstanceId>,
}

/// A generated fabric.
#[derive(Clone, PartialEq, Debug)]
pub struct FabricNet {
    /// The `fabric` instance.
    pub instance: InstanceId,
    /// Its name.
    pub name: String,
    /// Switch tiers (2 or 3).
    pub tiers: u8,
    /// Switch types per tier (leaf, spine, core).
    pub types: [Option<DeclId>; 3],
    /// Switch counts per tier.
    pub counts: [u32; 3],
    /// Leaf downlinks and uplinks.
    pub down_up: (u32, u32),
    /// Its endpoints, a range of [`Network::endpoints`].
    pub endpoints: std::ops::Range<u32>,
    /// Its cables, a range of [`Network::cables`].
    pub cables: std::ops::Range<u32>,
    /// Its switches, a range of [`Network::switches`].
    pub switches: std::ops::Range<u32>,
    /// Whether it was generated completely (no capacity error stopped it).
    pub complete: bool,
}

impl Network {
    /// The campus links joining buildings `x` and `y` that are up, with their indexes.
    pub fn links_between(&self, x: InstanceId, y: InstanceId) -> impl Iterator<Item = (usize, &CampusLink)> + '_ {
        self.links.iter().enumerate().filter(move |(_, l)| !l.failed && l.joins(x, y))
    }

    /// Of the links joining `x` and `y` that are up, the one with the most room for one more
    /// cable: the lowest share of its capacity taken where every one has a capacity, else
    /// the least traffic; the first on a tie. Redundant links share the cables this way.
    pub fn least_loaded_link(&self, x: InstanceId, y: InstanceId) -> Option<usize> {
        let shares = self.links_between(x, y).all(|(_, l)| l.capacity_bps.is_some_and(|c| c > 0.0));
        let load = |l: &CampusLink| if shares { l.crossing_bps / l.capacity_bps.unwrap_or(1.0) } else { l.crossing_bps };
        let mut best: Option<(f64, usize)> = None;
        for (i, l) in self.links_between(x, y) {
            if best.is_none_or(|(b, _)| load(l) < b) {
                best = Some((load(l), i));
            }
        }
        best.map(|(_, i)| i)
    }
}

impl FabricNet {
    /// The fabric's top tier: the spines of a 2-tier tree, the cores of a 3-tier one.
    pub fn top(&self) -> Tier {
        if self.tiers >= 3 { Tier::Core } else { Tier::Spine }
    }
}

/// The generated networks of a spec.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Network {
    /// Every fabric, in declaration order.
    pub fabrics: Vec<FabricNet>,
    /// Every generated switch.
    pub switches: Vec<Switch>,
    /// Every generated rack.
    pub racks: Vec<GeneratedRack>,
    /// Every cable.
    pub cables: Vec<Cable>,
    /// Every endpoint, fabric by fabric.
    pub endpoints: Vec<Endpoint>,
    /// The endpoint index of each fabric NIC port 1 (for routing from plant instances).
    pub endpoint_of: HashMap<InstanceId, u32>,
    /// Media used, with their figures.
    pub media: Vec<Medium>,
    /// Transceivers used, with their figures.
    pub optics: Vec<Optic>,
    /// Campus links.
    pub links: Vec<CampusLink>,
    /// Problems found while generating.
    pub diagnostics: Vec<Diagnostic>,
}
