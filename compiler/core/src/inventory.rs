//! The physical inventory as a DCIM tool (NetBox) sees it: sites, locations (buildings and
//! halls), racks with their place in the row, devices (servers, trays and switches) with
//! their rack, position, role and device type, and the interface behind every cable end.
//!
//! Computed once from the plant and the generated network, read by the name checks
//! (E0801) and by the cabling emitter. Naming rules (docs/artifacts.md):
//! - a device, rack or location is named by its canonical path, so names are unique across
//!   sites and stable while the spec's structure is;
//! - a device is a `node` or `switch` placed directly in a rack, or a generated switch;
//!   what sits inside a node (GPUs, CPUs, NICs, superchips) belongs to that device;
//! - a NIC port's interface is the NIC's path inside its device and the port (`nic[2]/1`);
//!   a generated switch's port is `p<port>` (`p17`);
//! - devices stack from U1 upwards in declaration order, generated switches after the
//!   plant's own devices; a device of 0 U has no position.

use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::{End, Network, RackRef, SwitchId, rack_name, switch_name};
use crate::plant::{InstanceId, Plant};
use crate::resolve::DeclId;
use crate::schema::Kind;
use std::collections::HashMap;

/// Longest device name NetBox stores (`Device.name`, 64 characters).
pub const MAX_DEVICE_NAME: usize = 64;
/// Longest rack or location name NetBox stores (100 characters).
pub const MAX_RACK_NAME: usize = 100;

/// What a device is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeviceSource {
    /// A node or switch of the plant.
    Plant(InstanceId),
    /// A generated fabric switch, an index into [`Network::switches`].
    Switch(SwitchId),
}

/// One device: a server, tray or switch that takes rack space.
#[derive(Clone, PartialEq, Debug)]
pub struct Device {
    /// Where it comes from.
    pub source: DeviceSource,
    /// Its canonical path, its NetBox name.
    pub name: String,
    /// Its NetBox device role (`gpu-server`, `server`, `nvlink-switch`, `switch`, `leaf-switch`, …).
    pub role: &'static str,
    /// Its type's declaration (the NetBox device type model).
    pub device_type: DeclId,
    /// Its rack.
    pub rack: RackRef,
    /// Its lowest rack unit, from 1; `None` for a 0 U device.
    pub position_u: Option<u32>,
    /// Rack units it takes.
    pub units: u32,
}

/// One rack, of the plant or generated.
#[derive(Clone, PartialEq, Debug)]
pub struct RackEntry {
    /// The rack.
    pub rack: RackRef,
    /// Its canonical path, its NetBox name.
    pub name: String,
    /// Its site.
    pub site: InstanceId,
    /// Its hall.
    pub hall: InstanceId,
    /// Its row's index in the hall, from 0.
    pub row_index: u32,
    /// Its place in the row, from 0.
    pub position: u32,
    /// Its height in rack units.
    pub units: u32,
}

/// The inventory of a spec.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Inventory {
    /// Every device: the plant's in plant order, then the generated switches.
    pub devices: Vec<Device>,
    /// Every rack: the plant's in plant order, then the generated ones.
    pub racks: Vec<RackEntry>,
    /// Every site, building and hall (the NetBox site and its locations), in plant order.
    pub locations: Vec<InstanceId>,
    /// The device of each plant node or switch that is one.
    pub device_of: HashMap<InstanceId, u32>,
    /// The device of each generated switch.
    pub switch_device: Vec<u32>,
    /// Names NetBox would refuse.
    pub diagnostics: Vec<Diagnostic>,
}

impl Inventory {
    /// The device that holds plant instance `id` (itself, or the node it is part of).
    pub fn holder(&self, plant: &Plant, id: InstanceId) -> Option<u32> {
        let mut current = Some(id);
        while let Some(c) = current {
            if let Some(&d) = self.device_of.get(&c) {
                return Some(d);
            }
            current = plant.get(c).parent;
        }
        None
    }

    /// The device and interface name of a cable end.
    pub fn end(&self, plant: &Plant, end: End) -> Option<(u32, String)> {
        match end {
            End::Switch { switch, port } => Some((*self.switch_device.get(switch.0 as usize)?, format!("p{port}"))),
            End::Nic { nic, port } => {
                let device = self.holder(plant, nic)?;
                let DeviceSource::Plant(holder) = self.devices[device as usize].source else { return None };
                let mut parts = Vec::new();
                let mut current = Some(nic);
                while let Some(c) = current.filter(|&c| c != holder) {
                    parts.push(plant.name(c));
                    current = plant.get(c).parent;
                }
                parts.reverse();
                Some((device, format!("{}/{port}", parts.join("."))))
            }
        }
    }
}

/// The declaration that names a device's type: a top-level type itself, or for an instance
/// declared with a type (`node tray[1..18]: GB200_ComputeTray`) that type.
pub fn type_decl(plant: &Plant, decl: DeclId) -> DeclId {
    let d = plant.program.decl(decl);
    if d.parent.is_some() { d.base.unwrap_or(decl) } else { decl }
}

/// The NetBox name of a type (see [`type_decl`]).
pub fn type_name(plant: &Plant, decl: DeclId) -> String {
    let program = &plant.program;
    program.decl(type_decl(plant, decl)).name.clone().unwrap_or_else(|| program.decl(decl).kind.name().to_string())
}

fn units_of(plant: &Plant, decl: DeclId) -> u32 {
    plant.program.field(decl, "units").and_then(|f| f.number()).unwrap_or(1.0).max(0.0).round() as u32
}

/// Builds the inventory of a plant and its network.
pub fn build(plant: &Plant, network: &Network) -> Inventory {
    let mut inv = Inventory::default();
    let mut next_u: HashMap<InstanceId, u32> = HashMap::new();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        let kind = plant.kind(id);
        match kind {
            Kind::Site | Kind::Building | Kind::Hall => inv.locations.push(id),
            Kind::Rack => {
                let Some(pos) = plant.rack_position(id) else { continue };
                inv.racks.push(RackEntry {
                    rack: RackRef::Plant(id),
                    name: plant.path(id),
                    site: root_of(plant, id),
                    hall: pos.hall,
                    row_index: pos.row_index,
                    position: pos.position,
                    units: plant.field(id, "units").and_then(|f| f.number()).unwrap_or(48.0).round() as u32,
                });
            }
            Kind::Node | Kind::Switch => {
                let Some(rack) = plant.get(id).parent.filter(|&p| plant.kind(p) == Kind::Rack) else { continue };
                let decl = plant.get(id).decl;
                let units = units_of(plant, decl);
                let position_u = place(&mut next_u, rack, units);
                let role = if kind == Kind::Switch {
                    if plant.field(rack, "nvlink_domain").and_then(|f| f.boolean()).unwrap_or(false) { "nvlink-switch" } else { "switch" }
                } else if plant.subtree(id).any(|c| plant.kind(c) == Kind::Gpu) {
                    "gpu-server"
                } else {
                    "server"
                };
                inv.device_of.insert(id, inv.devices.len() as u32);
                inv.devices.push(Device {
                    source: DeviceSource::Plant(id),
                    name: plant.path(id),
                    role,
                    device_type: decl,
                    rack: RackRef::Plant(rack),
                    position_u,
                    units,
                });
            }
            _ => {}
        }
    }
    for (g, rack) in network.racks.iter().enumerate() {
        inv.racks.push(RackEntry {
            rack: RackRef::Generated(g as u32),
            name: rack_name(plant, network, RackRef::Generated(g as u32)),
            site: root_of(plant, rack.hall),
            hall: rack.hall,
            row_index: rack.row_index,
            position: rack.position,
            units: rack.units.round() as u32,
        });
    }
    let mut next_generated: HashMap<u32, u32> = HashMap::new();
    for (s, sw) in network.switches.iter().enumerate() {
        let units = units_of(plant, sw.ty);
        let position_u = match sw.rack {
            RackRef::Plant(r) => place(&mut next_u, r, units),
            RackRef::Generated(g) => {
                let next = next_generated.entry(g).or_insert(1);
                let at = *next;
                *next += units;
                (units > 0).then_some(at)
            }
        };
        inv.switch_device.push(inv.devices.len() as u32);
        inv.devices.push(Device {
            source: DeviceSource::Switch(SwitchId(s as u32)),
            name: switch_name(plant, network, SwitchId(s as u32)),
            role: ["leaf-switch", "spine-switch", "core-switch"][sw.tier.index() as usize],
            device_type: sw.ty,
            rack: sw.rack,
            position_u,
            units,
        });
    }
    check_names(plant, network, &mut inv);
    check_slugs(plant, &mut inv);
    inv
}

fn place(next_u: &mut HashMap<InstanceId, u32>, rack: InstanceId, units: u32) -> Option<u32> {
    let next = next_u.entry(rack).or_insert(1);
    let at = *next;
    *next += units;
    (units > 0).then_some(at)
}

/// The top-level instance (the site) that holds `id`.
pub fn root_of(plant: &Plant, id: InstanceId) -> InstanceId {
    let mut current = id;
    while let Some(p) = plant.get(current).parent {
        current = p;
    }
    current
}

/// A NetBox slug: lower-case letters, digits and single `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// E0805: names that differ only in case or punctuation become one NetBox slug (sites;
/// locations within a site; device types), so NetBox would refuse the second or merge them.
fn check_slugs(plant: &Plant, inv: &mut Inventory) {
    let program = &plant.program;
    // (namespace, slug) → the first (name, declaration) that took it.
    let mut taken: std::collections::BTreeMap<(String, String), (String, DeclId)> = std::collections::BTreeMap::new();
    let mut reported: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    let mut entries: Vec<(String, String, DeclId, &'static str)> = Vec::new();
    for &id in &inv.locations {
        let path = plant.path(id);
        let decl = plant.get(id).decl;
        match plant.kind(id) {
            Kind::Site => entries.push(("sites".into(), path, decl, "site")),
            _ => {
                let site = plant.path(root_of(plant, id));
                let name = path.split_once('.').map_or(path.clone(), |(_, rest)| rest.to_string());
                entries.push((format!("locations of site {site}"), name, decl, "location"));
            }
        }
    }
    let mut types: std::collections::BTreeMap<String, DeclId> = std::collections::BTreeMap::new();
    for d in &inv.devices {
        types.entry(type_name(plant, d.device_type)).or_insert(type_decl(plant, d.device_type));
    }
    entries.extend(types.into_iter().map(|(model, decl)| ("device types".to_string(), model, decl, "device type")));
    for (namespace, name, decl, what) in entries {
        let key = (namespace.clone(), slug(&name));
        match taken.get(&key) {
            None => {
                taken.insert(key, (name, decl));
            }
            Some((first, first_decl)) if *first != name && reported.insert(key.clone()) => {
                let (here, there) = (program.decl(decl), program.decl(*first_decl));
                inv.diagnostics.push(
                    Diagnostic::error(
                        codes::E0805,
                        format!("the {what} names `{first}` and `{name}` become the same NetBox slug `{}`", key.1),
                        Label::new(here.file, here.name_span, format!("`{name}`")),
                    )
                    .with_label(Label::new(there.file, there.name_span, format!("`{first}`")))
                    .with_note(format!("NetBox keeps {namespace} apart by slug: lower case, with every run of other characters one `-`"))
                    .with_path(name.clone())
                    .with_help("rename one of them so that they differ in more than case or punctuation"),
                );
            }
            Some(_) => {}
        }
    }
}

/// E0801: names longer than NetBox stores. One diagnostic per declaration (an array of
/// 10,000 racks with long names is one mistake), with the longest name as its example.
fn check_names(plant: &Plant, network: &Network, inv: &mut Inventory) {
    let program = &plant.program;
    // Declaration → (longest name, how many names are too long, limit, what).
    let mut long: std::collections::BTreeMap<DeclId, (String, usize, usize, &'static str)> = std::collections::BTreeMap::new();
    let mut note = |decl: DeclId, name: &str, limit: usize, what: &'static str| {
        if name.chars().count() > limit {
            let e = long.entry(decl).or_insert((String::new(), 0, limit, what));
            e.1 += 1;
            if name.len() > e.0.len() {
                e.0 = name.to_string();
            }
        }
    };
    for device in &inv.devices {
        let decl = match device.source {
            DeviceSource::Plant(id) => plant.get(id).decl,
            DeviceSource::Switch(s) => {
                let fabric = network.switches[s].fabric;
                match network.fabrics.get(fabric.0 as usize) {
                    Some(f) => plant.get(f.instance).decl,
                    None => continue,
                }
            }
        };
        note(decl, &device.name, MAX_DEVICE_NAME, "device");
    }
    for rack in &inv.racks {
        let decl = match rack.rack {
            RackRef::Plant(id) => plant.get(id).decl,
            RackRef::Generated(g) => match network.fabrics.get(network.racks[g as usize].fabric.0 as usize) {
                Some(f) => plant.get(f.instance).decl,
                None => continue,
            },
        };
        note(decl, &rack.name, MAX_RACK_NAME, "rack");
    }
    for (decl, (example, count, limit, what)) in long {
        let d = program.decl(decl);
        let chars = example.chars().count();
        inv.diagnostics.push(
            Diagnostic::error(
                codes::E0801,
                format!(
                    "{count} {what} name{} from here {} longer than NetBox's {limit} characters",
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "is" } else { "are" }
                ),
                Label::new(d.file, d.name_span, format!("`{example}` has {chars} characters")),
            )
            .with_note(format!("a {what} is named by its canonical path in the cabling plan, so that names are unique across the site"))
            .with_path(example)
            .with_help("shorten the names along this path (site, building, hall, row, rack or node names)"),
        );
    }
}

/// The query: the devices, racks and locations a DCIM tool sees. The gated entry point is
/// [`crate::pipeline::inventory`].
#[salsa::tracked]
pub fn inventory(db: &dyn salsa::Database, project: crate::source::Project) -> std::sync::Arc<Inventory> {
    std::sync::Arc::new(build(crate::plant::plant(db, project), crate::network::network(db, project)))
}
