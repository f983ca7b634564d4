//! `sim/`: Fabric's own scenario (`scenario.json`, format `fabric-scenario/1`, with its JSON
//! Schema derived from the structs below), ASTRA-sim's analytical network and system
//! configuration, and the ns-3 topology text of HPCC / ASTRA-sim ns-3 with files mapping
//! its node and link ids back to Fabric paths. Every file is read off the [`SimGraph`];
//! docs/simulation.md documents the formats and the modelling choices.

mod astra;
pub mod chakra;
mod emitter;
mod ns3;
mod scenario;
pub mod workloads;

pub use emitter::{FILES, SCENARIO_FORMAT, SimEmitter};
pub use scenario::*;

use std::io::{self, Write};

impl SimEmitter<'_> {
    /// Writes the file at `path` (one of [`FILES`]).
    pub fn write(&self, path: &str, out: &mut dyn Write) -> io::Result<()> {
        match path {
            "sim/scenario.json" => crate::json::write_json_lines(out, &self.scenario()),
            "sim/scenario.schema.json" => {
                serde_json::to_writer_pretty(&mut *out, &schema())?;
                out.write_all(b"\n")
            }
            "sim/astra-sim/network.yml" => self.write_astra_network(out),
            "sim/astra-sim/system.json" => self.write_astra_system(out),
            "sim/astra-sim/remote_memory.json" => self.write_astra_remote_memory(out),
            "sim/ns3/topology.txt" => self.write_ns3(out),
            "sim/ns3/nodes.csv" => self.write_ns3_nodes(out),
            "sim/ns3/links.csv" => self.write_ns3_links(out),
            other if other.starts_with("sim/astra-sim/workloads") || other == "sim/astra-sim/run.sh" => {
                self.write_workload_file(&other["sim/astra-sim/".len()..], out)
            }
            other => Err(io::Error::new(io::ErrorKind::NotFound, format!("no artifact `{other}`"))),
        }
    }
}
