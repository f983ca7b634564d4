//! Artifacts emitted from the checked model (ARTIFACTS.md). Emitters read the figures the
//! checks computed and never re-derive them; each writes one file as a stream.
//!
//! [`artifacts`] lists the files a build writes for the parts asked for, and [`write`]
//! writes one of them; the `fabric build` command puts them in place atomically.

pub mod cabling;
pub mod html;
pub mod json;
pub mod k8s;
pub mod k8s_api;
pub mod k8s_jobs;
pub mod report;
pub mod sim;

use fabric_core::pipeline::{budgets, cluster, inventory, network};
use fabric_core::plant::plant;
use fabric_core::source::Project;
use std::io::{self, Write};

/// A part of the artifact tree that `fabric build --emit` can select.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub enum Part {
    /// `cabling/`: NetBox CSVs, the bill of materials and plan.json.
    Cabling,
    /// `k8s/`: Node labels, Kueue queues, LeaderWorkerSets, a kustomization.
    K8s,
    /// `sim/`: scenario.json with its schema, ASTRA-sim and ns-3 inputs.
    Sim,
}

impl Part {
    /// Every part this version emits, in tree order.
    pub const ALL: &[Part] = &[Part::Cabling, Part::K8s, Part::Sim];

    /// Its name on the command line and its folder.
    pub fn name(self) -> &'static str {
        match self {
            Part::Cabling => "cabling",
            Part::K8s => "k8s",
            Part::Sim => "sim",
        }
    }
}

/// The fixed artifact files, relative to OUT, with the part that writes them (`None`:
/// always); `k8s/` adds one file per inference service.
pub const ARTIFACTS: &[(&str, Option<Part>)] = &[
    ("report.json", None),
    ("report.html", None),
    ("cabling/sites.csv", Some(Part::Cabling)),
    ("cabling/locations.csv", Some(Part::Cabling)),
    ("cabling/racks.csv", Some(Part::Cabling)),
    ("cabling/device_types.csv", Some(Part::Cabling)),
    ("cabling/devices.csv", Some(Part::Cabling)),
    ("cabling/interfaces.csv", Some(Part::Cabling)),
    ("cabling/cables.csv", Some(Part::Cabling)),
    ("cabling/bom.csv", Some(Part::Cabling)),
    ("cabling/plan.json", Some(Part::Cabling)),
];

/// How artifacts are made, where a build may choose.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Options {
    /// The most NPUs an ASTRA-sim workload simulates (W0805 above it).
    pub astra_max_npus: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options { astra_max_npus: fabric_core::sim_workloads::DEFAULT_MAX_NPUS }
    }
}

/// The files a build of `parts` writes for a checked spec, relative to OUT, in writing order.
pub fn artifacts(db: &dyn salsa::Database, project: Project, parts: &[Part]) -> Vec<String> {
    artifacts_with(db, project, parts, &Options::default())
}

/// [`artifacts`] with `options`.
pub fn artifacts_with(db: &dyn salsa::Database, project: Project, parts: &[Part], options: &Options) -> Vec<String> {
    let mut files: Vec<String> =
        ARTIFACTS.iter().filter(|(_, part)| part.is_none_or(|p| parts.contains(&p))).map(|(path, _)| path.to_string()).collect();
    if parts.contains(&Part::K8s) {
        files.extend(k8s::Kubernetes::new(plant(db, project), cluster(db, project)).files());
    }
    if parts.contains(&Part::Sim) {
        files.extend(sim::FILES.iter().map(|f| f.to_string()));
        files.extend(sim_emitter(db, project, options).workload_files());
    }
    files
}

fn sim_emitter<'a>(db: &'a dyn salsa::Database, project: Project, options: &Options) -> sim::SimEmitter<'a> {
    let spec = project.entry(db).display_path(db).clone();
    let graph = fabric_core::pipeline::sim_graph(db, project);
    let workloads = fabric_core::sim_workloads::workloads(db, project, options.astra_max_npus).clone();
    sim::SimEmitter::new(plant(db, project), network(db, project), graph, budgets(db, project), spec, workloads)
}

/// What the ASTRA-sim workloads a build writes could not hold (W0805, W0806).
pub fn sim_workload_diagnostics(db: &dyn salsa::Database, project: Project, options: &Options) -> Vec<fabric_core::diagnostic::Diagnostic> {
    fabric_core::sim_workloads::workloads(db, project, options.astra_max_npus).diagnostics.clone()
}

/// Writes the artifact at `path` (one of [`artifacts`]) of a checked spec to `out`.
pub fn write(db: &dyn salsa::Database, project: Project, path: &str, out: &mut dyn Write) -> io::Result<()> {
    write_with(db, project, path, &Options::default(), out)
}

/// [`write`] with `options`.
pub fn write_with(db: &dyn salsa::Database, project: Project, path: &str, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    if path == "report.json" {
        let report = report::build(db, project);
        let mut out = io::BufWriter::new(out);
        serde_json::to_writer_pretty(&mut out, &report)?;
        out.write_all(b"\n")?;
        return out.flush();
    }
    if path == "report.html" {
        let mut out = io::BufWriter::new(out);
        out.write_all(html::build(db, project).as_bytes())?;
        return out.flush();
    }
    let plant = plant(db, project);
    if path.starts_with("k8s/") {
        let mut out = io::BufWriter::new(out);
        k8s::Kubernetes::new(plant, cluster(db, project)).write(path, &mut out)?;
        return out.flush();
    }
    let net = network(db, project);
    if path.starts_with("sim/") {
        let mut out = io::BufWriter::new(out);
        sim_emitter(db, project, options).write(path, &mut out)?;
        return out.flush();
    }
    let inv = inventory(db, project);
    let emitter = cabling::Cabling::new(plant, net, inv);
    let mut out = io::BufWriter::new(out);
    match path {
        "cabling/sites.csv" => emitter.write_sites(&mut out)?,
        "cabling/locations.csv" => emitter.write_locations(&mut out)?,
        "cabling/racks.csv" => emitter.write_racks(&mut out)?,
        "cabling/device_types.csv" => emitter.write_device_types(&mut out)?,
        "cabling/devices.csv" => emitter.write_devices(&mut out)?,
        "cabling/interfaces.csv" => emitter.write_interfaces(&mut out)?,
        "cabling/cables.csv" => emitter.write_cables(&mut out)?,
        "cabling/bom.csv" => emitter.write_bom(&mut out)?,
        "cabling/plan.json" => emitter.write_plan(&mut out)?,
        other => return Err(io::Error::new(io::ErrorKind::NotFound, format!("no artifact `{other}`"))),
    }
    out.flush()
}

pub use json::{LinesFormatter, write_json_lines};
