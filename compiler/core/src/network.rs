//! Network generation: from each `fabric` block, the fat tree's switches placed in racks,
//! every cable with both ends, its length, medium and optics; campus links between
//! buildings; and per-endpoint figures for routing (LANGUAGE.md sections 6 and 7).
//!
//! Everything is stored as arrays of small records linked by index: a cable is two ends
//! (an instance or a generated switch, and a port number), a length, a medium index and a
//! fabric index, so a 100,000-GPU campus needs no string per cable. Names are made only
//! when a diagnostic, report or artifact needs them.
//!
//! The fat-tree arithmetic (k = radix, d = leaf downlinks, u = leaf uplinks):
//! - leaves: per placement group (rack for `top_of_rack`, row for `end_of_row`; and per
//!   rail for `rail_optimized`), ceil(endpoints / d);
//! - 2 tiers: spines S, the fewest with S ≥ leaves × u / k and leaves × ceil(u / S) ≤ k
//!   (each leaf spreads its uplinks round-robin over the spines); buildable while
//!   leaves ≤ k, so at most k × d endpoints (k²/2 at 1:1);
//! - 3 tiers: pods of k/2 leaves, u spines per pod (leaf uplink j to the pod's spine j),
//!   k/2 uplinks per spine to core group j of C cores, the fewest with
//!   pods × ceil((k/2) / C) ≤ k; buildable while pods ≤ k, so at most k × k/2 × d
//!   endpoints (k³/4 at 1:1).

use crate::diagnostic::{Diagnostic, Label, codes};
use crate::plant::{InstanceId, Plant};
use crate::resolve::{DeclId, Matcher, PathSegment, PlantPath, Value};
use crate::schema::Kind;
use crate::units::{format_quantity, group_thousands};
use std::collections::{BTreeMap, HashMap};

/// The names of the switch tiers, by [`Switch::tier`].
pub const TIER_NAMES: [&str; 3] = ["leaf", "spine", "core"];

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
    pub fabric: u32,
    /// 0 for a leaf, 1 for a spine, 2 for a core.
    pub tier: u8,
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
    pub fabric: u32,
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
        switch: u32,
        /// Its port.
        port: u32,
    },
}

/// A cable of a fabric.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Cable {
    /// Its fabric.
    pub fabric: u32,
    /// The lower end (NIC or lower-tier switch).
    pub a: End,
    /// The upper end.
    pub b: End,
    /// Stocked length in metres.
    pub length_m: f64,
    /// Its medium, an index into [`Network::media`].
    pub medium: u16,
    /// 0: endpoint to leaf, 1: leaf to spine, 2: spine to core.
    pub tier: u8,
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
    pub fabric: u32,
    /// Its leaf switch.
    pub leaf: u32,
    /// The cable to the leaf.
    pub cable: u32,
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

/// The stocked cable lengths in metres (LANGUAGE.md section 7); beyond them, multiples of 50 m.
pub const STOCKED_LENGTHS_M: &[f64] = &[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0];

/// The stocked length a run of `metres` needs.
pub fn stocked_length(metres: f64) -> f64 {
    STOCKED_LENGTHS_M.iter().copied().find(|&l| l >= metres - 1e-9).unwrap_or_else(|| ((metres - 1e-9) / 50.0).ceil() * 50.0)
}

/// How a cable between buildings crosses: over campus link `Ok(index)`, or `Err` with the
/// two buildings no link joins.
type Crossing = Result<u32, (InstanceId, InstanceId)>;

/// Where a rack stands, with the geometry of its hall.
#[derive(Clone, Copy, PartialEq, Debug)]
struct RackLoc {
    building: Option<InstanceId>,
    hall: InstanceId,
    row: u32,
    position: u32,
    rack_width: f64,
    row_pitch: f64,
    slack: f64,
}

/// A plant field as a number, looked up on the instance and then its ancestors.
pub fn inherited_number(plant: &Plant, id: InstanceId, name: &str) -> Option<f64> {
    let mut current = Some(id);
    while let Some(c) = current {
        if let Some(f) = plant.field(c, name)
            && f.set().is_some()
        {
            return f.number();
        }
        current = plant.get(c).parent;
    }
    plant.field(id, name).and_then(|f| f.number())
}

/// A path-valued field of a declaration (a single name is a path of one segment).
pub fn field_path(plant: &Plant, decl: DeclId, name: &str) -> Option<PlantPath> {
    let field = plant.program.field(decl, name)?;
    let set = field.set()?;
    match &set.value {
        Value::Path(p) => Some(p.clone()),
        Value::Symbol(s) => Some(PlantPath {
            segments: vec![PathSegment { matcher: Matcher::Name(s.clone(), None), span: set.span }],
            file: plant.program.decl(decl).file,
            span: set.span,
        }),
        _ => None,
    }
}

struct Generator<'a> {
    plant: &'a Plant,
    net: Network,
    media_index: HashMap<DeclId, u16>,
    optic_index: HashMap<DeclId, u16>,
    rack_units_used: HashMap<InstanceId, f64>,
    /// Per hall: its building and geometry (rack width, row pitch, slack), read once.
    halls: HashMap<InstanceId, (Option<InstanceId>, f64, f64, f64)>,
    /// Per switch type: whether it has co-packaged optics, read once.
    cpo: HashMap<DeclId, bool>,
}

/// Generates every fabric and campus link of the plant.
pub fn generate(plant: &Plant) -> Network {
    let mut g = Generator {
        plant,
        net: Network::default(),
        media_index: HashMap::new(),
        optic_index: HashMap::new(),
        rack_units_used: HashMap::new(),
        halls: HashMap::new(),
        cpo: HashMap::new(),
    };
    if plant.diagnostics.iter().any(|d| d.code == codes::E0902) {
        return g.net;
    }
    let roots: Vec<InstanceId> = plant.roots().collect();
    for &root in &roots {
        if plant.kind(root) == Kind::Link {
            g.link(root);
        }
    }
    for &root in &roots {
        if plant.kind(root) == Kind::Fabric {
            g.fabric(root);
        }
    }
    assign_gpus(plant, &mut g.net);
    g.net
}

/// Sets [`Endpoint::gpu`]: per node and fabric, the NICs in plant order share the node's
/// GPUs evenly, NIC i of n serving GPU ⌊i × g / n⌋.
fn assign_gpus(plant: &Plant, net: &mut Network) {
    let mut groups: BTreeMap<(InstanceId, u32), Vec<usize>> = BTreeMap::new();
    for (i, e) in net.endpoints.iter().enumerate() {
        if let Some(node) = plant.ancestor(e.nic, Kind::Node) {
            groups.entry((node, e.fabric)).or_default().push(i);
        }
    }
    for ((node, _), endpoints) in groups {
        let gpus: Vec<InstanceId> = plant.subtree(node).filter(|&i| plant.kind(i) == Kind::Gpu).collect();
        if gpus.is_empty() {
            continue;
        }
        let mut nics: Vec<InstanceId> = endpoints.iter().map(|&e| net.endpoints[e].nic).collect();
        nics.sort_unstable();
        nics.dedup();
        for e in endpoints {
            let i = nics.partition_point(|&n| n < net.endpoints[e].nic);
            net.endpoints[e].gpu = Some(gpus[i * gpus.len() / nics.len()]);
        }
    }
}

impl Generator<'_> {
    fn medium(&mut self, decl: DeclId) -> u16 {
        if let Some(&i) = self.media_index.get(&decl) {
            return i;
        }
        let program = &self.plant.program;
        let num = |name: &str| program.field(decl, name).and_then(|f| f.number());
        let optic_type = program.field(decl, "optic").and_then(|f| f.type_id());
        let optic = optic_type.map(|o| self.optic(o));
        let optic_reach = optic_type.and_then(|o| program.field(o, "reach")?.number());
        let reach = match (num("reach"), optic_reach) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let medium = Medium {
            decl,
            reach_m: reach,
            delay_s_per_m: num("delay"),
            needs_optic: program.field(decl, "needs_optic").and_then(|f| f.boolean()).unwrap_or(false),
            optic,
            end_power_w: num("end_power"),
        };
        let i = self.net.media.len() as u16;
        self.net.media.push(medium);
        self.media_index.insert(decl, i);
        i
    }

    fn optic(&mut self, decl: DeclId) -> u16 {
        if let Some(&i) = self.optic_index.get(&decl) {
            return i;
        }
        let program = &self.plant.program;
        let num = |name: &str| program.field(decl, name).and_then(|f| f.number());
        let i = self.net.optics.len() as u16;
        self.net.optics.push(Optic { decl, power_w: num("power"), latency_s: num("latency") });
        self.optic_index.insert(decl, i);
        i
    }

    fn buildings(&self, path: &PlantPath) -> Vec<InstanceId> {
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

    fn link(&mut self, id: InstanceId) {
        let decl = self.plant.get(id).decl;
        let from = field_path(self.plant, decl, "from").map(|p| self.buildings(&p)).unwrap_or_default();
        let to = field_path(self.plant, decl, "to").map(|p| self.buildings(&p)).unwrap_or_default();
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
        };
        self.net.links.push(link);
    }

    fn error_at_field(&self, decl: DeclId, field: &str) -> Label {
        let d = self.plant.program.decl(decl);
        match self.plant.program.field(decl, field).and_then(|f| f.set().map(|s| s.span)) {
            Some(span) => Label::new(d.file, span, ""),
            None => Label::new(d.file, d.name_span, ""),
        }
    }

    fn rack_loc(&mut self, rack: RackRef) -> Option<RackLoc> {
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
                inherited_number(plant, hall, "rack_width").unwrap_or(0.6),
                inherited_number(plant, hall, "row_pitch").unwrap_or(3.0),
                inherited_number(plant, hall, "cable_slack").unwrap_or(2.0),
            )
        });
        Some(RackLoc { building, hall, row, position, rack_width, row_pitch, slack })
    }

    fn end_rack(&self, end: End) -> Option<RackRef> {
        match end {
            End::Nic { nic, .. } => self.plant.ancestor(nic, Kind::Rack).map(RackRef::Plant),
            End::Switch { switch, .. } => Some(self.net.switches[switch as usize].rack),
        }
    }

    /// The run between two racks in metres before stocking, and the campus link it crosses.
    fn run_length(&self, a: RackLoc, b: RackLoc) -> (f64, Option<Crossing>) {
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
            (Some(x), Some(y)) if x != y => match self.net.links.iter().position(|l| l.joins(x, y)) {
                Some(i) => (inside + self.net.links[i].distance_m, Some(Ok(i as u32))),
                None => (inside, Some(Err((x, y)))),
            },
            _ => (inside, None),
        }
    }

    fn switch_is_cpo(&mut self, ty: DeclId) -> bool {
        let program = &self.plant.program;
        *self.cpo.entry(ty).or_insert_with(|| program.field(ty, "optics").and_then(|f| f.text().map(|t| t == "cpo")).unwrap_or(false))
    }

    fn fabric(&mut self, id: InstanceId) {
        let plant = self.plant;
        let program = plant.program.clone();
        let decl = plant.get(id).decl;
        let d = program.decl(decl);
        let name = d.name.clone().unwrap_or_default();
        let fabric_index = self.net.fabrics.len() as u32;
        let start_endpoints = self.net.endpoints.len() as u32;
        let start_cables = self.net.cables.len() as u32;
        let start_switches = self.net.switches.len() as u32;
        let mut fabric = FabricNet {
            instance: id,
            name: name.clone(),
            tiers: 2,
            types: [None; 3],
            counts: [0; 3],
            down_up: (0, 0),
            endpoints: start_endpoints..start_endpoints,
            cables: start_cables..start_cables,
            switches: start_switches..start_switches,
            complete: false,
        };
        self.net.fabrics.push(fabric.clone());
        let number = |field: &str| program.field(decl, field).and_then(|f| f.number());
        let text = |field: &str| program.field(decl, field).and_then(|f| f.text().map(str::to_string));
        let tiers = number("tiers").unwrap_or(2.0);
        let leaf_ty = program.field(decl, "leaf").and_then(|f| f.type_id());
        let spine_ty = program.field(decl, "spine").and_then(|f| f.type_id()).or(leaf_ty);
        let core_ty = program.field(decl, "core").and_then(|f| f.type_id()).or(spine_ty);
        fabric.types = [leaf_ty, spine_ty, if tiers >= 3.0 { core_ty } else { None }];
        let Some(leaf_ty) = leaf_ty else {
            self.net.fabrics[fabric_index as usize] = fabric;
            return; // E0211 reported already
        };
        if tiers != 2.0 && tiers != 3.0 {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!("fabric `{name}` asks for {} tiers", crate::units::format_number(tiers)),
                    Label { message: "Fabric generates 2- and 3-tier fat trees".into(), ..self.error_at_field(decl, "tiers") },
                )
                .with_path(name.clone())
                .with_help("set `tiers = 2` or `tiers = 3`"),
            );
            self.net.fabrics[fabric_index as usize] = fabric;
            return;
        }
        fabric.tiers = tiers as u8;
        let radix = |ty: DeclId| program.field(ty, "ports").and_then(|f| f.number()).map(|n| n as u32);
        let tier_names = TIER_NAMES;
        let mut radixes = [0u32; 3];
        for t in 0..fabric.tiers as usize {
            let Some(ty) = fabric.types[t] else { continue };
            match radix(ty) {
                Some(k) if k >= 2 => radixes[t] = k,
                _ => {
                    let ty_decl = program.decl(ty);
                    let ty_name = ty_decl.name.clone().unwrap_or_default();
                    self.net.diagnostics.push(
                        Diagnostic::error(
                            codes::E0602,
                            format!("{} switch `{ty_name}` of fabric `{name}` has no port count", tier_names[t]),
                            Label { message: "a fat tree needs the switch's radix".into(), ..self.error_at_field(decl, tier_names[t]) },
                        )
                        .with_label(Label::new(ty_decl.file, ty_decl.name_span, "declared here without `ports`"))
                        .with_path(name.clone())
                        .with_help(format!("set `ports` in a type derived from `{ty_name}`")),
                    );
                    self.net.fabrics[fabric_index as usize] = fabric;
                    return;
                }
            }
        }
        let k = radixes[0];
        let ratio = number("oversubscription").unwrap_or(1.0);
        let down = ((f64::from(k) * ratio / (1.0 + ratio)).floor() as u32).min(k.saturating_sub(1));
        let up = k - down;
        fabric.down_up = (down, up);
        if down == 0 || !(ratio.is_finite() && ratio > 0.0) {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!("an oversubscription of {} leaves no downlinks on a {k}-port leaf", crate::units::format_number(ratio)),
                    Label { message: "downlink : uplink bandwidth at the leaves".into(), ..self.error_at_field(decl, "oversubscription") },
                )
                .with_path(name.clone())
                .with_help("use a ratio such as 1 (non-blocking) or 3 (3:1)"),
            );
            self.net.fabrics[fabric_index as usize] = fabric;
            return;
        }

        // Endpoints: every NIC port under the selected instances, in plant order.
        let mut nics: Vec<InstanceId> = Vec::new();
        if let Some(path) = field_path(plant, decl, "endpoints") {
            for sel in plant.select(&path).unwrap_or_default() {
                nics.extend(plant.subtree(sel).filter(|&i| plant.kind(i) == Kind::Nic));
            }
        }
        nics.sort();
        nics.dedup();
        nics.retain(|n| !self.net.endpoint_of.contains_key(n));
        if nics.is_empty() {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!("fabric `{name}` has no endpoints"),
                    Label {
                        message: "selects no NIC that another fabric does not already connect".into(),
                        ..self.error_at_field(decl, "endpoints")
                    },
                )
                .with_path(name.clone())
                .with_help("point `endpoints` at NICs, for example `campus.b1.**.nic`"),
            );
            self.net.fabrics[fabric_index as usize] = fabric;
            return;
        }
        let rail_optimized = text("topology").as_deref() == Some("rail_optimized");
        let top_of_rack = text("leaf_placement").as_deref() == Some("top_of_rack");
        // Group the endpoints: one group per rack or row (and rail), in plant order.
        let mut groups: BTreeMap<(InstanceId, u32), Vec<(InstanceId, u16)>> = BTreeMap::new();
        let mut rails: HashMap<InstanceId, u32> = HashMap::new();
        for &nic in &nics {
            let ports = plant.field(nic, "ports").and_then(|f| f.number()).unwrap_or(1.0).max(1.0) as u16;
            let rack = plant.ancestor(nic, Kind::Rack);
            let key_instance = if top_of_rack { rack } else { rack.and_then(|r| plant.get(r).parent) };
            let Some(key_instance) = key_instance else { continue };
            let rail = if rail_optimized {
                let parent = plant.get(nic).parent;
                let r = parent
                    .map(|p| plant.children(p).filter(|&c| plant.kind(c) == Kind::Nic).take_while(|&c| c != nic).count() as u32)
                    .unwrap_or(0);
                rails.insert(nic, r);
                r
            } else {
                0
            };
            for port in 1..=ports {
                groups.entry((key_instance, rail)).or_default().push((nic, port));
            }
        }
        let endpoint_count: usize = groups.values().map(Vec::len).sum();

        // Leaves, placed, and the endpoint cables.
        let mut eor: HashMap<InstanceId, u32> = HashMap::new(); // row -> current eor rack
        let leaf_units = program.field(leaf_ty, "units").and_then(|f| f.number()).unwrap_or(1.0);
        let mut leaves: Vec<u32> = Vec::new();
        let mut pending: Vec<(End, End, u8)> = Vec::new();
        for ((group, _rail), eps) in &groups {
            for chunk in eps.chunks(down as usize) {
                let rack = if top_of_rack {
                    *self.rack_units_used.entry(*group).or_insert(0.0) += leaf_units;
                    RackRef::Plant(*group)
                } else {
                    RackRef::Generated(self.eor_rack(*group, &mut eor, leaf_units, fabric_index, decl))
                };
                let sw = self.net.switches.len() as u32;
                self.net.switches.push(Switch {
                    fabric: fabric_index,
                    tier: 0,
                    ty: leaf_ty,
                    number: leaves.len() as u32 + 1,
                    pod: 0,
                    rack,
                    ports_used: 0,
                });
                leaves.push(sw);
                for &(nic, port) in chunk {
                    pending.push((End::Nic { nic, port }, End::Switch { switch: sw, port: 0 }, 0));
                }
            }
        }
        let leaf_count = leaves.len() as u32;
        fabric.counts[0] = leaf_count;

        // Upper tiers.
        let mut spine_slots = SpineSlots::new(self, decl, fabric_index, &leaves);
        let feasible = if fabric.tiers == 2 {
            let ks = radixes[1];
            if leaf_count > ks {
                self.infeasible(decl, &name, 2, k, radixes, down, endpoint_count, leaf_count);
                false
            } else {
                let spines = fewest_upper(leaf_count, up, ks);
                let first = self.net.switches.len() as u32;
                for s in 0..spines {
                    let rack = spine_slots.place(self, fabric.types[1].unwrap_or(leaf_ty));
                    self.net.switches.push(Switch {
                        fabric: fabric_index,
                        tier: 1,
                        ty: fabric.types[1].unwrap_or(leaf_ty),
                        number: s + 1,
                        pod: 0,
                        rack,
                        ports_used: 0,
                    });
                }
                for &leaf in &leaves {
                    for j in 0..up {
                        pending.push((End::Switch { switch: leaf, port: 0 }, End::Switch { switch: first + j % spines, port: 0 }, 1));
                    }
                }
                fabric.counts[1] = spines;
                true
            }
        } else {
            let ks = radixes[1];
            let kc = radixes[2];
            let pod_size = (ks / 2).max(1);
            let spine_up = ks - pod_size;
            let pods = leaf_count.div_ceil(pod_size);
            if pods > kc || spine_up == 0 {
                self.infeasible(decl, &name, 3, k, radixes, down, endpoint_count, leaf_count);
                false
            } else {
                let spine_ty = fabric.types[1].unwrap_or(leaf_ty);
                let core_ty = fabric.types[2].unwrap_or(spine_ty);
                let first_spine = self.net.switches.len() as u32;
                for p in 0..pods {
                    for j in 0..up {
                        let rack = spine_slots.place(self, spine_ty);
                        self.net.switches.push(Switch {
                            fabric: fabric_index,
                            tier: 1,
                            ty: spine_ty,
                            number: p * up + j + 1,
                            pod: p,
                            rack,
                            ports_used: 0,
                        });
                    }
                }
                for (i, &leaf) in leaves.iter().enumerate() {
                    let pod = i as u32 / pod_size;
                    self.net.switches[leaf as usize].pod = pod;
                    for j in 0..up {
                        pending.push((
                            End::Switch { switch: leaf, port: 0 },
                            End::Switch { switch: first_spine + pod * up + j, port: 0 },
                            1,
                        ));
                    }
                }
                let per_group = fewest_upper(pods, spine_up, kc);
                let first_core = self.net.switches.len() as u32;
                for j in 0..up {
                    for c in 0..per_group {
                        let rack = spine_slots.place(self, core_ty);
                        self.net.switches.push(Switch {
                            fabric: fabric_index,
                            tier: 2,
                            ty: core_ty,
                            number: j * per_group + c + 1,
                            pod: 0,
                            rack,
                            ports_used: 0,
                        });
                    }
                }
                for p in 0..pods {
                    for j in 0..up {
                        let spine = first_spine + p * up + j;
                        for m in 0..spine_up {
                            pending.push((
                                End::Switch { switch: spine, port: 0 },
                                End::Switch { switch: first_core + j * per_group + m % per_group, port: 0 },
                                2,
                            ));
                        }
                    }
                }
                fabric.counts[1] = pods * up;
                fabric.counts[2] = up * per_group;
                true
            }
        };
        spine_slots.report(self, &name);

        // Cables: ports, lengths, media and optics.
        let preference: Vec<u16> = match program.field(decl, "medium").and_then(|f| f.type_id()) {
            Some(m) => vec![self.medium(m)],
            None => {
                let prelude: Vec<DeclId> = crate::stdlib::DEFAULT_MEDIA
                    .iter()
                    .filter_map(|n| {
                        program.types.iter().copied().find(|&t| {
                            let td = program.decl(t);
                            td.name.as_deref() == Some(n) && td.kind == Kind::Medium && Some(td.file) == program.prelude
                        })
                    })
                    .collect();
                let mut v = Vec::new();
                for m in prelude {
                    v.push(self.medium(m));
                }
                v
            }
        };
        let mut unreachable: Option<(f64, u32, End, End)> = None;
        let mut missing_link: Option<(InstanceId, InstanceId)> = None;
        for (a, b, tier) in pending {
            if !feasible && tier > 0 {
                continue;
            }
            let a = self.take_port(a);
            let b = self.take_port(b);
            let (Some(ra), Some(rb)) = (self.end_rack(a), self.end_rack(b)) else { continue };
            let (Some(la), Some(lb)) = (self.rack_loc(ra), self.rack_loc(rb)) else { continue };
            let (run, link) = self.run_length(la, lb);
            let length = stocked_length(run);
            let link = match link {
                Some(Ok(i)) => Some(i),
                Some(Err(pair)) => {
                    missing_link.get_or_insert(pair);
                    None
                }
                None => None,
            };
            let cpo_b = match b {
                End::Switch { switch, .. } => self.switch_is_cpo(self.net.switches[switch as usize].ty),
                End::Nic { .. } => false,
            };
            let cpo_a = match a {
                End::Switch { switch, .. } => self.switch_is_cpo(self.net.switches[switch as usize].ty),
                End::Nic { .. } => false,
            };
            let chosen = preference.iter().copied().find(|&m| {
                let medium = self.net.media[m as usize];
                (medium.needs_optic || !(cpo_a || cpo_b)) && medium.reach_m.is_none_or(|r| length <= r + 1e-9)
            });
            let medium = match chosen {
                Some(m) => m,
                None => {
                    let e = unreachable.get_or_insert((length, 0, a, b));
                    e.1 += 1;
                    if length > e.0 {
                        *e = (length, e.1, a, b);
                    }
                    *preference.last().unwrap_or(&0)
                }
            };
            let needs = self.net.media.get(medium as usize).is_some_and(|m| m.needs_optic);
            let cable = Cable {
                fabric: fabric_index,
                a,
                b,
                length_m: length,
                medium,
                tier,
                optic_a: needs && !cpo_a,
                optic_b: needs && !cpo_b,
                pluggable_a: needs || cpo_a,
                pluggable_b: needs || cpo_b,
                link,
            };
            let index = self.net.cables.len() as u32;
            if let Some(l) = link {
                let speed = match a {
                    End::Nic { nic, .. } => plant.field(nic, "speed").and_then(|f| f.number()),
                    End::Switch { switch, .. } => {
                        program.field(self.net.switches[switch as usize].ty, "port_speed").and_then(|f| f.number())
                    }
                };
                self.net.links[l as usize].crossing_bps += speed.unwrap_or(0.0);
            }
            if let (End::Nic { nic, port }, End::Switch { switch, .. }) = (a, b) {
                if port == 1 {
                    self.net.endpoint_of.insert(nic, self.net.endpoints.len() as u32);
                }
                self.net.endpoints.push(Endpoint { nic, port, fabric: fabric_index, leaf: switch, cable: index, gpu: None });
            }
            self.net.cables.push(cable);
        }
        if let Some((length, count, a, b)) = unreachable {
            self.unreachable(decl, &name, length, count, a, b, &preference);
        }
        if let Some((x, y)) = missing_link {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0607,
                    format!(
                        "fabric `{name}` runs cables between `{}` and `{}`, but no campus link joins them",
                        plant.path(x),
                        plant.path(y)
                    ),
                    Label { message: "its endpoints and switches span both buildings".into(), ..self.error_at_field(decl, "endpoints") },
                )
                .with_path(name.clone())
                .with_help(format!("declare a `link` with `from = {}` and `to = {}`", plant.path(x), plant.path(y))),
            );
        }
        fabric.complete = feasible;
        fabric.endpoints = start_endpoints..self.net.endpoints.len() as u32;
        fabric.cables = start_cables..self.net.cables.len() as u32;
        fabric.switches = start_switches..self.net.switches.len() as u32;
        self.net.fabrics[fabric_index as usize] = fabric;
    }

    fn take_port(&mut self, end: End) -> End {
        match end {
            End::Switch { switch, .. } => {
                let s = &mut self.net.switches[switch as usize];
                s.ports_used += 1;
                End::Switch { switch, port: s.ports_used }
            }
            nic => nic,
        }
    }

    fn eor_rack(&mut self, row: InstanceId, eor: &mut HashMap<InstanceId, u32>, units: f64, fabric: u32, decl: DeclId) -> u32 {
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

    #[allow(clippy::too_many_arguments)]
    fn infeasible(&mut self, decl: DeclId, name: &str, tiers: u8, k: u32, radixes: [u32; 3], down: u32, endpoints: usize, leaves: u32) {
        let (max, arithmetic) = if tiers == 2 {
            let ks = radixes[1];
            (
                u64::from(ks) * u64::from(down),
                format!(
                    "a 2-tier fat tree links every leaf to every spine, so it has at most {ks} leaves (the spine's ports) of {down} downlinks each: {ks} × {down} = {} endpoints; this one needs {} leaves for {} endpoints",
                    group_thousands(u128::from(ks) * u128::from(down)),
                    group_thousands(u128::from(leaves)),
                    group_thousands(endpoints as u128)
                ),
            )
        } else {
            let (ks, kc) = (radixes[1], radixes[2]);
            let pod = ks / 2;
            (
                u64::from(kc) * u64::from(pod) * u64::from(down),
                format!(
                    "a 3-tier fat tree has at most {kc} pods (the core's ports) of {pod} leaves (half the spine's ports) with {down} downlinks each: {kc} × {pod} × {down} = {} endpoints; this one needs {} leaves for {} endpoints",
                    group_thousands(u128::from(kc) * u128::from(pod) * u128::from(down)),
                    group_thousands(u128::from(leaves)),
                    group_thousands(endpoints as u128)
                ),
            )
        };
        let help = if tiers == 2 {
            "set `tiers = 3`, use switches with more ports, or raise `oversubscription`".to_string()
        } else {
            "use switches with more ports, raise `oversubscription`, or split the endpoints into several fabrics".to_string()
        };
        self.net.diagnostics.push(
            Diagnostic::error(
                codes::E0601,
                format!(
                    "a {tiers}-tier fat tree of {k}-port switches reaches at most {} endpoints; fabric `{name}` has {}",
                    group_thousands(u128::from(max)),
                    group_thousands(endpoints as u128)
                ),
                Label { message: format!("{tiers} tiers"), ..self.error_at_field(decl, "tiers") },
            )
            .with_label(Label { message: format!("{k}-port switches, {down} ports down per leaf"), ..self.error_at_field(decl, "leaf") })
            .with_note(arithmetic)
            .with_path(name.to_string())
            .with_help(help),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn unreachable(&mut self, decl: DeclId, name: &str, length: f64, count: u32, a: End, b: End, preference: &[u16]) {
        let program = self.plant.program.clone();
        let names: Vec<String> = preference
            .iter()
            .map(|&m| {
                let medium = self.net.media[m as usize];
                let n = program.decl(medium.decl).name.clone().unwrap_or_default();
                match medium.reach_m {
                    Some(r) => format!("{n} {}", format_quantity(r, crate::units::Dim::LENGTH)),
                    None => n,
                }
            })
            .collect();
        let field = if program.field(decl, "medium").and_then(|f| f.set().map(|_| ())).is_some() { "medium" } else { "endpoints" };
        self.net.diagnostics.push(
            Diagnostic::error(
                codes::E0604,
                format!(
                    "{} cable{} of fabric `{name}` {} longer than any medium reaches; the longest is {}",
                    group_thousands(u128::from(count)),
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "is" } else { "are" },
                    format_quantity(length, crate::units::Dim::LENGTH)
                ),
                Label { message: "the cables of this fabric".into(), ..self.error_at_field(decl, field) },
            )
            .with_note(format!("the longest runs from {} to {}", end_name(self.plant, &self.net, a), end_name(self.plant, &self.net, b)))
            .with_note(format!("media tried, with their reach: {}", names.join(", ")))
            .with_path(name.to_string())
            .with_help("move the switches closer (leaf_placement, spine_racks), or name a `medium` with more reach"),
        );
    }
}

/// The GPUs under an inference service's `placement`, in plant order; none when it has no
/// placement or the path selects nothing.
pub fn placement_gpus(plant: &Plant, decl: DeclId) -> Vec<InstanceId> {
    field_path(plant, decl, "placement")
        .and_then(|p| plant.select(&p).ok())
        .unwrap_or_default()
        .iter()
        .flat_map(|&s| plant.subtree(s))
        .filter(|&i| plant.kind(i) == Kind::Gpu)
        .collect()
}

/// The building that holds a fabric's top tier: where a path between separate fabrics
/// leaves it for a campus link.
pub fn fabric_building(plant: &Plant, net: &Network, fabric: u32) -> Option<InstanceId> {
    let top = net.fabrics.get(fabric as usize)?.switches.clone().next_back()?;
    let hall = match net.switches[top as usize].rack {
        RackRef::Plant(r) => plant.ancestor(r, Kind::Hall)?,
        RackRef::Generated(g) => net.racks.get(g as usize)?.hall,
    };
    plant.ancestor(hall, Kind::Building)
}

/// Every cable's label, `<fabric>-t<tier>-<nnnnnn>` numbered per fabric and tier in cable
/// order (the cabling plan prints them; simulator files refer to them).
pub fn cable_labels(net: &Network) -> Vec<String> {
    let mut counters: BTreeMap<(u32, u8), u32> = BTreeMap::new();
    net.cables
        .iter()
        .map(|c| {
            let n = counters.entry((c.fabric, c.tier)).or_insert(0);
            *n += 1;
            let fabric = net.fabrics.get(c.fabric as usize).map_or("", |f| f.name.as_str());
            format!("{fabric}-t{}-{:06}", c.tier, n)
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
pub fn switch_name(plant: &Plant, net: &Network, switch: u32) -> String {
    let s = net.switches[switch as usize];
    let fabric = &net.fabrics.get(s.fabric as usize).map_or(String::new(), |f| f.name.clone());
    let tier = TIER_NAMES[s.tier.min(2) as usize];
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

/// The fewest upper-tier switches of `radix` ports for `lower` switches with `up` uplinks
/// each, spread round-robin so that no upper switch gets more links than it has ports.
pub fn fewest_upper(lower: u32, up: u32, radix: u32) -> u32 {
    let least = (u64::from(lower) * u64::from(up)).div_ceil(u64::from(radix.max(1))).max(1) as u32;
    (least..=up.max(least)).find(|&s| u64::from(lower) * u64::from(up.div_ceil(s)) <= u64::from(radix)).unwrap_or(up.max(1))
}

/// Where the spine and core switches of one fabric go: the `spine_racks` in order, or
/// generated spine racks after the last row of the first leaf's hall.
struct SpineSlots {
    racks: Vec<(InstanceId, f64)>,
    room: f64,
    next: usize,
    needed_units: f64,
    overflow: bool,
    spine_path_span: Option<Label>,
    generated: Option<(InstanceId, u32)>,
    fabric: u32,
}

impl SpineSlots {
    fn new(g: &mut Generator<'_>, decl: DeclId, fabric: u32, leaves: &[u32]) -> SpineSlots {
        let plant = g.plant;
        let mut racks = Vec::new();
        let mut span = None;
        if let Some(path) = field_path(plant, decl, "spine_racks") {
            span = Some(Label::new(path.file, path.span, ""));
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
        let generated = leaves
            .first()
            .and_then(|&l| g.rack_loc(g.net.switches[l as usize].rack))
            .map(|loc| (loc.hall, plant.children(loc.hall).count() as u32));
        let room = racks.iter().map(|(_, free)| free).sum();
        SpineSlots { racks, room, next: 0, needed_units: 0.0, overflow: false, spine_path_span: span, generated, fabric }
    }

    fn place(&mut self, g: &mut Generator<'_>, ty: DeclId) -> RackRef {
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

    fn report(&self, g: &mut Generator<'_>, name: &str) {
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
