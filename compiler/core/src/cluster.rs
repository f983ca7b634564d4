//! The cluster as Kubernetes sees it: every server a Node with a DNS-safe hostname and its
//! topology labels, the Kueue topology levels, every inference service with its
//! Kubernetes names, replica shape (pods per replica, GPUs per pod) and the topology level
//! that keeps a replica together, and every training job with its pods and the levels that
//! keep a tensor-parallel group and the whole job together. Names Kubernetes would refuse, or that collide once made
//! DNS-safe, are E0802; a replica that cannot be split into equal pods is E0803.
//!
//! Naming (docs/artifacts.md): a name part is made DNS-safe by lower-casing it, writing an
//! index without brackets (`r[1]` → `r1`) and `-` for `_`; hostnames follow the site's
//! `hostname_format`; label values are the DNS-safe path below the site joined by `.`.

use crate::check::TrainingEstimate;
use crate::check::slo::ServiceEstimate;
use crate::check::slo::model::Parallelism;
use crate::check::training::model::TrainLayout;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::inventory::{DeviceSource, Inventory};
use crate::network::{Network, TIER_NAMES};
use crate::plant::{InstanceId, Plant};
use crate::resolve::{DeclId, Value};
use crate::schema::{HOSTNAME_FORMAT, K8S_LABEL_PREFIX, Kind};
use std::collections::{BTreeMap, HashMap};

/// The files of `k8s/` besides the per-service ones (`k8s/<name>.yaml`), in writing order
/// with the kustomization last: a service may not take these names.
pub const RESERVED_NAMES: &[&str] = &["namespaces", "nodes", "priority-classes", "kueue", "kustomization"];

/// The label Kubernetes sets to a node's hostname, the lowest Kueue topology level.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// One server as a Kubernetes Node.
#[derive(Clone, PartialEq, Debug)]
pub struct ClusterNode {
    /// Its device in the inventory.
    pub device: u32,
    /// The plant instance.
    pub instance: InstanceId,
    /// Its Node name.
    pub hostname: String,
    /// Its labels, by key.
    pub labels: BTreeMap<String, String>,
    /// GPUs in it.
    pub gpus: u32,
    /// Its GPU model, DNS-safe (the ResourceFlavor it belongs to).
    pub gpu_model: Option<String>,
    /// CPU cores, where every CPU has a `cores` figure.
    pub cpu_cores: Option<f64>,
    /// CPU memory in bytes, where every CPU has a `memory` figure.
    pub memory_bytes: Option<f64>,
}

/// Who waits for a service's answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub enum ServiceTier {
    /// Agents calling agents: sub-millisecond round trips.
    Agent,
    /// People: hundreds of milliseconds are fine.
    Human,
}

impl ServiceTier {
    /// Its name in specs and PriorityClass names.
    pub fn name(self) -> &'static str {
        match self {
            ServiceTier::Agent => "agent",
            ServiceTier::Human => "human",
        }
    }
}

/// One pool of a service's replicas as Kubernetes runs them.
#[derive(Clone, PartialEq, Debug)]
pub struct ClusterPool {
    /// Replicas.
    pub replicas: u32,
    /// GPUs per replica.
    pub gpus_per_replica: u32,
    /// Pods per replica (the LeaderWorkerSet template's `size`).
    pub pods_per_replica: u32,
    /// GPUs per pod.
    pub gpus_per_pod: u32,
    /// The topology level label a replica must stay inside.
    pub level: String,
    /// Why that level, for a comment in the manifest.
    pub level_reason: String,
    /// How a replica's GPUs split the model, as checked.
    pub parallelism: Parallelism,
}

/// One inference service: a LeaderWorkerSet (aggregated), or a DisaggregatedSet of a
/// prefill and a decode role.
#[derive(Clone, PartialEq, Debug)]
pub struct ClusterService {
    /// The `inference` instance.
    pub instance: InstanceId,
    /// Its Kubernetes name (LeaderWorkerSet, Service, LocalQueue).
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its tier.
    pub tier: ServiceTier,
    /// The decode pool (an aggregated service's only pool).
    pub pool: ClusterPool,
    /// The prefill pool of a disaggregated service.
    pub prefill: Option<ClusterPool>,
    /// The GPU flavor of its placement.
    pub gpu_model: Option<String>,
    /// Its `serving` block, if it has one.
    pub serving: Option<DeclId>,
}

/// One training job: a JobSet of one pod per node, admitted by Kueue.
#[derive(Clone, PartialEq, Debug)]
pub struct ClusterJob {
    /// The `training` instance.
    pub instance: InstanceId,
    /// Its Kubernetes name (JobSet, LocalQueue, file).
    pub name: String,
    /// Its namespace (its name).
    pub namespace: String,
    /// Pods: one per node.
    pub pods: u32,
    /// GPUs per pod.
    pub gpus_per_pod: u32,
    /// The layout it runs, as checked (`None` where the training model could not settle one).
    pub layout: Option<TrainLayout>,
    /// Pods of one tensor-parallel group, and the topology level that keeps them together.
    pub tp_pods: u32,
    /// The level a tensor-parallel group must stay inside.
    pub tp_level: String,
    /// The smallest level that holds the whole job, which Kueue should prefer.
    pub job_level: String,
    /// GPUs no service takes.
    pub guaranteed_gpus: u64,
    /// GPUs borrowed from the services it yields to.
    pub borrowed_gpus: u64,
    /// The GPU flavor of its placement.
    pub gpu_model: Option<String>,
}

/// The Kubernetes view of a spec.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Cluster {
    /// The DNS-safe name of the (first) site: the Topology, ClusterQueue and flavor prefix.
    pub site: String,
    /// The label prefix.
    pub prefix: String,
    /// Kueue topology levels, top to bottom, ending with [`HOSTNAME_LABEL`].
    pub levels: Vec<String>,
    /// Every server.
    pub nodes: Vec<ClusterNode>,
    /// Every inference service.
    pub services: Vec<ClusterService>,
    /// Every training job.
    pub jobs: Vec<ClusterJob>,
    /// Names Kubernetes would refuse and replicas it cannot shape.
    pub diagnostics: Vec<Diagnostic>,
}

/// A name part made DNS-safe: lower case, `[n]` as `n`, `-` for anything else, no leading,
/// trailing or doubled `-`.
pub fn dns_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '[' || c == ']' {
            continue;
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Whether `name` is a DNS-1123 label (at most 63 of `a-z0-9-`, alphanumeric at both ends).
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Whether `name` is a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

/// Whether `value` is a valid label value (at most 63 of `A-Za-z0-9-_.`, alphanumeric at both ends).
pub fn is_label_value(value: &str) -> bool {
    value.len() <= 63
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && value.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && value.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
}

struct Builder<'a> {
    plant: &'a Plant,
    net: &'a Network,
    inv: &'a Inventory,
    estimates: &'a [ServiceEstimate],
    training: &'a [TrainingEstimate],
    /// Names taken so far, `namespace/name`.
    names: HashMap<String, InstanceId>,
    cluster: Cluster,
}

/// A pool's size and parallelism, as the SLO check settled it or the spec wrote it.
#[derive(Clone, Copy)]
struct PoolSize {
    replicas: u32,
    gpus_per_replica: u32,
    parallelism: Parallelism,
}

impl Builder<'_> {
    fn error(&mut self, code: crate::diagnostic::Code, decl: DeclId, message: String, label: String, help: &str) -> Diagnostic {
        let d = self.plant.program.decl(decl);
        Diagnostic::error(code, message, Label::new(d.file, d.name_span, label)).with_help(help.to_string())
    }

    /// The DNS-safe path of `id` below its site, joined by `.`.
    fn label_path(&self, id: InstanceId) -> String {
        let mut parts = Vec::new();
        let mut current = Some(id);
        while let Some(c) = current {
            if self.plant.get(c).parent.is_some() {
                parts.push(dns_part(&self.plant.name(c)));
            }
            current = self.plant.get(c).parent;
        }
        parts.reverse();
        parts.join(".")
    }

    fn hostname(&self, format: &str, node: InstanceId) -> String {
        let part = |kind: Kind| self.plant.ancestor(node, kind).map(|a| dns_part(&self.plant.name(a))).unwrap_or_default();
        let rack = self.plant.get(node).parent.map(|r| dns_part(&self.plant.name(r))).unwrap_or_default();
        format
            .replace("{site}", &part(Kind::Site))
            .replace("{building}", &part(Kind::Building))
            .replace("{hall}", &part(Kind::Hall))
            .replace("{row}", &part(Kind::Row))
            .replace("{rack}", &rack)
            .replace("{node}", &dns_part(&self.plant.name(node)))
            .replace("{path}", &self.label_path(node).replace('.', "-"))
    }

    fn nodes(&mut self) {
        let plant = self.plant;
        let program = &plant.program;
        let mut seen_host: HashMap<String, InstanceId> = HashMap::new();
        let mut prefix_checked: std::collections::HashSet<InstanceId> = std::collections::HashSet::new();
        // Topology label values by kind: two instances may not share one.
        let mut label_owner: HashMap<(Kind, String), InstanceId> = HashMap::new();
        let mut label_reported: std::collections::HashSet<(Kind, String)> = std::collections::HashSet::new();
        let mut reported: std::collections::HashSet<DeclId> = std::collections::HashSet::new();
        for (d, device) in self.inv.devices.iter().enumerate() {
            let DeviceSource::Plant(id) = device.source else { continue };
            if plant.kind(id) != Kind::Node {
                continue;
            }
            let site = crate::inventory::root_of(plant, id);
            let format = plant.field(site, "hostname_format").and_then(|f| f.text().map(str::to_string));
            let format = format.unwrap_or_else(|| HOSTNAME_FORMAT.to_string());
            let hostname = self.hostname(&format, id);
            let decl = plant.get(id).decl;
            if !is_dns_subdomain(&hostname) && reported.insert(decl) {
                let label = match program.field_origin(plant.get(site).decl, "hostname_format") {
                    Some((file, span)) => Label::new(file, span, "hostnames are made from this format"),
                    None => Label::new(
                        program.decl(decl).file,
                        program.decl(decl).name_span,
                        format!("hostnames follow the default format `{HOSTNAME_FORMAT}`"),
                    ),
                };
                self.cluster.diagnostics.push(
                    Diagnostic::error(
                        codes::E0802,
                        format!("`{}` would get the hostname `{hostname}`, which is not a valid Kubernetes node name", plant.path(id)),
                        label,
                    )
                    .with_note("a node name is a DNS-1123 subdomain: labels of at most 63 characters from a-z, 0-9 and `-`, 253 in all")
                    .with_path(plant.path(id))
                    .with_help("use placeholders that give every node a non-empty, short name, such as `{rack}-{node}`"),
                );
            }
            if let Some(&other) = seen_host.get(&hostname) {
                if reported.insert(decl) {
                    let d = self.error(
                        codes::E0802,
                        decl,
                        format!("`{}` and `{}` both get the hostname `{hostname}`", plant.path(other), plant.path(id)),
                        "this node's hostname collides".into(),
                        "rename one of them, or set the site's `hostname_format` to a form that tells them apart (`{path}` uses the whole path)",
                    );
                    let d = match program.field_origin(plant.get(site).decl, "hostname_format") {
                        Some((file, span)) => d.with_label(Label::new(file, span, "hostnames are made from this format")),
                        None => d.with_note(format!("hostnames follow the default format `{HOSTNAME_FORMAT}`")),
                    };
                    self.cluster.diagnostics.push(d.with_path(plant.path(id)));
                }
                continue;
            }
            seen_host.insert(hostname.clone(), id);
            let prefix = plant.field(site, "k8s_label_prefix").and_then(|f| f.text().map(str::to_string));
            let prefix = prefix.unwrap_or_else(|| K8S_LABEL_PREFIX.to_string());
            if prefix_checked.insert(site)
                && let Some(why) = label_prefix_problem(&prefix)
            {
                let decl = plant.get(site).decl;
                let d = plant.program.decl(decl);
                let (file, span) = plant.program.field_origin(decl, "k8s_label_prefix").unwrap_or((d.file, d.name_span));
                self.cluster.diagnostics.push(
                    Diagnostic::error(
                        codes::E0802,
                        format!("`k8s_label_prefix = \"{prefix}\"` is not a Kubernetes label prefix: {why}"),
                        Label::new(file, span, "label keys start with this"),
                    )
                    .with_help(format!("use a DNS subdomain in lower case, such as `{K8S_LABEL_PREFIX}`"))
                    .with_path(plant.path(site)),
                );
            }
            let mut labels = BTreeMap::new();
            labels.insert(HOSTNAME_LABEL.to_string(), hostname.clone());
            labels.insert("topology.kubernetes.io/region".to_string(), dns_part(&plant.name(site)));
            for (kind, key) in [(Kind::Building, "building"), (Kind::Hall, "hall"), (Kind::Row, "row"), (Kind::Rack, "rack")] {
                if let Some(a) = plant.ancestor(id, kind) {
                    let value = self.label_path(a);
                    let owner = *label_owner.entry((kind, value.clone())).or_insert(a);
                    if owner != a && label_reported.insert((kind, value.clone())) {
                        let (here, there) = (plant.program.decl(plant.get(a).decl), plant.program.decl(plant.get(owner).decl));
                        self.cluster.diagnostics.push(
                            Diagnostic::error(
                                codes::E0805,
                                format!(
                                    "the {key}s `{}` and `{}` get the same Kubernetes label value `{value}`",
                                    plant.path(owner),
                                    plant.path(a)
                                ),
                                Label::new(here.file, here.name_span, format!("`{}`", plant.path(a))),
                            )
                            .with_label(Label::new(there.file, there.name_span, format!("`{}`", plant.path(owner))))
                            .with_note(format!("`{prefix}/{key}` values are lower case and DNS-safe, so topology-aware scheduling would take them for one {key}"))
                            .with_path(plant.path(a))
                            .with_help("rename one of them so that they differ in more than case or punctuation"),
                        );
                    }
                    labels.insert(format!("{prefix}/{key}"), value);
                }
            }
            if let Some(b) = labels.get(&format!("{prefix}/building")).cloned() {
                labels.insert("topology.kubernetes.io/zone".to_string(), b);
            }
            let domain = self.label_path(plant.nvlink_domain(id).unwrap_or(id));
            labels.insert(format!("{prefix}/nvlink-domain"), domain);
            let mut gpus = 0;
            let mut gpu_model = None;
            let (mut cores, mut memory) = (Some(0.0), Some(0.0));
            let mut leaf = None;
            for c in plant.subtree(id) {
                match plant.kind(c) {
                    Kind::Gpu => {
                        gpus += 1;
                        gpu_model.get_or_insert_with(|| dns_part(&crate::inventory::type_name(plant, plant.get(c).decl)));
                    }
                    Kind::Cpu => {
                        cores = cores.zip(plant.field(c, "cores").and_then(|f| f.number())).map(|(a, b)| a + b);
                        memory = memory.zip(plant.field(c, "memory").and_then(|f| f.number())).map(|(a, b)| a + b);
                    }
                    Kind::Nic if leaf.is_none() => leaf = self.net.endpoint_of.get(&c).map(|&e| self.net.endpoints[e as usize]),
                    _ => {}
                }
            }
            if let Some(model) = &gpu_model {
                labels.insert(format!("{prefix}/gpu"), model.clone());
            }
            if let Some(e) = leaf {
                let sw = self.net.switches[e.leaf];
                let fabric = self.net.fabrics.get(sw.fabric.0 as usize).map(|f| dns_part(&f.name)).unwrap_or_default();
                labels.insert(format!("{prefix}/fabric-leaf"), format!("{fabric}.{}-{}", TIER_NAMES[0], sw.number));
                let block = if self.net.fabrics[sw.fabric].tiers >= 3 { format!("{fabric}.pod-{}", sw.pod + 1) } else { fabric };
                labels.insert(format!("{prefix}/fabric-block"), block);
            }
            let bad: Vec<(String, String)> =
                labels.iter().filter(|(_, v)| !is_label_value(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
            if let Some((key, value)) = bad.first()
                && reported.insert(decl)
            {
                let d = self.error(
                    codes::E0802,
                    decl,
                    format!("the label `{key}` of `{}` would be `{value}`, which Kubernetes refuses", plant.path(id)),
                    "labels are made from this node's path".into(),
                    "a label value has at most 63 characters; shorten the names along the path",
                );
                self.cluster.diagnostics.push(d.with_path(plant.path(id)));
            }
            if self.cluster.prefix.is_empty() {
                self.cluster.prefix = prefix;
                self.cluster.site = dns_part(&plant.name(site));
            }
            let (cpu_cores, memory_bytes) =
                if plant.subtree(id).any(|c| plant.kind(c) == Kind::Cpu) { (cores, memory) } else { (None, None) };
            self.cluster.nodes.push(ClusterNode {
                device: d as u32,
                instance: id,
                hostname,
                labels,
                gpus,
                gpu_model,
                cpu_cores,
                memory_bytes,
            });
        }
        if self.cluster.prefix.is_empty() {
            self.cluster.prefix = K8S_LABEL_PREFIX.to_string();
        }
        let p = &self.cluster.prefix;
        self.cluster.levels =
            vec![format!("{p}/building"), format!("{p}/hall"), format!("{p}/row"), format!("{p}/rack"), HOSTNAME_LABEL.to_string()];
    }

    fn services(&mut self) {
        let plant = self.plant;
        let program = &plant.program;
        let node_of: HashMap<InstanceId, usize> = self.cluster.nodes.iter().enumerate().map(|(i, n)| (n.instance, i)).collect();
        let mut names = std::mem::take(&mut self.names);
        for root in plant.roots() {
            if plant.kind(root) != Kind::Inference {
                continue;
            }
            let decl = plant.get(root).decl;
            let own = plant.name(root);
            let serving = program.decl(decl).children.iter().copied().find(|&c| program.decl(c).kind == Kind::Serving);
            let slo = program.decl(decl).children.iter().copied().find(|&c| program.decl(c).kind == Kind::Slo);
            let namespace = serving.and_then(|s| program.field(s, "namespace")).and_then(|f| f.text().map(str::to_string));
            let Some((name, namespace)) = self.k8s_name(root, "service", serving, namespace, &mut names) else { continue };
            let tier = match slo.and_then(|s| program.field(s, "tier")).and_then(|f| f.text().map(str::to_string)).as_deref() {
                Some("human") => ServiceTier::Human,
                Some(_) => ServiceTier::Agent,
                None => {
                    let rtt = slo.and_then(|s| program.decl(s).bounds.iter().find(|b| b.name == "rtt")).and_then(|b| match b.value {
                        Value::Number { value, .. } => Some(value),
                        _ => None,
                    });
                    if rtt.is_some_and(|r| r < 0.2) { ServiceTier::Agent } else { ServiceTier::Human }
                }
            };
            let Some((decode, prefill)) = self.layout(root, decl) else { continue };
            let placed: Vec<InstanceId> = plant.placement_gpus(decl);
            let nodes: Vec<&ClusterNode> = {
                let mut seen = std::collections::BTreeSet::new();
                placed
                    .iter()
                    .filter_map(|&g| plant.outermost_node(g))
                    .filter_map(|top| node_of.get(&top).copied())
                    .filter(|&i| seen.insert(i))
                    .map(|i| &self.cluster.nodes[i])
                    .collect()
            };
            let gpus_per_node = nodes.iter().map(|n| n.gpus).filter(|&g| g > 0).min().unwrap_or(0);
            let gpu_model = nodes.first().and_then(|n| n.gpu_model.clone());
            if gpus_per_node == 0 || decode.gpus_per_replica == 0 {
                continue; // nothing placed: the placement checks report it
            }
            let Some(decode_pool) = self.pool(decl, &own, &placed, gpus_per_node, decode) else { continue };
            let prefill_pool = match prefill {
                Some(p) => match self.pool(decl, &own, &placed, gpus_per_node, p) {
                    Some(pool) => Some(pool),
                    None => continue,
                },
                None => None,
            };
            self.cluster.services.push(ClusterService {
                instance: root,
                name,
                namespace,
                tier,
                pool: decode_pool,
                prefill: prefill_pool,
                gpu_model,
                serving,
            });
        }
        self.names = names;
    }

    /// The Kubernetes name and namespace of a service or training job (`what`), or `None`
    /// with E0802 where Kubernetes would refuse them or they collide with another's; the
    /// names taken so far are in `names` (`namespace/name`), and every name is a file of k8s/.
    fn k8s_name(
        &mut self,
        root: InstanceId,
        what: &str,
        namespace_decl: Option<DeclId>,
        namespace: Option<String>,
        names: &mut HashMap<String, InstanceId>,
    ) -> Option<(String, String)> {
        let plant = self.plant;
        let decl = plant.get(root).decl;
        let own = plant.name(root);
        let name = dns_part(&own);
        let namespace = namespace.unwrap_or_else(|| name.clone());
        if RESERVED_NAMES.contains(&name.as_str()) {
            let d = self.error(
                codes::E0802,
                decl,
                format!("the {what} `{own}` would be written to k8s/{name}.yaml, which holds the {name} manifests"),
                "this name".into(),
                &format!("rename the {what}"),
            );
            self.cluster.diagnostics.push(d);
            return None;
        }
        if !is_dns_label(&name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) || name.len() > 52 {
            let d = self.error(
                codes::E0802,
                decl,
                format!("the {what} `{own}` cannot be named `{name}` in Kubernetes"),
                "this name".into(),
                &format!(
                    "a {what} name starts with a letter and has at most 52 characters (its controller adds suffixes to its pods' names)"
                ),
            );
            self.cluster.diagnostics.push(d);
            return None;
        }
        if !is_dns_label(&namespace) {
            let d = self.error(
                codes::E0802,
                namespace_decl.unwrap_or(decl),
                format!("`{namespace}` is not a valid Kubernetes namespace"),
                "the namespace is set here".into(),
                "a namespace has at most 63 characters from a-z, 0-9 and `-`",
            );
            self.cluster.diagnostics.push(d);
            return None;
        }
        // Every service and job is also a file of k8s/: names collide across namespaces too.
        if let Some((_, &other)) = names.iter().find(|(k, _)| k.rsplit('/').next() == Some(name.as_str())) {
            let d = self.error(
                codes::E0802,
                decl,
                format!("`{}` and `{own}` both become `{name}` in Kubernetes", plant.name(other)),
                format!("this {what}'s name collides"),
                "rename one of them",
            );
            self.cluster.diagnostics.push(d);
            return None;
        }
        names.insert(format!("{namespace}/{name}"), root);
        Some((name, namespace))
    }

    /// Every training job: one pod per node of its GPUs (E0803 where they are not whole
    /// nodes), the level that keeps a tensor-parallel group together, and the one that holds
    /// the whole job.
    fn jobs(&mut self) {
        let plant = self.plant;
        let node_of: HashMap<InstanceId, usize> = self.cluster.nodes.iter().enumerate().map(|(i, n)| (n.instance, i)).collect();
        let mut names = std::mem::take(&mut self.names);
        for estimate in self.training {
            let root = estimate.instance;
            let decl = plant.get(root).decl;
            let Some((name, namespace)) = self.k8s_name(root, "training job", None, None, &mut names) else { continue };
            let placed: Vec<InstanceId> = plant.placement_gpus(decl).into_iter().take(estimate.gpus as usize).collect();
            let first =
                placed.first().and_then(|&g| plant.outermost_node(g)).and_then(|n| node_of.get(&n)).map(|&i| &self.cluster.nodes[i]);
            let Some(node) = first else { continue };
            let (gpus_per_node, gpu_model) = (node.gpus, node.gpu_model.clone());
            let gpus = u32::try_from(estimate.gpus).unwrap_or(u32::MAX);
            if gpus == 0 || gpus_per_node == 0 {
                continue;
            }
            let (pods, per_pod) = if gpus <= gpus_per_node { (1, gpus) } else { (gpus.div_ceil(gpus_per_node), gpus_per_node) };
            if gpus > gpus_per_node && !gpus.is_multiple_of(gpus_per_node) {
                let (file, span) =
                    plant.program.field_origin(decl, "gpus").unwrap_or((plant.program.decl(decl).file, plant.program.decl(decl).name_span));
                self.cluster.diagnostics.push(
                    Diagnostic::error(
                        codes::E0803,
                        format!("a training job of {gpus} GPUs cannot be split into pods of equal size on nodes of {gpus_per_node} GPUs"),
                        Label::new(file, span, format!("{gpus} is not a multiple of {gpus_per_node}")),
                    )
                    .with_note("a training job runs one pod per node, each with all of the node's GPUs")
                    .with_path(plant.name(root))
                    .with_help(format!("use a multiple of {gpus_per_node}, such as {}", gpus / gpus_per_node * gpus_per_node)),
                );
                continue;
            }
            // JobSet names pods `<name>-trainer-0-<index>-<5 characters>`: at most 63.
            let longest = name.len() + "-trainer-0-".len() + (pods - 1).to_string().len() + 6;
            if longest > 63 {
                let d = self.error(
                    codes::E0802,
                    decl,
                    format!("the training job `{}` makes pod names of {longest} characters in Kubernetes", plant.name(root)),
                    "this name".into(),
                    &format!("JobSet pod names are `<name>-trainer-0-<index>-<suffix>`, at most 63 characters: use a name of at most {} characters", name.len() + 63 - longest),
                );
                self.cluster.diagnostics.push(d);
                continue;
            }
            let tp = estimate.layout.map_or(1, |l| l.tp.max(1));
            if !(tp.is_multiple_of(per_pod) || per_pod.is_multiple_of(tp)) {
                let (file, span) =
                    plant.program.field_origin(decl, "gpus").unwrap_or((plant.program.decl(decl).file, plant.program.decl(decl).name_span));
                self.cluster.diagnostics.push(
                    Diagnostic::error(
                        codes::E0803,
                        format!("a tensor-parallel group of {tp} GPUs does not line up with pods of {per_pod} GPUs"),
                        Label::new(file, span, format!("pods of {per_pod} GPUs")),
                    )
                    .with_note("each group must fill whole pods, or share one pod with others of its size, for Kueue to keep it together")
                    .with_path(plant.name(root))
                    .with_help(format!("use a tp that divides {per_pod} or is a multiple of it")),
                );
                continue;
            }
            let tp_pods = tp.div_ceil(per_pod).max(1);
            let (tp_level, _) = self.level(&placed, tp, tp_pods);
            let (job_level, _) = self.level(&placed, gpus, pods);
            self.cluster.jobs.push(ClusterJob {
                instance: root,
                name,
                namespace,
                pods,
                gpus_per_pod: per_pod,
                layout: estimate.layout,
                tp_pods,
                tp_level,
                job_level,
                guaranteed_gpus: estimate.guaranteed_gpus,
                borrowed_gpus: estimate.borrowed_gpus,
                gpu_model,
            });
        }
        self.names = names;
    }

    /// The decode (or only) pool and the prefill pool of a service: as its SLO check
    /// settled them (the planner's choice included), else as the spec writes them; `None`
    /// for a planned service the check could not size.
    fn layout(&self, root: InstanceId, decl: DeclId) -> Option<(PoolSize, Option<PoolSize>)> {
        let program = &self.plant.program;
        if let Some(e) = self.estimates.iter().find(|e| e.instance == root).and_then(|e| e.estimate.as_ref()) {
            let size = |p: &crate::check::PoolFigures| PoolSize {
                replicas: p.replicas,
                gpus_per_replica: p.gpus_per_replica,
                parallelism: p.parallelism,
            };
            return Some((size(&e.decode), e.disaggregated.then(|| size(&e.prefill))));
        }
        let child = |d: DeclId, kind: Kind| program.decl(d).children.iter().copied().find(|&c| program.decl(c).kind == kind);
        let size = |d: DeclId| {
            let num = |f: &str| program.field(d, f).and_then(|v| v.number()).unwrap_or(0.0).max(0.0) as u32;
            let gpus = num("gpus_per_replica");
            let parallelism = child(d, Kind::Parallelism).map_or(Parallelism { tp: gpus.max(1), pp: 1, dp: 1, ep: 1 }, |p| {
                let degree = |f: &str| program.field(p, f).and_then(|v| v.number()).unwrap_or(1.0).max(1.0) as u32;
                Parallelism { tp: degree("tp"), pp: degree("pp"), dp: degree("dp"), ep: degree("ep") }
            });
            PoolSize { replicas: num("replicas"), gpus_per_replica: gpus, parallelism }
        };
        match (child(decl, Kind::Prefill), child(decl, Kind::Decode)) {
            (Some(p), Some(d)) => Some((size(d), Some(size(p)))),
            _ => {
                let s = size(decl);
                (s.gpus_per_replica > 0).then_some((s, None))
            }
        }
    }

    /// A pool's pods on nodes of `gpus_per_node` GPUs, and the topology level that keeps a
    /// replica together; `None` (with E0803) where a replica cannot be split into equal pods.
    fn pool(&mut self, decl: DeclId, own: &str, placed: &[InstanceId], gpus_per_node: u32, size: PoolSize) -> Option<ClusterPool> {
        let program = &self.plant.program;
        let gpus_per_replica = size.gpus_per_replica;
        let (pods, per_pod) = if gpus_per_replica <= gpus_per_node {
            (1, gpus_per_replica)
        } else {
            (gpus_per_replica.div_ceil(gpus_per_node), gpus_per_node)
        };
        if gpus_per_replica > gpus_per_node && !gpus_per_replica.is_multiple_of(gpus_per_node) {
            let (file, span) =
                program.field_origin(decl, "gpus_per_replica").unwrap_or((program.decl(decl).file, program.decl(decl).name_span));
            self.cluster.diagnostics.push(
                Diagnostic::error(
                    codes::E0803,
                    format!(
                        "a replica of {gpus_per_replica} GPUs cannot be split into pods of equal size on nodes of {gpus_per_node} GPUs"
                    ),
                    Label::new(file, span, format!("{gpus_per_replica} is not a multiple of {gpus_per_node}")),
                )
                .with_note("a LeaderWorkerSet group is pods of one shape, one pod per node")
                .with_path(own.to_string())
                .with_help(format!(
                    "use a multiple of {gpus_per_node}, such as {} or {}",
                    gpus_per_replica / gpus_per_node * gpus_per_node,
                    pods * gpus_per_node
                )),
            );
            return None;
        }
        let (level, level_reason) = self.level(placed, gpus_per_replica, pods);
        Some(ClusterPool {
            replicas: size.replicas,
            gpus_per_replica,
            pods_per_replica: pods,
            gpus_per_pod: per_pod,
            level,
            level_reason,
            parallelism: size.parallelism,
        })
    }

    /// The lowest topology level whose domains hold a replica: the node for a one-pod
    /// replica, the rack when racks are NVLink domains large enough, else the smallest level
    /// where some domain of the placement has enough GPUs.
    fn level(&self, gpus: &[InstanceId], per_replica: u32, pods: u32) -> (String, String) {
        let plant = self.plant;
        let p = &self.cluster.prefix;
        if pods == 1 {
            return (HOSTNAME_LABEL.into(), format!("a replica ({per_replica} GPUs) fits in one node, inside its NVLink domain"));
        }
        let largest = |kind: Kind| -> u32 {
            let mut counts: HashMap<InstanceId, u32> = HashMap::new();
            for &g in gpus {
                if let Some(a) = plant.ancestor(g, kind) {
                    *counts.entry(a).or_insert(0) += 1;
                }
            }
            counts.values().copied().max().unwrap_or(0)
        };
        let nvlink_racks = gpus
            .iter()
            .filter_map(|&g| plant.ancestor(g, Kind::Rack))
            .all(|r| plant.field(r, "nvlink_domain").and_then(|f| f.boolean()).unwrap_or(false));
        let rack_gpus = largest(Kind::Rack);
        if nvlink_racks && rack_gpus >= per_replica {
            return (
                format!("{p}/rack"),
                format!("the racks are NVLink domains of {rack_gpus} GPUs: a replica of {per_replica} GPUs stays inside one"),
            );
        }
        for (kind, key) in [(Kind::Rack, "rack"), (Kind::Row, "row"), (Kind::Hall, "hall"), (Kind::Building, "building")] {
            let most = largest(kind);
            if most >= per_replica {
                return (
                    format!("{p}/{key}"),
                    format!(
                        "no NVLink domain holds a replica of {per_replica} GPUs; the smallest level that does is the {key} ({most} GPUs)"
                    ),
                );
            }
        }
        (format!("{p}/building"), format!("no single building of the placement holds a replica of {per_replica} GPUs"))
    }
}

/// Builds the Kubernetes view of a checked spec.
pub fn build(plant: &Plant, net: &Network, inv: &Inventory, estimates: &[ServiceEstimate], training: &[TrainingEstimate]) -> Cluster {
    let mut b = Builder { plant, net, inv, estimates, training, names: HashMap::new(), cluster: Cluster::default() };
    b.nodes();
    b.services();
    b.jobs();
    b.cluster
}

/// The query: the Kubernetes view of the plant. The gated entry point is
/// [`crate::pipeline::cluster`].
#[salsa::tracked]
pub fn cluster(db: &dyn salsa::Database, project: crate::source::Project) -> std::sync::Arc<Cluster> {
    let plant = crate::plant::plant(db, project);
    let network = crate::network::network(db, project);
    let budgets = crate::check::budgets(db, project);
    std::sync::Arc::new(build(plant, network, crate::inventory::inventory(db, project), &budgets.services, &budgets.training))
}

/// Why `prefix` cannot start a Kubernetes label key (a DNS subdomain: at most 253
/// characters of lower-case letters, digits, `-` and `.`, each dot-separated part starting
/// and ending with a letter or digit), or `None`.
fn label_prefix_problem(prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return Some("it is empty".into());
    }
    if prefix.len() > 253 {
        return Some(format!("it is {} characters long; the most is 253", prefix.len()));
    }
    if let Some(c) = prefix.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.')) {
        return Some(format!("`{}` is not allowed (lower-case letters, digits, `-` and `.` only)", c.escape_default()));
    }
    for part in prefix.split('.') {
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if part.is_empty() || !alnum(part.chars().next()) || !alnum(part.chars().last()) || part.len() > 63 {
            return Some(format!("its part `{part}` must be 1 to 63 characters starting and ending with a letter or digit"));
        }
    }
    None
}
