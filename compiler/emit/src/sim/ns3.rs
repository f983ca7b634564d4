//! The ns-3 topology of HPCC / ASTRA-sim ns-3 (`topology.txt`) with files mapping its node
//! and link ids back to Fabric paths (`nodes.csv`, `links.csv`).

use super::emitter::SimEmitter;
use super::scenario::kind_name;
use fabric_core::network::cable_labels;
use fabric_core::sim_graph::{LinkKind, Source, VertexKind};
use std::io::{self, Write};

/// An ns-3 rate: whole Gb/s where exact, else Mb/s, else b/s.
pub(super) fn ns3_rate(bps: f64) -> String {
    let bps = bps.round().max(1.0);
    if bps % 1e9 == 0.0 {
        format!("{}Gbps", bps / 1e9)
    } else if bps % 1e6 == 0.0 {
        format!("{}Mbps", bps / 1e6)
    } else {
        format!("{bps}bps")
    }
}

/// An ns-3 delay in milliseconds, to the picosecond.
pub(super) fn ns3_delay(seconds: f64) -> String {
    let ps = (seconds * 1e12).round() as u64;
    let ms = format!("{}.{:09}", ps / 1_000_000_000, ps % 1_000_000_000);
    let ms = ms.trim_end_matches('0').trim_end_matches('.');
    format!("{ms}ms")
}

impl SimEmitter<'_> {
    /// The ns-3 node id of every vertex: hosts first (GPUs, then NICs that serve no GPU),
    /// then switches and campus-link ends; a NIC that serves a GPU is that GPU's host.
    pub(super) fn ns3_ids(&self) -> (Vec<u32>, u32, u32) {
        let vs = &self.graph.vertices;
        let mut ids = vec![u32::MAX; vs.len()];
        let mut next = 0;
        for (v, vertex) in vs.iter().enumerate() {
            if vertex.kind == VertexKind::Gpu || (vertex.kind == VertexKind::Nic && vertex.gpu.is_none()) {
                ids[v] = next;
                next += 1;
            }
        }
        let hosts = next;
        for (v, vertex) in vs.iter().enumerate() {
            if matches!(vertex.kind, VertexKind::Switch | VertexKind::CampusLinkEnd) {
                ids[v] = next;
                next += 1;
            }
        }
        for (v, vertex) in vs.iter().enumerate() {
            if let (VertexKind::Nic, Some(gpu)) = (vertex.kind, vertex.gpu) {
                ids[v] = ids[gpu as usize];
            }
        }
        (ids, hosts, next)
    }

    /// A link's ns-3 delay: its own, plus a NIC's latency at a NIC end and half a switch's
    /// latency at each switch end, so that a path's delays add up to the latency of every
    /// switch it crosses (ns-3's point-to-point model has no switch).
    pub(super) fn ns3_link_delay(&self, link: &fabric_core::sim_graph::SimLink) -> f64 {
        let plant = self.plant;
        let extra = |v: u32| {
            let vertex = &self.graph.vertices[v as usize];
            match (vertex.kind, vertex.source) {
                (VertexKind::Nic, Source::Instance(i)) => self.num(i, "latency").unwrap_or(0.0),
                (VertexKind::Switch, Source::Instance(i)) => self.num(i, "latency").unwrap_or(0.0) / 2.0,
                (VertexKind::Switch, Source::Generated(s)) => {
                    plant.program.field(self.net.switches[s].ty, "latency").and_then(|f| f.number()).unwrap_or(0.0) / 2.0
                }
                _ => 0.0,
            }
        };
        link.delay_s + extra(link.a) + extra(link.b)
    }

    /// `ns3/topology.txt`: `nodes switches links`, the switch ids, then one link per line.
    pub(super) fn write_ns3(&self, out: &mut dyn Write) -> io::Result<()> {
        let (ids, hosts, total) = self.ns3_ids();
        writeln!(out, "{} {} {}", total, total - hosts, self.graph.links.len())?;
        let switches: Vec<String> = (hosts..total).map(|i| i.to_string()).collect();
        writeln!(out, "{}", switches.join(" "))?;
        for link in &self.graph.links {
            writeln!(
                out,
                "{} {} {} {} 0",
                ids[link.a as usize],
                ids[link.b as usize],
                ns3_rate(link.rate_bps),
                ns3_delay(self.ns3_link_delay(link))
            )?;
        }
        Ok(())
    }

    /// `ns3/nodes.csv`: every ns-3 node id with its kind, Fabric path, and the NICs it
    /// stands for.
    pub(super) fn write_ns3_nodes(&self, out: &mut dyn Write) -> io::Result<()> {
        let (ids, _, total) = self.ns3_ids();
        let mut rows: Vec<(String, String, Vec<String>)> = vec![(String::new(), String::new(), vec![]); total as usize];
        for (v, vertex) in self.graph.vertices.iter().enumerate() {
            let row = &mut rows[ids[v] as usize];
            let name = self.vertex_name(v as u32);
            match (vertex.kind, vertex.gpu) {
                (VertexKind::Nic, Some(_)) => row.2.push(name),
                (kind, _) => {
                    row.0 = match kind {
                        VertexKind::Gpu => "gpu",
                        VertexKind::Nic => "nic",
                        VertexKind::Switch => "switch",
                        VertexKind::CampusLinkEnd => "campus_link_end",
                    }
                    .to_string();
                    row.1 = name;
                    if kind == VertexKind::Nic {
                        row.2.push(row.1.clone());
                    }
                }
            }
        }
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        w.write_record(["id", "kind", "path", "nics"])?;
        for (id, (kind, path, nics)) in rows.iter().enumerate() {
            w.write_record([id.to_string().as_str(), kind, path, nics.join(" ").as_str()])?;
        }
        w.flush()
    }

    /// `ns3/links.csv`: every link of topology.txt in the same order, with its kind and what
    /// it is in Fabric (the cable label, or the campus link's path).
    pub(super) fn write_ns3_links(&self, out: &mut dyn Write) -> io::Result<()> {
        let (ids, _, _) = self.ns3_ids();
        let labels = cable_labels(self.net);
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        w.write_record(["index", "src", "dst", "kind", "source", "delay_s"])?;
        for (i, link) in self.graph.links.iter().enumerate() {
            let what = match link.kind {
                LinkKind::Cable(c) => labels[c as usize].clone(),
                LinkKind::NvLink => format!("{} - {}", self.names()[link.a as usize], self.names()[link.b as usize]),
                LinkKind::Campus(l) | LinkKind::CampusAttach(l) => self.plant.path(self.net.links[l as usize].instance),
            };
            let kind = kind_name(link.kind).as_str();
            w.write_record([
                i.to_string(),
                ids[link.a as usize].to_string(),
                ids[link.b as usize].to_string(),
                kind.to_string(),
                what,
                format!("{:e}", (self.ns3_link_delay(link) * 1e12).round() / 1e12),
            ])?;
        }
        w.flush()
    }
}

/// A number with at most three decimals and no trailing zeros.
pub(super) fn decimal(x: f64) -> String {
    let s = format!("{:.3}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" { "0".to_string() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_kind_names_are_their_serde_names() {
        use super::super::scenario::LinkKindName;
        for kind in [LinkKindName::Cable, LinkKindName::Nvlink, LinkKindName::Campus, LinkKindName::CampusAttach] {
            assert_eq!(serde_json::to_value(kind).ok(), Some(serde_json::Value::String(kind.as_str().to_string())));
        }
    }

    #[test]
    fn ns3_rates_and_delays_are_exact() {
        assert_eq!(ns3_rate(800e9), "800Gbps");
        assert_eq!(ns3_rate(400e12), "400000Gbps");
        assert_eq!(ns3_rate(100e6), "100Mbps");
        assert_eq!(ns3_rate(2.5e6), "2500000bps");
        assert_eq!(ns3_rate(1234.0), "1234bps");
        assert_eq!(ns3_delay(0.0), "0ms");
        assert_eq!(ns3_delay(9e-6), "0.009ms");
        assert_eq!(ns3_delay(75e-9), "0.000075ms");
        assert_eq!(ns3_delay(1.5e-12), "0.000000002ms");
        assert_eq!(decimal(900.0), "900");
        assert_eq!(decimal(0.1234), "0.123");
    }
}
