//! `fabric diff OLD NEW` (LANGUAGE.md 8.5): what two specs build, compared. Instances,
//! racks, switches and cables added or removed (a cable is identified by its two ends),
//! totals by medium, transceivers and power at every level, each service's and training
//! job's figures before and after, and the Kubernetes objects that change. Nothing is
//! written to disk.

use crate::Checked;
use fabric_core::schema::Kind;
use fabric_core::units::{Dim, format_quantity, group_thousands};
use fabric_emit::Part;
use fabric_emit::report::Report;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The format tag of `fabric diff --format json`.
pub const FORMAT: &str = "fabric-diff/1";

/// What one spec builds, in comparable form.
struct Built {
    /// Every plant instance's canonical path, by kind name.
    instances: BTreeMap<String, &'static str>,
    /// Every rack, generated ones included.
    racks: BTreeSet<String>,
    /// Every switch device, generated ones included.
    switches: BTreeSet<String>,
    /// Every fabric cable by its two ends (`device:interface`, sorted), with its medium.
    cables: BTreeMap<(String, String), String>,
    /// The report.
    report: Report,
    /// Every Kubernetes object by `Kind namespace/name`, with its YAML.
    k8s: BTreeMap<String, String>,
}

fn built(checked: &Checked) -> Built {
    let (db, project) = (&checked.db, checked.project);
    let plant = fabric_core::plant::plant(db, project);
    let net = fabric_core::pipeline::network(db, project);
    let inv = fabric_core::pipeline::inventory(db, project);
    let instances = (0..plant.instances.len())
        .map(|i| fabric_core::plant::InstanceId(i as u32))
        .filter(|&i| {
            matches!(
                plant.kind(i),
                Kind::Site
                    | Kind::Building
                    | Kind::Hall
                    | Kind::Row
                    | Kind::Rack
                    | Kind::Node
                    | Kind::Gpu
                    | Kind::Cpu
                    | Kind::Nic
                    | Kind::Switch
            )
        })
        .map(|i| (plant.path(i), plant.kind(i).name()))
        .collect();
    let racks = inv.racks.iter().map(|r| r.name.clone()).collect();
    let switches = inv.devices.iter().filter(|d| d.role.contains("switch")).map(|d| d.name.clone()).collect();
    let mut cables = BTreeMap::new();
    for cable in &net.cables {
        let (Some((a, ai)), Some((b, bi))) = (inv.end(plant, cable.a), inv.end(plant, cable.b)) else { continue };
        let a = format!("{}:{ai}", inv.devices[a as usize].name);
        let b = format!("{}:{bi}", inv.devices[b as usize].name);
        let medium = net.media.get(cable.medium as usize).and_then(|m| plant.program.decl(m.decl).name.clone()).unwrap_or_default();
        cables.insert(if a <= b { (a, b) } else { (b, a) }, medium);
    }
    let mut k8s = BTreeMap::new();
    for file in
        fabric_emit::artifacts(db, project, &[Part::K8s]).into_iter().filter(|f| f.starts_with("k8s/") && f != "k8s/kustomization.yaml")
    {
        let mut text = Vec::new();
        if fabric_emit::write(db, project, &file, &mut text).is_err() {
            continue;
        }
        for doc in String::from_utf8_lossy(&text).split("\n---\n") {
            let body: String = doc.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
            let field = |key: &str| body.lines().find_map(|l| l.strip_prefix(key)).map(|v| v.trim().to_string());
            let (Some(kind), Some(name)) = (field("kind: "), field("  name: ")) else { continue };
            let namespace = field("  namespace: ").unwrap_or_default();
            k8s.insert(format!("{kind} {namespace}/{name}"), body);
        }
    }
    Built { instances, racks, switches, cables, report: fabric_emit::report::build(db, project), k8s }
}

/// A number before and after.
#[derive(Clone, Copy, PartialEq, Debug, Serialize)]
pub struct Change {
    /// In OLD (`null` where OLD lacks it).
    pub old: Option<f64>,
    /// In NEW.
    pub new: Option<f64>,
}

/// What was added and removed of one kind of thing.
#[derive(Clone, PartialEq, Debug, Default, Serialize)]
pub struct Set {
    /// In NEW only.
    pub added: Vec<String>,
    /// In OLD only.
    pub removed: Vec<String>,
}

/// One entity's power before and after.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct PowerChange {
    /// Its canonical path.
    pub path: String,
    /// IT power in watts.
    pub it_power_w: Change,
    /// Its power limit in NEW, in watts.
    pub power_limit_w: Option<f64>,
}

/// One figure of a service or training job that changed.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct FigureChange {
    /// The service or job.
    pub name: String,
    /// The report.json key (dotted below the object).
    pub key: String,
    /// In OLD (`null` where absent).
    pub old: serde_json::Value,
    /// In NEW.
    pub new: serde_json::Value,
}

/// The comparison of two specs.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Diff {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// Plant instances by kind (`rack`, `node`, `gpu`, …).
    pub instances: BTreeMap<String, Set>,
    /// Racks, generated ones included.
    pub racks: Set,
    /// Switches, generated ones included.
    pub switches: Set,
    /// Cables, each `A end <-> B end (medium)`.
    pub cables: Set,
    /// Cables by medium.
    pub cables_by_medium: BTreeMap<String, Change>,
    /// Pluggable transceivers.
    pub transceivers: Change,
    /// Site IT power, watts.
    pub it_power_w: Change,
    /// Facility power, watts.
    pub facility_power_w: Change,
    /// Every site, building, hall, row and limited rack whose IT power changed.
    pub power: Vec<PowerChange>,
    /// Service figures that changed.
    pub services: Vec<FigureChange>,
    /// Training job figures that changed.
    pub training: Vec<FigureChange>,
    /// Failure scenarios whose verdict changed: whether the spec holds, GPUs lost, what
    /// failed (the worst, for `fail_any`), and the codes it reports.
    pub scenarios: Vec<FigureChange>,
    /// Kubernetes objects, each `Kind namespace/name`; `changed` lists those in both whose YAML differs.
    pub k8s: Set,
    /// Kubernetes objects in both that differ.
    pub k8s_changed: Vec<String>,
}

impl Diff {
    /// Whether the two specs build the same.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
            && [&self.racks, &self.switches, &self.cables, &self.k8s].iter().all(|s| s.added.is_empty() && s.removed.is_empty())
            && self.cables_by_medium.is_empty()
            && self.transceivers.old == self.transceivers.new
            && self.it_power_w.old == self.it_power_w.new
            && self.facility_power_w.old == self.facility_power_w.new
            && self.power.is_empty()
            && self.services.is_empty()
            && self.training.is_empty()
            && self.scenarios.is_empty()
            && self.k8s_changed.is_empty()
    }
}

fn set<T: Ord + Clone>(old: &BTreeSet<T>, new: &BTreeSet<T>, show: impl Fn(&T) -> String) -> Set {
    Set { added: new.difference(old).map(&show).collect(), removed: old.difference(new).map(&show).collect() }
}

/// Flattens a JSON object into `key.path` → value (arrays kept whole).
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// The figures of every named object of a report array that differ between OLD and NEW.
fn figures<T: Serialize>(old: &[T], new: &[T]) -> Vec<FigureChange> {
    let by_name = |items: &[T]| -> BTreeMap<String, BTreeMap<String, serde_json::Value>> {
        items
            .iter()
            .filter_map(|item| serde_json::to_value(item).ok())
            .map(|v| {
                let name = v.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
                let mut flat = BTreeMap::new();
                flatten("", &v, &mut flat);
                flat.remove("name");
                (name, flat)
            })
            .collect()
    };
    let (old, new) = (by_name(old), by_name(new));
    let mut out = Vec::new();
    for name in old.keys().chain(new.keys()).collect::<BTreeSet<_>>() {
        let (a, b) = (old.get(name), new.get(name));
        let keys: BTreeSet<&String> = a.into_iter().chain(b).flat_map(|m| m.keys()).collect();
        for key in keys {
            let before = a.and_then(|m| m.get(key)).cloned().unwrap_or(serde_json::Value::Null);
            let after = b.and_then(|m| m.get(key)).cloned().unwrap_or(serde_json::Value::Null);
            if before != after {
                out.push(FigureChange { name: name.clone(), key: key.clone(), old: before, new: after });
            }
        }
    }
    out
}

/// A scenario's verdict, what `fabric diff` compares of it.
#[derive(Serialize)]
struct Verdict<'a> {
    name: &'a str,
    holds: bool,
    gpus_lost: u64,
    failed: &'a [String],
    codes: Vec<&'static str>,
}

fn verdicts(scenarios: &[fabric_emit::report::ScenarioReport]) -> Vec<Verdict<'_>> {
    scenarios
        .iter()
        .map(|s| Verdict {
            name: &s.name,
            holds: s.holds,
            gpus_lost: s.gpus_lost,
            failed: &s.failed,
            codes: s.diagnostics.iter().map(|d| d.code).collect(),
        })
        .collect()
}

/// Compares what two checked specs build.
pub fn diff(old: &Checked, new: &Checked) -> Diff {
    let (a, b) = (built(old), built(new));
    let mut instances = BTreeMap::new();
    let kinds: BTreeSet<&str> = a.instances.values().chain(b.instances.values()).copied().collect();
    for kind in kinds {
        let of = |m: &BTreeMap<String, &'static str>| -> BTreeSet<String> {
            m.iter().filter(|(_, k)| **k == kind).map(|(p, _)| p.clone()).collect()
        };
        let s = set(&of(&a.instances), &of(&b.instances), String::clone);
        if !s.added.is_empty() || !s.removed.is_empty() {
            instances.insert(kind.to_string(), s);
        }
    }
    let cable_set = |m: &BTreeMap<(String, String), String>| -> BTreeSet<String> {
        m.iter().map(|((x, y), medium)| format!("{x} <-> {y} ({medium})")).collect()
    };
    let mut cables_by_medium = BTreeMap::new();
    let count = |m: &BTreeMap<(String, String), String>, medium: &str| m.values().filter(|v| *v == medium).count() as f64;
    for medium in a.cables.values().chain(b.cables.values()).collect::<BTreeSet<_>>() {
        let (x, y) = (count(&a.cables, medium), count(&b.cables, medium));
        if x != y {
            cables_by_medium.insert(medium.clone(), Change { old: Some(x), new: Some(y) });
        }
    }
    let old_power: BTreeMap<&str, f64> = a.report.entities.iter().map(|e| (e.path.as_str(), e.it_power_w)).collect();
    let mut power = Vec::new();
    for e in &b.report.entities {
        let before = old_power.get(e.path.as_str()).copied();
        if before != Some(e.it_power_w) {
            power.push(PowerChange {
                path: e.path.clone(),
                it_power_w: Change { old: before, new: Some(e.it_power_w) },
                power_limit_w: e.power_limit_w,
            });
        }
    }
    let new_paths: BTreeSet<&str> = b.report.entities.iter().map(|e| e.path.as_str()).collect();
    for e in a.report.entities.iter().filter(|e| !new_paths.contains(e.path.as_str())) {
        power.push(PowerChange { path: e.path.clone(), it_power_w: Change { old: Some(e.it_power_w), new: None }, power_limit_w: None });
    }
    let keys = |m: &BTreeMap<String, String>| -> BTreeSet<String> { m.keys().cloned().collect() };
    let k8s_changed = a.k8s.iter().filter(|(k, v)| b.k8s.get(*k).is_some_and(|w| w != *v)).map(|(k, _)| k.clone()).collect();
    Diff {
        format: FORMAT,
        instances,
        racks: set(&a.racks, &b.racks, String::clone),
        switches: set(&a.switches, &b.switches, String::clone),
        cables: set(&cable_set(&a.cables), &cable_set(&b.cables), String::clone),
        cables_by_medium,
        transceivers: Change { old: Some(a.report.totals.transceivers as f64), new: Some(b.report.totals.transceivers as f64) },
        it_power_w: Change { old: Some(a.report.totals.it_power_w), new: Some(b.report.totals.it_power_w) },
        facility_power_w: Change { old: Some(a.report.totals.facility_power_w), new: Some(b.report.totals.facility_power_w) },
        power,
        services: figures(&a.report.services, &b.report.services),
        training: figures(&a.report.training, &b.report.training),
        scenarios: figures(&verdicts(&a.report.scenarios), &verdicts(&b.report.scenarios)),
        k8s: set(&keys(&a.k8s), &keys(&b.k8s), String::clone),
        k8s_changed,
    }
}

fn signed(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "+" };
    format!("{sign}{}", group_thousands(u128::from(n.unsigned_abs())))
}

/// The summary a reviewer reads: one line of counts, then power, figures and Kubernetes.
pub fn human(d: &Diff) -> String {
    if d.is_empty() {
        return "no difference\n".to_string();
    }
    let mut parts = Vec::new();
    let net = |s: &Set| s.added.len() as i64 - s.removed.len() as i64;
    let plural = |n: i64, one: &str, many: &str| format!("{} {}", signed(n), if n.abs() == 1 { one } else { many });
    for (kind, one, many) in [("building", "building", "buildings"), ("hall", "hall", "halls"), ("row", "row", "rows")] {
        if let Some(s) = d.instances.get(kind).filter(|s| net(s) != 0) {
            parts.push(plural(net(s), one, many));
        }
    }
    if net(&d.racks) != 0 {
        parts.push(plural(net(&d.racks), "rack", "racks"));
    }
    for (kind, one, many) in [("node", "node", "nodes"), ("gpu", "GPU", "GPUs")] {
        if let Some(s) = d.instances.get(kind).filter(|s| net(s) != 0) {
            parts.push(plural(net(s), one, many));
        }
    }
    if net(&d.switches) != 0 {
        parts.push(plural(net(&d.switches), "switch", "switches"));
    }
    if net(&d.cables) != 0 {
        let media: Vec<&str> = d.cables_by_medium.keys().map(String::as_str).collect();
        parts.push(format!("{} ({})", plural(net(&d.cables), "cable", "cables"), media.join(", ")));
    }
    let mut out = String::new();
    if !parts.is_empty() {
        out.push_str(&parts.join(", "));
        out.push('\n');
    }
    let w = |x: f64| format_quantity(x, Dim::POWER);
    if let (Some(x), Some(y)) = (d.it_power_w.old, d.it_power_w.new)
        && x != y
    {
        out.push_str(&format!("IT power {}{} (now {})\n", if y >= x { "+" } else { "-" }, w((y - x).abs()), w(y)));
    }
    // Power by level: the largest changes first, at most 5.
    let mut power: Vec<&PowerChange> = d.power.iter().collect();
    let delta = |p: &PowerChange| p.it_power_w.new.unwrap_or(0.0) - p.it_power_w.old.unwrap_or(0.0);
    power.sort_by(|a, b| delta(b).abs().total_cmp(&delta(a).abs()).then(a.path.cmp(&b.path)));
    for p in power.iter().take(5) {
        let change = delta(p);
        let share = match (p.power_limit_w, p.it_power_w.new) {
            (Some(l), Some(n)) if l > 0.0 => format!(" (now {:.0} % of its limit)", 100.0 * n / l),
            _ => String::new(),
        };
        out.push_str(&format!("  {}{} on {}{share}\n", if change >= 0.0 { "+" } else { "-" }, w(change.abs()), p.path));
    }
    if power.len() > 5 {
        out.push_str(&format!("  … {} more power changes\n", power.len() - 5));
    }
    for (what, changes) in [("service", &d.services), ("training", &d.training), ("scenario", &d.scenarios)] {
        for c in changes.iter().take(12) {
            out.push_str(&format!("{what} {}: {} {} -> {}\n", c.name, c.key, c.old, c.new));
        }
        if changes.len() > 12 {
            out.push_str(&format!("{what}: … {} more figures\n", changes.len() - 12));
        }
    }
    let k = &d.k8s;
    if !k.added.is_empty() || !k.removed.is_empty() || !d.k8s_changed.is_empty() {
        out.push_str(&format!("Kubernetes: {} added, {} removed, {} changed\n", k.added.len(), k.removed.len(), d.k8s_changed.len()));
        for (sign, list) in [("+", &k.added), ("-", &k.removed), ("~", &d.k8s_changed)] {
            for o in list.iter().take(6) {
                out.push_str(&format!("  {sign} {o}\n"));
            }
            if list.len() > 6 {
                out.push_str(&format!("  {sign} … {} more\n", list.len() - 6));
            }
        }
    }
    out
}
