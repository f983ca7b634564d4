//! ASTRA-sim's analytical back end: `network.yml` (one dimension per hierarchy level),
//! `system.json` and `remote_memory.json`, in ASTRA-sim's units and hop semantics as
//! measured on the pinned source (../shared/third_party/README.md, docs/simulation.md):
//! bandwidth in GB/s of 2^30 bytes, latency in ns per hop, and a `Switch` dimension
//! charging two hops (NPU to switch, switch to NPU) per message.

use super::emitter::SimEmitter;
use super::ns3::decimal;
use std::io::{self, Write};

impl SimEmitter<'_> {
    /// `astra-sim/network.yml`: one dimension per level of the exported part.
    pub(super) fn write_astra_network(&self, out: &mut dyn Write) -> io::Result<()> {
        let h = &self.graph.hierarchy;
        writeln!(out, "# ASTRA-sim analytical network, written by Fabric {} from {}.", env!("CARGO_PKG_VERSION"), self.spec)?;
        match h.fabric {
            Some(f) => writeln!(
                out,
                "# Fabric `{}`: {} GPUs = {}.",
                self.net.fabrics[f as usize].name,
                h.gpus.len(),
                h.dimensions.iter().map(|d| d.npus.to_string()).collect::<Vec<_>>().join(" x ")
            )?,
            None => writeln!(out, "# The spec has no GPU on a fabric: no dimension to export.")?,
        }
        for d in &h.dimensions {
            let unknown = if d.unknown.is_empty() { String::new() } else { format!("; no figure, counted as 0: {}", d.unknown.join(", ")) };
            writeln!(out, "# {}: {} NPUs{unknown}", d.level, d.npus)?;
        }
        for line in &h.left_out {
            writeln!(out, "# left out: {line}")?;
        }
        let list = |values: Vec<String>| format!("[ {} ]", values.join(", "));
        writeln!(out, "topology: {}", list(h.dimensions.iter().map(|d| d.topology.to_string()).collect()))?;
        writeln!(out, "npus_count: {}", list(h.dimensions.iter().map(|d| d.npus.to_string()).collect()))?;
        writeln!(
            out,
            "bandwidth: {}  # per NPU, one direction, in ASTRA-sim's GB/s of 2^30 bytes",
            list(h.dimensions.iter().map(|d| decimal(d.bandwidth_bytes_per_s / GIB)).collect())
        )?;
        writeln!(
            out,
            "latency: {}  # ns per hop: a Switch dimension charges two hops per message, so half the worst one-way latency",
            list(h.dimensions.iter().map(|d| decimal(hop_latency_s(d.topology, d.latency_s) * 1e9)).collect())
        )?;
        Ok(())
    }

    /// `astra-sim/remote_memory.json`: no memory expansion (ASTRA-sim requires the file).
    pub(super) fn write_astra_remote_memory(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "memory-type": "NO_MEMORY_EXPANSION" }))?;
        out.write_all(b"\n")
    }

    /// `astra-sim/system.json`: collectives per dimension and the GPUs' memory bandwidth.
    pub(super) fn write_astra_system(&self, out: &mut dyn Write) -> io::Result<()> {
        self.write_astra_system_for(self.graph.hierarchy.dimensions.len(), out)
    }

    /// A `system.json` for a network of `dimensions` dimensions.
    pub(super) fn write_astra_system_for(&self, dimensions: usize, out: &mut dyn Write) -> io::Result<()> {
        let h = &self.graph.hierarchy;
        let per_dim = |algorithm: &str| serde_json::Value::from(vec![algorithm; dimensions]);
        let mut system = serde_json::Map::new();
        system.insert("scheduling-policy".into(), "LIFO".into());
        system.insert("endpoint-delay".into(), 10.into());
        system.insert("active-chunks-per-dimension".into(), 1.into());
        // One split: with more, each split pays every step's latency again (measured: four
        // splits quadruple a latency-bound all-reduce), which Fabric's figures do not.
        system.insert("preferred-dataset-splits".into(), 1.into());
        system.insert("all-reduce-implementation".into(), per_dim("ring"));
        system.insert("all-gather-implementation".into(), per_dim("ring"));
        system.insert("reduce-scatter-implementation".into(), per_dim("ring"));
        // Measured on the pinned source: `direct` runs the n - 1 messages at full bandwidth
        // at once (n - 1 times too fast), `ring` relays them (n(n - 1)/2 messages, n/2 times
        // too slow); `direct1` (a window of one message) sends them in turn from each NPU,
        // (n - 1)/n of the buffer over its link: the egress-bound all-to-all.
        system.insert("all-to-all-implementation".into(), per_dim("direct1"));
        system.insert("collective-optimization".into(), "localBWAware".into());
        let mem = h.local_mem_bytes_per_s.map_or(0.0, |b| (b / 1e9 * 1000.0).round() / 1000.0);
        system.insert("local-mem-bw".into(), serde_json::json!(mem));
        system.insert("boost-mode".into(), 0.into());
        serde_json::to_writer_pretty(&mut *out, &serde_json::Value::Object(system))?;
        out.write_all(b"\n")
    }
}

/// ASTRA-sim's GB: 2^30 bytes.
pub const GIB: f64 = 1_073_741_824.0;

/// The latency ASTRA-sim charges per hop for a dimension whose worst one-way latency
/// between two NPUs is `one_way_s`: a `Switch` dimension takes two hops per message.
pub fn hop_latency_s(topology: &str, one_way_s: f64) -> f64 {
    if topology == "Switch" { one_way_s / 2.0 } else { one_way_s }
}
