//! The cabling plan (ARTIFACTS.md, `OUT/cabling/`): NetBox bulk-import CSVs for sites,
//! locations, racks, device types, devices, interfaces and cables; the bill of materials;
//! and `plan.json` with every cable's ends, medium, optics, length and delay.
//!
//! Every file is written as a stream to any `Write`, in a fixed order (plant order, then
//! generated racks and switches, then cables in fabric order), so reruns are byte-identical.
//! Figures come from the network generator and the power budget; nothing is re-derived.
//! Every text field a spreadsheet could run as a formula is escaped ([`spreadsheet_safe`]).
//! docs/artifacts.md documents the columns, naming rules and the NetBox import order.

use fabric_core::inventory::{DeviceSource, Inventory, root_of, type_decl, type_name};
use fabric_core::network::{Cable, End, Network, RackRef};
use fabric_core::plant::{InstanceId, Plant};
use fabric_core::resolve::DeclId;
use fabric_core::schema::Kind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The `format` tag of plan.json.
pub const PLAN_FORMAT: &str = "fabric-cabling-plan/1";

/// Header of cables.csv, in ARTIFACTS.md's order.
pub const CABLES_HEADER: [&str; 11] = [
    "side_a_device",
    "side_a_type",
    "side_a_name",
    "side_b_device",
    "side_b_type",
    "side_b_name",
    "type",
    "status",
    "length",
    "length_unit",
    "label",
];

/// Escapes a text that a spreadsheet would run as a formula (one starting with `=`, `+`,
/// `-`, `@` or a tab) by putting a `'` before it (OWASP's advice). A carriage return, like
/// every other control character, is already written as `\u{d}` by `printable`.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // Control characters (from escapes in spec strings) are written as `\u{..}`.
    let text = fabric_core::diagnostic::printable(text);
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t') => format!("'{text}").into(),
        _ => text,
    }
}

pub use fabric_core::inventory::slug;

/// NetBox's interface type for a line rate in bits per second (OSFP form factors for
/// 400G and up, as NVIDIA's ConnectX-7/8 and Quantum/Spectrum-X switches use).
pub fn interface_type(rate_bps: Option<f64>) -> &'static str {
    match rate_bps.map(|r| (r / 1e9).round() as u64) {
        Some(1600) => "1.6tbase-x-osfp1600",
        Some(800) => "800gbase-x-osfp",
        Some(400) => "400gbase-x-osfp",
        Some(200) => "200gbase-x-qsfp56",
        Some(100) => "100gbase-x-qsfp28",
        Some(50) => "50gbase-x-sfp56",
        Some(25) => "25gbase-x-sfp28",
        Some(10) => "10gbase-x-sfpp",
        _ => "other",
    }
}

/// The cabling emitter over one checked spec.
pub struct Cabling<'a> {
    plant: &'a Plant,
    net: &'a Network,
    inv: &'a Inventory,
}

fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out)
}

fn number(value: f64) -> String {
    let text = format!("{value}");
    if text == "-0" { "0".into() } else { text }
}

fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl<'a> Cabling<'a> {
    /// An emitter over a plant, its network and its inventory.
    pub fn new(plant: &'a Plant, net: &'a Network, inv: &'a Inventory) -> Self {
        Cabling { plant, net, inv }
    }

    fn name(&self, decl: DeclId) -> String {
        self.plant.program.decl(decl).name.clone().unwrap_or_default()
    }

    fn text_field(&self, decl: DeclId, field: &str) -> String {
        self.plant.program.field(decl, field).and_then(|f| f.text().map(str::to_string)).unwrap_or_default()
    }

    /// The site's name, and a location's name: its path below the site (`b1.h1`).
    fn location_name(&self, id: InstanceId) -> String {
        let path = self.plant.path(id);
        match path.split_once('.') {
            Some((_, rest)) => rest.to_string(),
            None => path,
        }
    }

    /// `sites.csv`: one NetBox site per Fabric site.
    pub fn write_sites(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(["name", "slug", "status", "description"]).map_err(io_error)?;
        for &id in &self.inv.locations {
            if self.plant.kind(id) == Kind::Site {
                let name = self.plant.path(id);
                w.write_record([&*spreadsheet_safe(&name), &slug(&name), "planned", "Fabric site"]).map_err(io_error)?;
            }
        }
        w.flush()
    }

    /// `locations.csv`: every building, and every hall inside its building.
    pub fn write_locations(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(["site", "parent", "name", "slug", "status", "description"]).map_err(io_error)?;
        for &id in &self.inv.locations {
            let kind = self.plant.kind(id);
            if kind == Kind::Site {
                continue;
            }
            let parent = self.plant.get(id).parent.filter(|&p| self.plant.kind(p) != Kind::Site).map(|p| self.location_name(p));
            let name = self.location_name(id);
            w.write_record([
                &*spreadsheet_safe(&self.plant.path(root_of(self.plant, id))),
                &*spreadsheet_safe(parent.as_deref().unwrap_or("")),
                &*spreadsheet_safe(&name),
                &slug(&name),
                "planned",
                kind.name(),
            ])
            .map_err(io_error)?;
        }
        w.flush()
    }

    /// `racks.csv`: every rack of the plant, then every generated rack.
    pub fn write_racks(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(["site", "location", "name", "status", "width", "u_height", "facility_id", "description"]).map_err(io_error)?;
        for rack in &self.inv.racks {
            let hall_path = self.plant.path(rack.hall);
            let facility = rack.name.strip_prefix(&format!("{hall_path}.")).unwrap_or(&rack.name).to_string();
            let description = match rack.rack {
                RackRef::Plant(_) => format!("row {}, position {}", rack.row_index + 1, rack.position + 1),
                RackRef::Generated(g) => {
                    let fabric = self.net.fabrics.get(self.net.racks[g as usize].fabric.0 as usize).map_or("", |f| f.name.as_str());
                    format!("row {}, position {}, generated for fabric {fabric}", rack.row_index + 1, rack.position + 1)
                }
            };
            w.write_record([
                &*spreadsheet_safe(&self.plant.path(rack.site)),
                &*spreadsheet_safe(&self.location_name(rack.hall)),
                &*spreadsheet_safe(&rack.name),
                "planned",
                "19",
                &rack.units.to_string(),
                &*spreadsheet_safe(&facility),
                &description,
            ])
            .map_err(io_error)?;
        }
        w.flush()
    }

    /// `device_types.csv`: every device type used, by model name.
    pub fn write_device_types(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut types: BTreeMap<String, (DeclId, u32)> = BTreeMap::new();
        for d in &self.inv.devices {
            types.entry(type_name(self.plant, d.device_type)).or_insert((d.device_type, d.units));
        }
        let mut w = csv_writer(out);
        w.write_record(["manufacturer", "model", "slug", "u_height", "is_full_depth", "description"]).map_err(io_error)?;
        for (model, (decl, units)) in types {
            let program = &self.plant.program;
            let doc = program
                .decl(type_decl(self.plant, decl))
                .doc
                .as_deref()
                .and_then(|doc| doc.lines().next())
                .unwrap_or("")
                .trim()
                .to_string();
            w.write_record([
                &*spreadsheet_safe(&self.text_field(decl, "vendor")),
                &*spreadsheet_safe(&model),
                &slug(&model),
                &units.to_string(),
                "true",
                &*spreadsheet_safe(&doc),
            ])
            .map_err(io_error)?;
        }
        w.flush()
    }

    /// `devices.csv`: every server, tray and switch, with its rack and position.
    pub fn write_devices(&self, out: &mut dyn Write) -> io::Result<()> {
        let rack_index: std::collections::HashMap<RackRef, usize> = self.inv.racks.iter().enumerate().map(|(i, r)| (r.rack, i)).collect();
        let mut w = csv_writer(out);
        w.write_record([
            "name",
            "role",
            "manufacturer",
            "device_type",
            "status",
            "site",
            "location",
            "rack",
            "position",
            "face",
            "description",
        ])
        .map_err(io_error)?;
        for d in &self.inv.devices {
            let rack = rack_index.get(&d.rack).map(|&i| &self.inv.racks[i]);
            let (site, location, rack_name) = match rack {
                Some(r) => (self.plant.path(r.site), self.location_name(r.hall), r.name.clone()),
                None => (String::new(), String::new(), String::new()),
            };
            let description = match d.source {
                DeviceSource::Plant(_) => String::new(),
                DeviceSource::Switch(s) => {
                    let sw = self.net.switches[s];
                    let fabric = self.net.fabrics.get(sw.fabric.0 as usize).map_or("", |f| f.name.as_str());
                    let tier = sw.tier.name();
                    format!("fabric {fabric} {tier} {}", sw.number)
                }
            };
            let position = d.position_u.map(|p| p.to_string()).unwrap_or_default();
            w.write_record([
                &*spreadsheet_safe(&d.name),
                d.role,
                &*spreadsheet_safe(&self.text_field(d.device_type, "vendor")),
                &*spreadsheet_safe(&type_name(self.plant, d.device_type)),
                "planned",
                &*spreadsheet_safe(&site),
                &*spreadsheet_safe(&location),
                &*spreadsheet_safe(&rack_name),
                &position,
                if d.position_u.is_some() { "front" } else { "" },
                &*spreadsheet_safe(&description),
            ])
            .map_err(io_error)?;
        }
        w.flush()
    }

    fn end_rate(&self, end: End) -> Option<f64> {
        let program = &self.plant.program;
        match end {
            End::Nic { nic, .. } => program.field(self.plant.get(nic).decl, "speed").and_then(|f| f.number()),
            End::Switch { switch, .. } => program.field(self.net.switches[switch].ty, "port_speed").and_then(|f| f.number()),
        }
    }

    /// `interfaces.csv`: every cabled port, device by device.
    pub fn write_interfaces(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut rows: Vec<((u32, u32, u32), String, &'static str)> = Vec::with_capacity(self.net.cables.len() * 2);
        for cable in &self.net.cables {
            for end in [cable.a, cable.b] {
                let Some((device, name)) = self.inv.end(self.plant, end) else { continue };
                let key = match end {
                    End::Nic { nic, port } => (device, nic.0, u32::from(port)),
                    End::Switch { port, .. } => (device, 0, port),
                };
                rows.push((key, name, interface_type(self.end_rate(end))));
            }
        }
        rows.sort_by_key(|r| r.0);
        let mut w = csv_writer(out);
        w.write_record(["device", "name", "type", "enabled"]).map_err(io_error)?;
        for ((device, _, _), name, ty) in rows {
            w.write_record([&*spreadsheet_safe(&self.inv.devices[device as usize].name), &*spreadsheet_safe(&name), ty, "true"])
                .map_err(io_error)?;
        }
        w.flush()
    }

    fn labels(&self) -> Vec<String> {
        fabric_core::network::cable_labels(self.net)
    }

    fn cable_type(&self, cable: &Cable) -> String {
        let decl = self.net.media[cable.medium as usize].decl;
        self.plant.program.field(decl, "cable_type").and_then(|f| f.text().map(|t| t.replace('_', "-"))).unwrap_or_default()
    }

    /// `cables.csv`: one row per cable, in NetBox's cable import format.
    pub fn write_cables(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv_writer(out);
        w.write_record(CABLES_HEADER).map_err(io_error)?;
        for (cable, label) in self.net.cables.iter().zip(self.labels()) {
            let (Some((a_dev, a_name)), Some((b_dev, b_name))) = (self.inv.end(self.plant, cable.a), self.inv.end(self.plant, cable.b))
            else {
                continue;
            };
            w.write_record([
                &*spreadsheet_safe(&self.inv.devices[a_dev as usize].name),
                "dcim.interface",
                &*spreadsheet_safe(&a_name),
                &*spreadsheet_safe(&self.inv.devices[b_dev as usize].name),
                "dcim.interface",
                &*spreadsheet_safe(&b_name),
                &self.cable_type(cable),
                "planned",
                &number(cable.length_m),
                "m",
                &*spreadsheet_safe(&label),
            ])
            .map_err(io_error)?;
        }
        w.flush()
    }

    /// `bom.csv`: every part with its count, unit power and total power. Rows: racks, nodes,
    /// GPUs, CPUs, NICs and switches by type, transceivers by type, cables by medium and
    /// stocked length. The total power column adds up to the report's IT power.
    pub fn write_bom(&self, out: &mut dyn Write) -> io::Result<()> {
        let program = &self.plant.program;
        // (kind order, kind, part, length in mm) → (count, unit power).
        type Key = (u8, &'static str, String, u64);
        let mut rows: BTreeMap<Key, (u64, Option<f64>)> = BTreeMap::new();
        let order = |kind: Kind| -> u8 {
            match kind {
                Kind::Rack => 0,
                Kind::Node => 1,
                Kind::Gpu => 2,
                Kind::Cpu => 3,
                Kind::Nic => 4,
                Kind::Switch => 5,
                _ => 9,
            }
        };
        let mut power_of: BTreeMap<DeclId, Option<f64>> = BTreeMap::new();
        let mut power = |decl: DeclId| *power_of.entry(decl).or_insert_with(|| program.field(decl, "power").and_then(|f| f.number()));
        for inst in &self.plant.instances {
            let kind = program.decl(inst.decl).kind;
            let own = power(inst.decl);
            if order(kind) == 9 && own.is_none() {
                continue;
            }
            let e = rows.entry((order(kind), kind.name(), type_name(self.plant, inst.decl), 0)).or_insert((0, own));
            e.0 += 1;
        }
        for rack in &self.net.racks {
            let fabric = self.net.fabrics.get(rack.fabric.0 as usize).map_or("", |f| f.name.as_str());
            let e = rows.entry((0, "rack", format!("network rack (generated for {fabric})"), 0)).or_insert((0, None));
            e.0 += 1;
        }
        for sw in &self.net.switches {
            let e = rows.entry((5, "switch", self.name(sw.ty), 0)).or_insert((0, power(sw.ty)));
            e.0 += 1;
        }
        for cable in &self.net.cables {
            let medium = self.net.media[cable.medium as usize];
            if let Some(optic) = medium.optic.map(|o| self.net.optics[o as usize]) {
                let ends = u64::from(cable.optic_a) + u64::from(cable.optic_b);
                if ends > 0 {
                    rows.entry((6, "transceiver", self.name(optic.decl), 0)).or_insert((0, optic.power_w)).0 += ends;
                }
            }
            let unit = medium.end_power_w.map_or(0.0, |w| 2.0 * w);
            let mm = (cable.length_m * 1000.0).round() as u64;
            rows.entry((7, "cable", self.name(medium.decl), mm)).or_insert((0, Some(unit))).0 += 1;
        }
        let mut w = csv_writer(out);
        w.write_record(["part", "kind", "length_m", "count", "unit_power_w", "total_power_w"]).map_err(io_error)?;
        for ((_, kind, part, mm), (count, unit)) in rows {
            let length = if kind == "cable" { number(mm as f64 / 1000.0) } else { String::new() };
            let (unit_text, total_text) = match unit {
                Some(u) => (number(u), number(u * count as f64)),
                None => (String::new(), String::new()),
            };
            w.write_record([&*spreadsheet_safe(&part), kind, &length, &count.to_string(), &unit_text, &total_text]).map_err(io_error)?;
        }
        w.flush()
    }

    /// `plan.json`: every cable with both ends, medium, transceivers, length and delay, one
    /// cable per line.
    pub fn write_plan(&self, out: &mut dyn Write) -> io::Result<()> {
        #[derive(Serialize)]
        struct PlanEnd<'x> {
            device: &'x str,
            interface: String,
            instance: String,
            transceiver: Option<String>,
        }
        #[derive(Serialize)]
        struct PlanCable<'x> {
            label: &'x str,
            fabric: &'x str,
            tier: u8,
            a: PlanEnd<'x>,
            b: PlanEnd<'x>,
            medium: String,
            cable_type: Option<String>,
            length_m: f64,
            propagation_delay_s: Option<f64>,
            transceiver_latency_s: Option<f64>,
            latency_s: Option<f64>,
            campus_link: Option<String>,
        }
        let mut out = io::BufWriter::new(out);
        writeln!(out, "{{\"format\":\"{PLAN_FORMAT}\",\"cables\":[")?;
        let labels = self.labels();
        let mut first = true;
        for (cable, label) in self.net.cables.iter().zip(&labels) {
            let (Some((a_dev, a_name)), Some((b_dev, b_name))) = (self.inv.end(self.plant, cable.a), self.inv.end(self.plant, cable.b))
            else {
                continue;
            };
            let medium = self.net.media[cable.medium as usize];
            let optic = medium.optic.map(|o| self.net.optics[o as usize]);
            let optic_name = optic.map(|o| self.name(o.decl));
            let end = |device: u32, interface: String, end: End, has_optic: bool| PlanEnd {
                device: &self.inv.devices[device as usize].name,
                interface,
                instance: match end {
                    End::Nic { nic, .. } => self.plant.path(nic),
                    End::Switch { switch, .. } => self.inv.devices[self.inv.switch_device[switch.0 as usize] as usize].name.clone(),
                },
                transceiver: if has_optic { optic_name.clone() } else { None },
            };
            let propagation = medium.delay_s_per_m.map(|d| d * cable.length_m);
            let ends = u32::from(cable.optic_a) + u32::from(cable.optic_b);
            let transceiver_latency = if ends == 0 { Some(0.0) } else { optic.and_then(|o| o.latency_s).map(|l| l * f64::from(ends)) };
            let cable_type = self.cable_type(cable);
            let record = PlanCable {
                label,
                fabric: self.net.fabrics.get(cable.fabric.0 as usize).map_or("", |f| f.name.as_str()),
                tier: cable.tier.index(),
                a: end(a_dev, a_name, cable.a, cable.optic_a),
                b: end(b_dev, b_name, cable.b, cable.optic_b),
                medium: self.name(medium.decl),
                cable_type: (!cable_type.is_empty()).then_some(cable_type),
                length_m: cable.length_m,
                propagation_delay_s: propagation,
                transceiver_latency_s: transceiver_latency,
                latency_s: propagation.zip(transceiver_latency).map(|(p, t)| p + t),
                campus_link: cable.link.and_then(|l| self.net.links.get(l as usize)).map(|l| self.plant.path(l.instance)),
            };
            if !first {
                out.write_all(b",\n")?;
            }
            first = false;
            serde_json::to_writer(&mut out, &record)?;
        }
        out.write_all(b"\n]}\n")?;
        out.flush()
    }
}
