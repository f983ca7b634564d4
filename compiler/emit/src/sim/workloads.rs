//! `sim/astra-sim/workloads/`: the workloads of `fabric_core::sim_workloads` as ASTRA-sim
//! runs them. Per workload a folder with its `network.yml` (one `Switch` dimension per
//! communicator dimension, in ASTRA-sim's units and hop semantics), its `system.json` and
//! one Chakra trace per NPU (`workload.<rank>.et`); beside them `workloads.json`, which
//! lists each workload's files, NPUs and the compiler's `estimate_s`, and `run.sh`, which
//! runs them all and prints the simulated time next to the estimate.

use super::astra::{GIB, hop_latency_s};
use super::chakra::{Collective, Node, write_trace};
use super::emitter::SimEmitter;
use super::ns3::decimal;
use fabric_core::sim_workloads::{CollectiveKind, Op, Workload};
use std::io::{self, Write};

/// The format of workloads.json this version writes.
pub const WORKLOADS_FORMAT: &str = "fabric-astra-workloads/1";

impl SimEmitter<'_> {
    /// The workload files, relative to OUT, in writing order.
    pub fn workload_files(&self) -> Vec<String> {
        let mut files = vec!["sim/astra-sim/workloads.json".to_string(), "sim/astra-sim/run.sh".to_string()];
        for w in &self.workloads().workloads {
            let dir = format!("sim/astra-sim/workloads/{}", w.name);
            files.push(format!("{dir}/network.yml"));
            files.push(format!("{dir}/system.json"));
            files.extend((0..w.npus).map(|rank| format!("{dir}/workload.{rank}.et")));
        }
        files
    }

    /// Writes one workload file, `rest` being its path under `sim/astra-sim/`.
    pub(super) fn write_workload_file(&self, rest: &str, out: &mut dyn Write) -> io::Result<()> {
        match rest {
            "workloads.json" => return self.write_workloads_json(out),
            "run.sh" => return self.write_run_sh(out),
            _ => {}
        }
        let missing = || io::Error::new(io::ErrorKind::NotFound, format!("no artifact `sim/astra-sim/{rest}`"));
        let (name, file) = rest.strip_prefix("workloads/").and_then(|r| r.split_once('/')).ok_or_else(missing)?;
        let w = self.workloads().workloads.iter().find(|w| w.name == name).ok_or_else(missing)?;
        match file {
            "network.yml" => self.write_workload_network(w, out),
            "system.json" => self.write_astra_system_for(w.dimensions.len(), out),
            _ => {
                let rank = file.strip_prefix("workload.").and_then(|f| f.strip_suffix(".et")).and_then(|r| r.parse::<u32>().ok());
                match rank {
                    Some(rank) if rank < w.npus => write_trace(out, &trace(w, rank)),
                    _ => Err(missing()),
                }
            }
        }
    }

    fn write_workload_network(&self, w: &Workload, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "# ASTRA-sim analytical network of workload `{}`, written by Fabric {} from {}.",
            w.name,
            env!("CARGO_PKG_VERSION"),
            self.spec
        )?;
        writeln!(
            out,
            "# Communicator dimensions, innermost first: {} = {} NPUs.",
            w.dimensions.iter().map(|d| format!("{} {}", d.level, d.npus)).collect::<Vec<_>>().join(" x "),
            w.npus
        )?;
        for d in &w.dimensions {
            let note = if d.link == "nvlink" && d.latency_s == 0.0 { " (NVLink latency has no public figure: 0)" } else { "" };
            writeln!(
                out,
                "# {}: {} NPUs over {}, {} B/s per NPU and direction, one-way latency {} ns{note}",
                d.level,
                d.npus,
                d.link,
                decimal(d.bandwidth_bytes_per_s),
                decimal(d.latency_s * 1e9)
            )?;
        }
        for note in &w.notes {
            writeln!(out, "# {note}")?;
        }
        let list = |values: Vec<String>| format!("[ {} ]", values.join(", "));
        writeln!(out, "topology: {}", list(w.dimensions.iter().map(|_| "Switch".to_string()).collect()))?;
        writeln!(out, "npus_count: {}", list(w.dimensions.iter().map(|d| d.npus.to_string()).collect()))?;
        writeln!(
            out,
            "bandwidth: {}  # per NPU, one direction, in ASTRA-sim's GB/s of 2^30 bytes",
            list(w.dimensions.iter().map(|d| decimal(d.bandwidth_bytes_per_s / GIB)).collect())
        )?;
        writeln!(
            out,
            "latency: {}  # ns per hop: a Switch dimension charges two hops per message, so half the one-way latency",
            list(w.dimensions.iter().map(|d| decimal(hop_latency_s("Switch", d.latency_s) * 1e9)).collect())
        )?;
        Ok(())
    }

    fn write_workloads_json(&self, out: &mut dyn Write) -> io::Result<()> {
        let plan = self.workloads();
        let workloads: Vec<serde_json::Value> = plan
            .workloads
            .iter()
            .map(|w| {
                let dir = format!("workloads/{}", w.name);
                serde_json::json!({
                    "name": w.name,
                    "kind": w.kind.name(),
                    "path": self.plant.path(w.instance),
                    "npus": w.npus,
                    "full_npus": w.full_npus,
                    "reduced": u64::from(w.npus) != w.full_npus,
                    "workload_prefix": format!("{dir}/workload"),
                    "network": format!("{dir}/network.yml"),
                    "system": format!("{dir}/system.json"),
                    "remote_memory": "remote_memory.json",
                    "estimate_s": w.estimate_s,
                    "full_estimate_s": w.full_estimate_s,
                    "dimensions": w.dimensions.iter().map(|d| serde_json::json!({
                        "level": d.level,
                        "link": d.link,
                        "npus": d.npus,
                        "bandwidth_bytes_per_s": d.bandwidth_bytes_per_s,
                        "latency_s": d.latency_s,
                    })).collect::<Vec<_>>(),
                    "notes": w.notes,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "format": WORKLOADS_FORMAT,
            "spec": self.spec,
            "fabric_version": env!("CARGO_PKG_VERSION"),
            "simulator": "ASTRA-sim analytical congestion-unaware back end (third_party/astra-sim, commit 2a2979a9)",
            "paths": "relative to sim/astra-sim/",
            "workloads": workloads,
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        out.write_all(b"\n")
    }

    fn write_run_sh(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(
            out,
            r#"#!/usr/bin/env bash
# Runs every workload of workloads.json (written by Fabric {version} from {spec}) on
# ASTRA-sim's analytical back end and prints each simulated step beside the compiler's
# estimate. Usage: run.sh ASTRA_SIM_BINARY (AstraSim_Analytical_Congestion_Unaware).
# Exits 1 if ASTRA-sim fails or an NPU does not finish.
set -euo pipefail
bin=$(realpath "${{1:?usage: run.sh ASTRA_SIM_BINARY}}")
here=$(cd "$(dirname "$0")" && pwd)
status=0
printf '%-24s %8s %14s %14s %9s\n' workload npus simulated_s estimate_s difference
run() {{
  local dir="$here/workloads/$1" log
  # ASTRA-sim writes log/log.log under its working folder.
  if ! log=$(cd "$dir" && "$bin" --workload-configuration="$dir/workload" --system-configuration="$dir/system.json" \
      --network-configuration="$dir/network.yml" --remote-memory-configuration="$here/remote_memory.json" 2>&1); then
    echo "$1: ASTRA-sim failed:" >&2; echo "$log" | tail -5 >&2; status=1; return
  fi
  awk -v name="$1" -v npus="$2" -v est="$3" '
    /finished, [0-9]+ cycles/ {{ n++; split($0, a, "finished, "); split(a[2], b, " "); if (b[1] + 0 > max) max = b[1] + 0 }}
    END {{
      if (n != npus) {{ printf "%s: %d of %d NPUs finished\n", name, n, npus > "/dev/stderr"; exit 1 }}
      s = max * 1e-9; d = est > 0 ? sprintf("%+8.2f%%", 100 * (s / est - 1)) : "       -"
      printf "%-24s %8d %14.6f %14.6f %s\n", name, npus, s, est, d
    }}' <<<"$log" || status=1
}}
"#,
            version = env!("CARGO_PKG_VERSION"),
            spec = self.spec
        )?;
        for w in &self.workloads().workloads {
            writeln!(out, "run {} {} {}", w.name, w.npus, w.estimate_s)?;
        }
        writeln!(out, "exit $status")
    }
}

/// The Chakra trace of `rank`: each step of the program as one node, a pipeline transfer as
/// a send and a receive where the rank has neighbours; ids in program order.
pub fn trace(w: &Workload, rank: u32) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    // The node ids each step became (its dependencies' where it became none).
    let mut ids: Vec<Vec<u64>> = Vec::with_capacity(w.program.len());
    for step in &w.program {
        let deps: Vec<u64> = step.after.iter().flat_map(|&i| ids[i].iter().copied()).collect();
        let next = nodes.len() as u64;
        match &step.op {
            Op::Compute { name, seconds } => {
                nodes.push(Node::compute(next, name, (seconds * 1e6).round() as u64, deps.clone()));
            }
            Op::Collective { name, kind, bytes, dims } => {
                let kind = match kind {
                    CollectiveKind::AllReduce => Collective::AllReduce,
                    CollectiveKind::AllToAll => Collective::AllToAll,
                };
                nodes.push(Node::collective(next, name, kind, bytes.round() as u64, dims.clone(), deps.clone()));
            }
            Op::PipelineSend { forward, index, bytes, dim } => {
                let stride: u32 = w.dimensions[..*dim].iter().map(|d| d.npus).product();
                let n = w.dimensions[*dim].npus;
                let stage = rank / stride % n;
                let (to, from) = if *forward {
                    ((stage + 1 < n).then(|| rank + stride), (stage > 0).then(|| rank - stride))
                } else {
                    ((stage > 0).then(|| rank - stride), (stage + 1 < n).then(|| rank + stride))
                };
                let tag = (2 * index + u32::from(!forward)) as i32;
                let bytes = bytes.round() as u64;
                let name = if *forward { "pipeline send forward" } else { "pipeline send backward" };
                if let Some(dst) = to {
                    let id = nodes.len() as u64;
                    nodes.push(Node::send(id, name, rank, dst, tag, bytes, deps.clone()));
                }
                if let Some(src) = from {
                    let id = nodes.len() as u64;
                    nodes.push(Node::recv(id, name, src, rank, tag, bytes, deps.clone()));
                }
            }
        }
        let made: Vec<u64> = (next..nodes.len() as u64).collect();
        ids.push(if made.is_empty() { deps } else { made });
    }
    nodes
}
