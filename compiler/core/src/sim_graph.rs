//! The network as simulators see it: a graph of GPU, NIC and switch vertices with their
//! figures and links with rate and delay, the NVLink domains as groups, and the hierarchy
//! that ASTRA-sim's analytical back end can express (one homogeneous dimension per level).
//!
//! Vertices come in a fixed order: GPUs, then NICs that carry fabric cables, then switches
//! (the plant's, then the generated ones), then the two ends of each campus link that joins
//! fabrics, each in plant or network order, so ids are stable for a given spec.
//!
//! Links: every fabric cable (its rate the slower end's line rate, its delay the cable's
//! propagation plus its transceivers), one NVLink link from each GPU to each switch of its
//! NVLink domain (the GPU's NVLink bandwidth, one direction, shared evenly), and for each
//! campus link joining separate fabrics a link between its two ends (the route's
//! propagation) plus one from each top-tier switch of each joined fabric to its side's end.
//! A figure the stdlib does not have counts as zero and is listed in the link's `unknown`.
//!
//! The ASTRA-sim hierarchy takes the fabric with the most GPUs and groups its GPUs by NVLink
//! domain, domains by the leaves they share, and (3 tiers) leaf groups by pod. Each level
//! must be homogeneous; where it is not, the largest symmetric part is kept (level by level,
//! the group size that keeps the most GPUs) and W0804 names what was left out.

use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::route::{RouteTable, Router, WorstPath};
use crate::network::{End, Network, fabric_building};
use crate::network::{FabricId, SwitchId, Tier};
use crate::plant::{InstanceId, Plant};
use crate::schema::Kind;
use crate::units::group_thousands;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// What a vertex is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VertexKind {
    /// A GPU of the plant.
    Gpu,
    /// A NIC of the plant with at least one fabric cable.
    Nic,
    /// A switch: one of the plant (an NVLink switch tray) or a generated fabric switch.
    Switch,
    /// One end of a campus link, where the joined fabrics' top tiers meet the route.
    CampusLinkEnd,
}

/// Where a vertex comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    /// A plant instance (GPU, NIC or switch).
    Instance(InstanceId),
    /// A generated switch, an index into [`Network::switches`].
    Generated(SwitchId),
    /// An end of a campus link: the link (an index into [`Network::links`]) and its side
    /// (0: `from`, 1: `to`).
    LinkEnd(u32, u8),
}

/// One vertex.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Vertex {
    /// What it is.
    pub kind: VertexKind,
    /// Where it comes from.
    pub source: Source,
    /// For a NIC, the vertex of the GPU it serves.
    pub gpu: Option<u32>,
    /// For a GPU or an NVLink switch, its NVLink domain (an index into [`SimGraph::domains`]).
    pub domain: Option<u32>,
}

/// What a link is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LinkKind {
    /// A fabric cable, an index into [`Network::cables`].
    Cable(u32),
    /// An NVLink connection between a GPU and a switch of its domain.
    NvLink,
    /// The route of a campus link between its two ends.
    Campus(u32),
    /// A top-tier switch's attachment to its side of a campus link.
    CampusAttach(u32),
}

/// One link, undirected, from `a` to `b`.
#[derive(Clone, PartialEq, Debug)]
pub struct SimLink {
    /// What it is.
    pub kind: LinkKind,
    /// One end, a vertex id.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// Its rate in bits per second, one direction.
    pub rate_bps: f64,
    /// Its delay in seconds from the parts with a figure (propagation, transceivers).
    pub delay_s: f64,
    /// Parts without a figure, counted as zero in `delay_s` (borrowed where the text is
    /// fixed: an NVLink link's is the same for a million links).
    pub unknown: Vec<Cow<'static, str>>,
}

/// An NVLink domain.
#[derive(Clone, PartialEq, Debug)]
pub struct Domain {
    /// The rack (`nvlink_domain = true`) or node that forms it.
    pub instance: InstanceId,
    /// Its GPUs, vertex ids.
    pub gpus: Vec<u32>,
    /// Its NVLink switches, vertex ids (none where the node's switch chips are not declared).
    pub switches: Vec<u32>,
}

/// One dimension of the ASTRA-sim hierarchy.
#[derive(Clone, PartialEq, Debug)]
pub struct Dimension {
    /// What level it is (`nvlink`, `leaf`, `spine`, `core`).
    pub level: &'static str,
    /// ASTRA-sim topology name.
    pub topology: &'static str,
    /// NPUs along it.
    pub npus: u32,
    /// Bandwidth per NPU, one direction, in bytes per second.
    pub bandwidth_bytes_per_s: f64,
    /// Worst one-way latency between two NPUs that differ only in this dimension, seconds.
    pub latency_s: f64,
    /// Parts without a figure, counted as zero.
    pub unknown: Vec<String>,
}

/// What ASTRA-sim's analytical back end can hold of the plant.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Hierarchy {
    /// The fabric exported, if any.
    pub fabric: Option<u32>,
    /// Dimensions, innermost (NVLink) first; dimensions of one NPU are left out.
    pub dimensions: Vec<Dimension>,
    /// The GPUs exported, vertex ids, in rank order.
    pub gpus: Vec<u32>,
    /// HBM bandwidth of the slowest exported GPU, bytes per second.
    pub local_mem_bytes_per_s: Option<f64>,
    /// What was left out and why, one line each (the notes of W0804).
    pub left_out: Vec<String>,
}

/// The simulation graph of a spec.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct SimGraph {
    /// Every vertex, in id order.
    pub vertices: Vec<Vertex>,
    /// Every link.
    pub links: Vec<SimLink>,
    /// NVLink domains.
    pub domains: Vec<Domain>,
    /// Per fabric endpoint, its NIC's vertex.
    pub endpoint_vertex: Vec<u32>,
    /// The ASTRA-sim hierarchy.
    pub hierarchy: Hierarchy,
    /// Warnings about the export (W0804).
    pub diagnostics: Vec<Diagnostic>,
}

impl SimGraph {
    /// The canonical name of a vertex: the instance's path, the generated switch's name, or
    /// `<link path>.from` / `.to`.
    pub fn vertex_name(&self, plant: &Plant, net: &Network, v: u32) -> String {
        match self.vertices[v as usize].source {
            Source::Instance(id) => plant.path(id),
            Source::Generated(s) => crate::network::switch_name(plant, net, s),
            Source::LinkEnd(l, side) => {
                format!("{}.{}", plant.path(net.links[l as usize].instance), if side == 0 { "from" } else { "to" })
            }
        }
    }
}

/// A number field of an instance.
fn num(plant: &Plant, id: InstanceId, name: &str) -> Option<f64> {
    plant.field(id, name).and_then(|f| f.number())
}

/// Builds the simulation graph of a checked spec.
pub fn build(plant: &Plant, net: &Network, routes: &RouteTable) -> SimGraph {
    let program = &plant.program;
    let mut g = SimGraph::default();
    let mut vertex_of: HashMap<InstanceId, u32> = HashMap::new();
    let mut domain_of: BTreeMap<InstanceId, u32> = BTreeMap::new();
    // GPUs, with their NVLink domains.
    for i in 0..plant.instances.len() as u32 {
        let id = InstanceId(i);
        if plant.kind(id) != Kind::Gpu {
            continue;
        }
        let v = g.vertices.len() as u32;
        let domain = plant.nvlink_domain(id).map(|d| {
            let next = g.domains.len() as u32;
            let index = *domain_of.entry(d).or_insert(next);
            if index == next {
                g.domains.push(Domain { instance: d, gpus: vec![], switches: vec![] });
            }
            g.domains[index as usize].gpus.push(v);
            index
        });
        g.vertices.push(Vertex { kind: VertexKind::Gpu, source: Source::Instance(id), gpu: None, domain });
        vertex_of.insert(id, v);
    }
    // NICs with fabric cables.
    let mut nics: Vec<(InstanceId, Option<InstanceId>)> = net.endpoints.iter().map(|e| (e.nic, e.gpu)).collect();
    nics.sort_unstable_by_key(|(n, _)| *n);
    nics.dedup_by_key(|(n, _)| *n);
    for (nic, gpu) in nics {
        let v = g.vertices.len() as u32;
        g.vertices.push(Vertex { kind: VertexKind::Nic, source: Source::Instance(nic), gpu: gpu.map(|x| vertex_of[&x]), domain: None });
        vertex_of.insert(nic, v);
    }
    g.endpoint_vertex = net.endpoints.iter().map(|e| vertex_of[&e.nic]).collect();
    // The plant's switches; those inside an NVLink domain link to its GPUs.
    for i in 0..plant.instances.len() as u32 {
        let id = InstanceId(i);
        if plant.kind(id) != Kind::Switch {
            continue;
        }
        let v = g.vertices.len() as u32;
        let domain = plant.nvlink_domain(id).and_then(|d| domain_of.get(&d).copied());
        if let Some(d) = domain {
            g.domains[d as usize].switches.push(v);
        }
        g.vertices.push(Vertex { kind: VertexKind::Switch, source: Source::Instance(id), gpu: None, domain });
    }
    let first_generated = g.vertices.len() as u32;
    for s in 0..net.switches.len() as u32 {
        g.vertices.push(Vertex { kind: VertexKind::Switch, source: Source::Generated(SwitchId(s)), gpu: None, domain: None });
    }
    // Cables.
    let end_vertex = |end: End| match end {
        End::Nic { nic, .. } => vertex_of[&nic],
        End::Switch { switch, .. } => first_generated + switch.0,
    };
    let end_rate = |end: End| match end {
        End::Nic { nic, .. } => num(plant, nic, "speed"),
        End::Switch { switch, .. } => program.field(net.switches[switch].ty, "port_speed").and_then(|f| f.number()),
    };
    for (c, cable) in net.cables.iter().enumerate() {
        let medium = net.media[cable.medium as usize];
        let mut unknown: Vec<Cow<'static, str>> = Vec::new();
        let mut delay = match medium.delay_s_per_m {
            Some(d) => d * cable.length_m,
            None => {
                unknown.push(format!("{} propagation", program.decl(medium.decl).name.as_deref().unwrap_or_default()).into());
                0.0
            }
        };
        if let Some(o) = medium.optic {
            let optic = net.optics[o as usize];
            let ends = f64::from(u8::from(cable.optic_a) + u8::from(cable.optic_b));
            match optic.latency_s {
                Some(l) => delay += l * ends,
                None if ends > 0.0 => {
                    unknown.push(format!("{} transceiver", program.decl(optic.decl).name.as_deref().unwrap_or_default()).into())
                }
                None => {}
            }
        }
        let rate = match (end_rate(cable.a), end_rate(cable.b)) {
            (Some(x), Some(y)) => x.min(y),
            (x, y) => x.or(y).unwrap_or(0.0),
        };
        g.links.push(SimLink {
            kind: LinkKind::Cable(c as u32),
            a: end_vertex(cable.a),
            b: end_vertex(cable.b),
            rate_bps: rate,
            delay_s: delay,
            unknown,
        });
    }
    // NVLink: each GPU to each switch of its domain.
    for domain in &g.domains {
        if domain.switches.is_empty() {
            continue;
        }
        for &gpu in &domain.gpus {
            let Source::Instance(id) = g.vertices[gpu as usize].source else { continue };
            let per_direction = num(plant, id, "nvlink_bw").unwrap_or(0.0) / 2.0;
            for &switch in &domain.switches {
                g.links.push(SimLink {
                    kind: LinkKind::NvLink,
                    a: gpu,
                    b: switch,
                    rate_bps: per_direction / domain.switches.len() as f64,
                    delay_s: 0.0,
                    unknown: vec![Cow::Borrowed("NVLink latency")],
                });
            }
        }
    }
    campus_links(plant, net, first_generated, &mut g);
    g.hierarchy = hierarchy(plant, net, routes, &g);
    let diagnostics = astra_warning(plant, net, &g);
    g.diagnostics.extend(diagnostics);
    g
}

/// Adds the ends of every campus link that joins separate fabrics, the route between them
/// and each joined fabric's top-tier switches' attachments.
fn campus_links(plant: &Plant, net: &Network, first_generated: u32, g: &mut SimGraph) {
    let program = &plant.program;
    let buildings: Vec<Option<InstanceId>> = (0..net.fabrics.len() as u32).map(|f| fabric_building(plant, net, FabricId(f))).collect();
    for (l, link) in net.links.iter().enumerate() {
        let l = l as u32;
        let sides: [Vec<u32>; 2] = [&link.from, &link.to]
            .map(|side| (0..net.fabrics.len() as u32).filter(|&f| buildings[f as usize].is_some_and(|b| side.contains(&b))).collect());
        if sides.iter().any(Vec::is_empty) {
            continue;
        }
        let ends = [g.vertices.len() as u32, g.vertices.len() as u32 + 1];
        for side in 0..2u8 {
            g.vertices.push(Vertex { kind: VertexKind::CampusLinkEnd, source: Source::LinkEnd(l, side), gpu: None, domain: None });
        }
        let tops: [Vec<u32>; 2] = sides.clone().map(|fabrics| {
            fabrics
                .iter()
                .flat_map(|&f| {
                    let fabric = &net.fabrics[f as usize];
                    let top = fabric.top();
                    fabric.switches.clone().filter(move |&s| net.switches[s as usize].tier == top)
                })
                .collect()
        });
        let port_rate = |s: u32| program.field(net.switches[s as usize].ty, "port_speed").and_then(|f| f.number()).unwrap_or(0.0);
        let attach_total = |side: &Vec<u32>| side.iter().map(|&s| port_rate(s)).sum::<f64>();
        let route_rate = link.capacity_bps.unwrap_or_else(|| attach_total(&tops[0]).min(attach_total(&tops[1])));
        let (delay, unknown) = match link.medium.and_then(|m| net.media[m as usize].delay_s_per_m) {
            Some(d) => (d * link.distance_m, vec![]),
            None => {
                (0.0, vec![format!("link {} propagation", program.decl(plant.get(link.instance).decl).name.clone().unwrap_or_default())])
            }
        };
        g.links.push(SimLink {
            kind: LinkKind::Campus(l),
            a: ends[0],
            b: ends[1],
            rate_bps: route_rate,
            delay_s: delay,
            unknown: unknown.into_iter().map(Cow::Owned).collect(),
        });
        for (side, switches) in tops.iter().enumerate() {
            for &s in switches {
                // Each top switch carries an equal share of the route, or one port's worth
                // where the link has no capacity.
                let rate = link.capacity_bps.map_or(port_rate(s), |c| c / switches.len() as f64);
                g.links.push(SimLink {
                    kind: LinkKind::CampusAttach(l),
                    a: first_generated + s,
                    b: ends[side],
                    rate_bps: rate,
                    delay_s: 0.0,
                    unknown: vec![],
                });
            }
        }
    }
}

/// The group size that keeps the most members when every group is cut to it, with the
/// groups that reach it: `sizes[i]` is group i's size. Ties go to the larger size.
fn best_size(sizes: &[usize]) -> usize {
    let mut sorted: Vec<usize> = sizes.to_vec();
    sorted.sort_unstable();
    let mut best = (0, 0);
    for (i, &s) in sorted.iter().enumerate() {
        let kept = s * (sorted.len() - i);
        if kept >= best.0 {
            best = (kept, s);
        }
    }
    best.1
}

/// Keeps the groups of at least `size` members, each cut to `size`; describes what went.
fn cut<T: Clone>(groups: Vec<(String, Vec<T>)>, size: usize, what: &str, inner: &str, out: &mut Vec<String>) -> Vec<Vec<T>> {
    let mut kept = Vec::new();
    let mut smaller: Vec<String> = Vec::new();
    let mut larger: Vec<String> = Vec::new();
    for (name, members) in groups {
        match members.len() {
            n if n < size => smaller.push(format!("{name} ({n})")),
            n => {
                if n > size {
                    larger.push(format!("{name} ({n})"));
                }
                kept.push(members.into_iter().take(size).collect());
            }
        }
    }
    let list = |names: &[String]| {
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        let more = if names.len() > 3 { format!(" and {} more", group_thousands(names.len() as u128 - 3)) } else { String::new() };
        format!("{}{more}", shown.join(", "))
    };
    if !smaller.is_empty() {
        out.push(format!("{what}s of {size} {inner}s are exported; left out, with fewer: {}", list(&smaller)));
    }
    if !larger.is_empty() {
        out.push(format!("{what}s of {size} {inner}s are exported; cut to {size}: {}", list(&larger)));
    }
    kept
}

/// The ASTRA-sim hierarchy of the largest symmetric part of the plant.
fn hierarchy(plant: &Plant, net: &Network, routes: &RouteTable, g: &SimGraph) -> Hierarchy {
    let mut h = Hierarchy::default();
    // GPUs per fabric, through the endpoints that serve them.
    let mut per_fabric: Vec<Vec<u32>> = vec![Vec::new(); net.fabrics.len()];
    let mut endpoints_of_gpu: HashMap<(FabricId, u32), Vec<u32>> = HashMap::new();
    for (e, endpoint) in net.endpoints.iter().enumerate() {
        if let Some(gpu) = g.vertices[g.endpoint_vertex[e] as usize].gpu {
            per_fabric[endpoint.fabric.0 as usize].push(gpu);
            endpoints_of_gpu.entry((endpoint.fabric, gpu)).or_default().push(e as u32);
        }
    }
    for gpus in &mut per_fabric {
        gpus.sort_unstable();
        gpus.dedup();
    }
    let Some(fabric) = (0..net.fabrics.len()).filter(|&f| !per_fabric[f].is_empty()).max_by_key(|&f| (per_fabric[f].len(), usize::MAX - f))
    else {
        return h;
    };
    h.fabric = Some(fabric as u32);
    let others: Vec<String> = (0..net.fabrics.len())
        .filter(|&f| f != fabric && !per_fabric[f].is_empty())
        .map(|f| format!("`{}` ({} GPUs)", net.fabrics[f].name, group_thousands(per_fabric[f].len() as u128)))
        .collect();
    if !others.is_empty() {
        h.left_out.push(format!(
            "fabric `{}` ({} GPUs) is exported; ASTRA-sim has no level for separate fabrics, so these are left out: {}",
            net.fabrics[fabric].name,
            group_thousands(per_fabric[fabric].len() as u128),
            others.join(", ")
        ));
    }
    let f = FabricId(fabric as u32);
    let name = |v: u32| g.vertex_name(plant, net, v);
    // Level 0: NVLink domains (a GPU outside any is a domain of one).
    let mut domains: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &gpu in &per_fabric[fabric] {
        let key = g.vertices[gpu as usize].domain.map_or(u32::MAX - gpu, |d| d);
        domains.entry(key).or_default().push(gpu);
    }
    let domain_name = |key: u32, gpus: &[u32]| match g.domains.get(key as usize) {
        Some(d) if key != u32::MAX - gpus[0] => plant.path(d.instance),
        _ => name(gpus[0]),
    };
    let groups: Vec<(String, Vec<u32>)> = domains.iter().map(|(&k, gpus)| (domain_name(k, gpus), gpus.clone())).collect();
    let d = best_size(&groups.iter().map(|(_, m)| m.len()).collect::<Vec<_>>());
    let domains: Vec<Vec<u32>> = cut(groups, d, "NVLink domain", "GPU", &mut h.left_out);
    // Level 1: domains that share a leaf, by union-find over leaves.
    let leaves_of = |gpus: &[u32]| -> Vec<SwitchId> {
        let mut leaves: Vec<SwitchId> =
            gpus.iter().flat_map(|&gpu| endpoints_of_gpu[&(f, gpu)].iter().map(|&e| net.endpoints[e as usize].leaf)).collect();
        leaves.sort_unstable();
        leaves.dedup();
        leaves
    };
    let mut parent: Vec<usize> = (0..domains.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut owner: HashMap<SwitchId, usize> = HashMap::new();
    for (i, domain) in domains.iter().enumerate() {
        for leaf in leaves_of(domain) {
            match owner.get(&leaf) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    owner.insert(leaf, i);
                }
            }
        }
    }
    let mut leaf_groups: BTreeMap<usize, Vec<Vec<u32>>> = BTreeMap::new();
    for (i, domain) in domains.into_iter().enumerate() {
        let r = root(&mut parent, i);
        leaf_groups.entry(r).or_default().push(domain);
    }
    let leaf_name = |domains: &[Vec<u32>]| {
        let leaf = leaves_of(&domains[0])[0];
        crate::network::switch_name(plant, net, leaf)
    };
    let groups: Vec<(String, Vec<Vec<u32>>)> =
        leaf_groups.into_values().map(|ds| (format!("leaf group of {}", leaf_name(&ds)), ds)).collect();
    let l = best_size(&groups.iter().map(|(_, m)| m.len()).collect::<Vec<_>>());
    let leaf_groups: Vec<Vec<Vec<u32>>> = cut(groups, l, "leaf group", "NVLink domain", &mut h.left_out);
    // Level 2 (3 tiers): leaf groups by pod; else one group.
    let tiers = net.fabrics[fabric].tiers;
    let pod_of = |lg: &Vec<Vec<u32>>| net.switches[leaves_of(&lg[0])[0].0 as usize].pod;
    let mut pods: BTreeMap<u32, Vec<Vec<Vec<u32>>>> = BTreeMap::new();
    for lg in leaf_groups {
        pods.entry(if tiers > 2 { pod_of(&lg) } else { 0 }).or_default().push(lg);
    }
    let groups: Vec<(String, Vec<Vec<Vec<u32>>>)> = pods.into_iter().map(|(p, lgs)| (format!("pod {}", p + 1), lgs)).collect();
    let s = best_size(&groups.iter().map(|(_, m)| m.len()).collect::<Vec<_>>());
    let pods: Vec<Vec<Vec<Vec<u32>>>> = cut(groups, s, "pod", "leaf group", &mut h.left_out);
    let p = pods.len();
    h.gpus = pods.iter().flatten().flatten().flatten().copied().collect();
    if h.gpus.is_empty() {
        return h;
    }
    // Figures.
    let gpu_id = |v: u32| match g.vertices[v as usize].source {
        Source::Instance(id) => id,
        _ => InstanceId(0),
    };
    let min = |values: Vec<Option<f64>>| values.into_iter().map(|v| v.unwrap_or(0.0)).fold(f64::INFINITY, f64::min);
    h.local_mem_bytes_per_s = Some(min(h.gpus.iter().map(|&v| num(plant, gpu_id(v), "memory_bw")).collect()) / 8.0);
    let nvlink = min(h.gpus.iter().map(|&v| num(plant, gpu_id(v), "nvlink_bw")).collect()) / 2.0 / 8.0;
    let nic = min(h
        .gpus
        .iter()
        .map(|&v| Some(endpoints_of_gpu[&(f, v)].iter().map(|&e| num(plant, net.endpoints[e as usize].nic, "speed").unwrap_or(0.0)).sum()))
        .collect())
        / 8.0;
    let router = Router::new(plant, net, routes);
    let endpoints: Vec<u32> = h.gpus.iter().flat_map(|&v| endpoints_of_gpu[&(f, v)].iter().copied()).collect();
    let mut push = |level: &'static str, npus: usize, bandwidth: f64, path: Option<WorstPath>| {
        if npus > 1 {
            let (latency_s, unknown) = match path {
                Some(p) => (p.seconds, p.unknown()),
                None => (0.0, vec!["NVLink latency".to_string()]),
            };
            h.dimensions.push(Dimension {
                level,
                topology: "Switch",
                npus: npus as u32,
                bandwidth_bytes_per_s: bandwidth,
                latency_s,
                unknown,
            });
        }
    };
    push("nvlink", d, nvlink, None);
    push("leaf", l, nic, Some(router.worst_at(&endpoints, Tier::Leaf)));
    if tiers > 2 {
        push("spine", s, nic, Some(router.worst_at(&endpoints, Tier::Spine)));
        push("core", p, nic, Some(router.worst_at(&endpoints, Tier::Core)));
    } else {
        push("spine", s * p, nic, Some(router.worst_at(&endpoints, Tier::Spine)));
    }
    h
}

/// W0804 when the ASTRA-sim export leaves part of the plant out.
fn astra_warning(plant: &Plant, net: &Network, g: &SimGraph) -> Vec<Diagnostic> {
    let h = &g.hierarchy;
    let Some(fabric) = h.fabric else { return vec![] };
    if h.left_out.is_empty() {
        return vec![];
    }
    let instance = net.fabrics[fabric as usize].instance;
    let decl = plant.program.decl(plant.get(instance).decl);
    let total = g.vertices.iter().filter(|v| v.kind == VertexKind::Gpu).count();
    let mut d = Diagnostic::warning(
        codes::W0804,
        format!(
            "the ASTRA-sim export holds {} of {} GPUs: the plant is not symmetric enough for its per-dimension model",
            group_thousands(h.gpus.len() as u128),
            group_thousands(total as u128)
        ),
        Label::new(decl.file, decl.span, format!("sim/astra-sim/ exports fabric `{}`", net.fabrics[fabric as usize].name)),
    )
    .with_help("scenario.json and ns3/topology.txt hold the whole plant; simulate the rest there, or make the groups equal in size");
    for line in &h.left_out {
        d = d.with_note(line.clone());
    }
    vec![d]
}

/// The query: the network as simulators see it. The gated entry point is
/// [`crate::pipeline::sim_graph`].
#[salsa::tracked]
pub fn sim_graph(db: &dyn salsa::Database, project: crate::source::Project) -> std::sync::Arc<SimGraph> {
    let plant = crate::plant::plant(db, project);
    let routes = crate::network::route::routes(db, project);
    std::sync::Arc::new(build(plant, crate::network::network(db, project), routes))
}
