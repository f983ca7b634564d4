//! Kubernetes manifests (ARTIFACTS.md, `OUT/k8s/`): Node topology labels, Kueue's Topology,
//! ResourceFlavors, ClusterQueue and LocalQueues, one LeaderWorkerSet with its Service per
//! inference service, PriorityClasses per SLO tier, Namespaces, and a kustomization.
//!
//! Objects are the serde structs of [`crate::k8s_api`] for core kinds and serde
//! structs with their CRDs' field names for Kueue and LeaderWorkerSet; YAML is written by
//! serde-saphyr (which quotes `yes`, `on`, `1e3` and other strings YAML 1.1 readers would
//! misread). Names and shapes come from the [`Cluster`] stage, which has already reported
//! what Kubernetes would refuse.

use crate::k8s_api::{ClusterQueueSpec, FlavorQuotas, LocalQueueSpec, ResourceGroup, ResourceQuota};
use crate::k8s_api::{
    Container, ContainerPort, EnvVar, LabelSelector, Namespace, Node, Object, ObjectMeta, PodSpec, PodTemplateSpec, PriorityClass,
    Quantity, ResourceRequirements, ServicePort, ServiceSpec,
};
use crate::k8s_api::{Toleration, gpu_toleration, meta, write_docs, yaml};
use fabric_core::cluster::{Cluster, ClusterPool, ClusterService, ServiceTier};
use fabric_core::plant::Plant;
use fabric_core::resolve::Program;
use fabric_core::schema::Kind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub use crate::k8s_api::GPU_RESOURCE;
/// The image used when a service's `serving` block names none (vLLM, the default engine).
pub const DEFAULT_IMAGE: &str = "vllm/vllm-openai:latest";

/// The image used for SGLang when the `serving` block names none.
pub const DEFAULT_SGLANG_IMAGE: &str = "lmsysorg/sglang:latest";

/// The PriorityClass of a tier, and its value (agent-facing above human-facing).
pub fn priority_class(tier: ServiceTier) -> (&'static str, i32) {
    match tier {
        ServiceTier::Agent => ("fabric-agent-facing", 100_000),
        ServiceTier::Human => ("fabric-human-facing", 10_000),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TopologyLevel {
    node_label: String,
}

#[derive(Serialize)]
struct TopologySpec {
    levels: Vec<TopologyLevel>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceFlavorSpec {
    node_labels: BTreeMap<String, String>,
    topology_name: String,
    tolerations: Vec<Toleration>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LeaderWorkerTemplate {
    size: u32,
    restart_policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    leader_template: Option<PodTemplateSpec>,
    worker_template: PodTemplateSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LeaderWorkerSetSpec {
    replicas: u32,
    leader_worker_template: LeaderWorkerTemplate,
    startup_policy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DisaggregatedRole {
    name: &'static str,
    spec: LeaderWorkerSetSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DisaggregatedSetSpec {
    roles: Vec<DisaggregatedRole>,
}

/// One pool of a service as the manifests shape it: the pool and its role (`None` for an
/// aggregated service's only pool).
struct Shape<'a> {
    role: Option<&'static str>,
    pool: &'a ClusterPool,
}

impl std::ops::Deref for Shape<'_> {
    type Target = ClusterPool;
    fn deref(&self) -> &ClusterPool {
        self.pool
    }
}

impl<'a> Shape<'a> {
    /// The decode (or only) pool of a service.
    fn decode(s: &'a ClusterService) -> Shape<'a> {
        Shape { role: s.prefill.as_ref().map(|_| "decode"), pool: &s.pool }
    }

    /// The prefill pool of a disaggregated service.
    fn prefill(p: &'a ClusterPool) -> Shape<'a> {
        Shape { role: Some("prefill"), pool: p }
    }
}

/// The Kubernetes emitter over one checked spec.
pub struct Kubernetes<'a> {
    plant: &'a Plant,
    cluster: &'a Cluster,
}

impl<'a> Kubernetes<'a> {
    /// An emitter over a plant and its cluster view.
    pub fn new(plant: &'a Plant, cluster: &'a Cluster) -> Self {
        Kubernetes { plant, cluster }
    }

    fn program(&self) -> &Program {
        &self.plant.program
    }

    /// The image of a service whose `serving` block names none: its engine's.
    fn default_image(&self, s: &ClusterService) -> &'static str {
        let engine = s.serving.and_then(|c| self.program().field(c, "engine")).and_then(|f| f.text().map(str::to_string));
        if engine.as_deref() == Some("sglang") { DEFAULT_SGLANG_IMAGE } else { DEFAULT_IMAGE }
    }

    /// The port a service's engine serves on (`serving.port`, default 8000).
    fn port(&self, s: &ClusterService) -> u32 {
        s.serving.and_then(|c| self.program().field(c, "port")).and_then(|f| f.number()).unwrap_or(8000.0) as u32
    }

    /// The files of `k8s/`, relative to OUT, in writing order.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = fabric_core::cluster::RESERVED_NAMES[..4].iter().map(|f| format!("k8s/{f}.yaml")).collect();
        files.extend(self.cluster.services.iter().map(|s| format!("k8s/{}.yaml", s.name)));
        files.extend(self.cluster.jobs.iter().map(|j| format!("k8s/{}.yaml", j.name)));
        files.push("k8s/kustomization.yaml".into());
        files
    }

    /// Writes one file of [`Kubernetes::files`].
    pub fn write(&self, path: &str, out: &mut dyn Write) -> io::Result<()> {
        match path.strip_prefix("k8s/").and_then(|p| p.strip_suffix(".yaml")) {
            Some("namespaces") => self.write_namespaces(out),
            Some("nodes") => self.write_nodes(out),
            Some("priority-classes") => self.write_priority_classes(out),
            Some("kueue") => self.write_kueue(out),
            Some("kustomization") => self.write_kustomization(out),
            Some(name) => {
                match (self.cluster.services.iter().find(|s| s.name == name), self.cluster.jobs.iter().find(|j| j.name == name)) {
                    (Some(service), _) => self.write_service(service, out),
                    (None, Some(job)) => crate::k8s_jobs::write_job(self.plant, job, out),
                    (None, None) => Err(io::Error::new(io::ErrorKind::NotFound, format!("no artifact `{path}`"))),
                }
            }
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("no artifact `{path}`"))),
        }
    }

    fn namespaces(&self) -> Vec<String> {
        let mut names: Vec<String> = self.cluster.services.iter().map(|s| s.namespace.clone()).collect();
        names.extend(self.cluster.jobs.iter().map(|j| j.namespace.clone()));
        names.sort();
        names.dedup();
        names
    }

    fn write_namespaces(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut docs = Vec::new();
        for name in self.namespaces() {
            docs.push((String::new(), yaml(&Namespace { metadata: meta(&name, None), ..Namespace::default() })?));
        }
        if docs.is_empty() {
            out.write_all(b"# No inference service or training job, so no namespace.\n")?;
        }
        write_docs(out, &docs)
    }

    fn write_nodes(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut docs = Vec::with_capacity(self.cluster.nodes.len());
        for (i, node) in self.cluster.nodes.iter().enumerate() {
            let comment = if i == 0 {
                format!(
                    "One Node per server with its topology labels; apply to label the nodes that join the cluster.\nNode names follow the site's `hostname_format`; labels use the prefix `{}`.",
                    self.cluster.prefix
                )
            } else {
                String::new()
            };
            let object =
                Node { metadata: ObjectMeta { labels: Some(node.labels.clone()), ..meta(&node.hostname, None) }, ..Node::default() };
            docs.push((comment, yaml(&object)?));
        }
        write_docs(out, &docs)
    }

    fn write_priority_classes(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut tiers: Vec<ServiceTier> = self.cluster.services.iter().map(|s| s.tier).collect();
        tiers.sort();
        tiers.dedup();
        let mut docs = Vec::new();
        for tier in tiers {
            let (name, value) = priority_class(tier);
            let description = match tier {
                ServiceTier::Agent => "Agent-facing inference: agents call each other and wait on every round trip.",
                ServiceTier::Human => "Human-facing inference: people tolerate hundreds of milliseconds.",
            };
            let object = PriorityClass {
                metadata: meta(name, None),
                value: Some(value),
                global_default: Some(false),
                description: Some(description.into()),
                ..PriorityClass::default()
            };
            docs.push((String::new(), yaml(&object)?));
        }
        if !self.cluster.jobs.is_empty() {
            docs.push((String::new(), yaml(&crate::k8s_jobs::training_priority_class())?));
        }
        if docs.is_empty() {
            out.write_all(b"# No inference service or training job, so no priority class.\n")?;
        }
        write_docs(out, &docs)
    }

    fn flavor_name(&self, model: &str) -> String {
        crate::k8s_api::flavor_name(&self.cluster.site, model)
    }

    fn write_kueue(&self, out: &mut dyn Write) -> io::Result<()> {
        let c = self.cluster;
        let mut docs = Vec::new();
        let topology = Object {
            api_version: "kueue.x-k8s.io/v1beta1",
            kind: "Topology",
            metadata: meta(&c.site, None),
            spec: TopologySpec { levels: c.levels.iter().map(|l| TopologyLevel { node_label: l.clone() }).collect() },
        };
        docs.push(("The plant's levels, building to node, for topology-aware scheduling.".to_string(), yaml(&topology)?));
        // One flavor per GPU model, with the plant's capacity as its quota.
        let mut by_model: BTreeMap<String, (u64, Option<f64>, Option<f64>)> = BTreeMap::new();
        for node in &c.nodes {
            let Some(model) = &node.gpu_model else { continue };
            let e = by_model.entry(model.clone()).or_insert((0, Some(0.0), Some(0.0)));
            e.0 += u64::from(node.gpus);
            e.1 = e.1.zip(node.cpu_cores).map(|(a, b)| a + b);
            e.2 = e.2.zip(node.memory_bytes).map(|(a, b)| a + b);
        }
        let prefix = &c.prefix;
        for model in by_model.keys() {
            let flavor = Object {
                api_version: "kueue.x-k8s.io/v1beta1",
                kind: "ResourceFlavor",
                metadata: meta(&self.flavor_name(model), None),
                spec: ResourceFlavorSpec {
                    node_labels: BTreeMap::from([(format!("{prefix}/gpu"), model.clone())]),
                    topology_name: c.site.clone(),
                    tolerations: vec![gpu_toleration()],
                },
            };
            docs.push((String::new(), yaml(&flavor)?));
        }
        if !c.jobs.is_empty() {
            let gpus: BTreeMap<String, u64> = by_model.iter().map(|(m, v)| (m.clone(), v.0)).collect();
            docs.extend(crate::k8s_jobs::cohort_queues(c, &gpus)?);
            return write_docs(out, &docs);
        }
        let cpu_known = by_model.values().all(|v| v.1.is_some());
        let memory_known = by_model.values().all(|v| v.2.is_some());
        let mut covered = vec![GPU_RESOURCE.to_string()];
        if cpu_known {
            covered.push("cpu".into());
        }
        if memory_known {
            covered.push("memory".into());
        }
        let flavors = by_model
            .iter()
            .map(|(model, (gpus, cores, memory))| {
                let mut resources = vec![ResourceQuota::nominal(GPU_RESOURCE, gpus.to_string())];
                if cpu_known {
                    resources.push(ResourceQuota::nominal("cpu", format!("{}", cores.unwrap_or(0.0).round() as u64)));
                }
                if memory_known {
                    resources.push(ResourceQuota::nominal("memory", format!("{}", memory.unwrap_or(0.0).round() as u64)));
                }
                FlavorQuotas { name: self.flavor_name(model), resources }
            })
            .collect();
        let queue = Object {
            api_version: "kueue.x-k8s.io/v1beta1",
            kind: "ClusterQueue",
            metadata: meta(&c.site, None),
            spec: ClusterQueueSpec {
                cohort: None,
                namespace_selector: LabelSelector::default(),
                resource_groups: vec![ResourceGroup { covered_resources: covered, flavors }],
                preemption: None,
            },
        };
        docs.push((
            "The plant's whole capacity: GPUs per model, and CPU cores and memory where every CPU has the figure.".to_string(),
            yaml(&queue)?,
        ));
        for s in &c.services {
            let local = Object {
                api_version: "kueue.x-k8s.io/v1beta1",
                kind: "LocalQueue",
                metadata: meta(&s.name, Some(&s.namespace)),
                spec: LocalQueueSpec { cluster_queue: c.site.clone() },
            };
            docs.push((String::new(), yaml(&local)?));
        }
        write_docs(out, &docs)
    }

    /// The engine's command line for one pod of `pool` (`leader`: the group's first pod):
    /// its parallelism flags are the checked layout's.
    fn command(&self, s: &ClusterService, pool: &Shape<'_>, leader: bool) -> (Option<Vec<String>>, Vec<EnvVar>) {
        let program = self.program();
        let decl = self.plant.get(s.instance).decl;
        let serving = s.serving;
        let engine = serving.and_then(|c| program.field(c, "engine")).and_then(|f| f.text().map(str::to_string));
        let port = self.port(s).to_string();
        let model = program.field(decl, "model").and_then(|f| f.type_id());
        let repository = model.and_then(|m| program.field(m, "repository")).and_then(|f| f.text().map(str::to_string));
        let repository = repository.unwrap_or_else(|| model.and_then(|m| program.decl(m).name.clone()).unwrap_or_default());
        let par = pool.parallelism;
        let pods = pool.pods_per_replica.to_string();
        let shell = |line: String| Some(vec!["/bin/sh".to_string(), "-c".to_string(), line]);
        match engine.as_deref().unwrap_or("vllm") {
            "vllm" => {
                let mut flags = vec!["--tensor-parallel-size".to_string(), par.tp.to_string()];
                if par.pp > 1 {
                    flags.extend(["--pipeline-parallel-size".to_string(), par.pp.to_string()]);
                }
                if par.dp > 1 {
                    flags.extend(["--data-parallel-size".to_string(), par.dp.to_string()]);
                    if pool.pods_per_replica > 1 {
                        let local = (par.dp / pool.pods_per_replica).max(1);
                        flags.extend([
                            "--data-parallel-size-local".to_string(),
                            local.to_string(),
                            "--data-parallel-address".to_string(),
                            "$(LWS_LEADER_ADDRESS)".to_string(),
                        ]);
                    }
                }
                if par.ep > 1 {
                    flags.push("--enable-expert-parallel".to_string());
                }
                if pool.role.is_some() {
                    flags.extend([
                        "--kv-transfer-config".to_string(),
                        r#"{"kv_connector":"NixlConnector","kv_role":"kv_both"}"#.to_string(),
                    ]);
                }
                flags.extend(["--port".to_string(), port]);
                if pool.pods_per_replica == 1 {
                    let mut command = vec!["vllm".to_string(), "serve".to_string(), repository];
                    command.extend(flags);
                    (Some(command), Vec::new())
                } else if leader {
                    // Multi-node vLLM: a Ray cluster per group, the leader serves.
                    let quoted: Vec<String> = flags.iter().map(|f| if f.starts_with('{') { format!("'{f}'") } else { f.clone() }).collect();
                    (
                        shell(format!(
                            "ray start --head --port=6379 && vllm serve {repository} {} --distributed-executor-backend ray",
                            quoted.join(" ")
                        )),
                        Vec::new(),
                    )
                } else {
                    (shell("ray start --address=$(LWS_LEADER_ADDRESS):6379 --block".into()), Vec::new())
                }
            }
            "sglang" => {
                let mut command: Vec<String> =
                    ["python3", "-m", "sglang.launch_server", "--model-path", &repository].map(str::to_string).to_vec();
                // SGLang's --tp-size counts every GPU of a pipeline stage; attention data
                // parallelism splits them into --dp-size attention groups.
                command.extend(["--tp-size".to_string(), (par.tp * par.dp).to_string()]);
                if par.pp > 1 {
                    command.extend(["--pp-size".to_string(), par.pp.to_string()]);
                }
                if par.dp > 1 {
                    command.extend(["--dp-size".to_string(), par.dp.to_string(), "--enable-dp-attention".to_string()]);
                }
                if par.ep > 1 {
                    command.extend(["--ep-size".to_string(), par.ep.to_string()]);
                }
                if let Some(role) = pool.role {
                    command.extend(["--disaggregation-mode".to_string(), role.to_string()]);
                }
                command.extend(
                    [
                        "--nnodes",
                        &pods,
                        "--node-rank",
                        "$(LWS_WORKER_INDEX)",
                        "--dist-init-addr",
                        "$(LWS_LEADER_ADDRESS):20000",
                        "--host",
                        "0.0.0.0",
                        "--port",
                        &port,
                    ]
                    .map(str::to_string),
                );
                (Some(command), Vec::new())
            }
            // Other engines: the image's own entry point, told the group's shape.
            _ => (
                None,
                vec![
                    EnvVar { name: "FABRIC_MODEL".into(), value: Some(repository) },
                    EnvVar { name: "FABRIC_GPUS_PER_REPLICA".into(), value: Some(pool.gpus_per_replica.to_string()) },
                    EnvVar { name: "FABRIC_PODS_PER_REPLICA".into(), value: Some(pods) },
                    EnvVar {
                        name: "FABRIC_PARALLELISM".into(),
                        value: Some(format!("tp={},pp={},dp={},ep={}", par.tp, par.pp, par.dp, par.ep)),
                    },
                ],
            ),
        }
    }

    fn pod_template(&self, s: &ClusterService, pool: &Shape<'_>, leader: bool) -> PodTemplateSpec {
        let program = self.program();
        let serving = s.serving;
        let image = serving.and_then(|c| program.field(c, "image")).and_then(|f| f.text().map(str::to_string));
        let port = self.port(s) as i32;
        let (command, env) = self.command(s, pool, leader);
        let mut labels = BTreeMap::from([("kueue.x-k8s.io/queue-name".to_string(), s.name.clone())]);
        labels.insert("fabric-lang.org/role".into(), if leader { "leader" } else { "worker" }.into());
        if let Some(role) = pool.role {
            labels.insert("fabric-lang.org/pool".into(), role.into());
        }
        let group = match pool.role {
            Some(role) => format!("{}-{role}", s.name),
            None => s.name.clone(),
        };
        let annotations = BTreeMap::from([
            ("kueue.x-k8s.io/podset-required-topology".to_string(), pool.level.clone()),
            ("kueue.x-k8s.io/podset-group-name".to_string(), group),
        ]);
        let gpus = BTreeMap::from([(GPU_RESOURCE.to_string(), Quantity(pool.gpus_per_pod.to_string()))]);
        let container = Container {
            name: "engine".into(),
            image: Some(image.unwrap_or_else(|| self.default_image(s).to_string())),
            command,
            env: (!env.is_empty()).then_some(env),
            ports: leader.then(|| vec![ContainerPort { container_port: port, name: Some("http".into()) }]),
            resources: Some(ResourceRequirements { limits: Some(gpus) }),
        };
        PodTemplateSpec {
            metadata: Some(ObjectMeta { labels: Some(labels), annotations: Some(annotations), ..ObjectMeta::default() }),
            spec: Some(PodSpec {
                containers: vec![container],
                priority_class_name: Some(priority_class(s.tier).0.into()),
                tolerations: Some(vec![gpu_toleration()]),
                restart_policy: None,
            }),
        }
    }

    /// The LeaderWorkerSet template of a pool's replicas.
    fn template(&self, s: &ClusterService, pool: &Shape<'_>) -> LeaderWorkerTemplate {
        LeaderWorkerTemplate {
            size: pool.pods_per_replica,
            restart_policy: "RecreateGroupOnPodRestart",
            leader_template: (pool.pods_per_replica > 1).then(|| self.pod_template(s, pool, true)),
            worker_template: self.pod_template(s, pool, pool.pods_per_replica == 1),
        }
    }

    fn write_service(&self, s: &ClusterService, out: &mut dyn Write) -> io::Result<()> {
        let program = self.program();
        let decl = self.plant.get(s.instance).decl;
        let has_image =
            program.decl(decl).children.iter().any(|&c| {
                program.decl(c).kind == Kind::Serving && program.field(c, "image").and_then(|f| f.text().map(str::len)).is_some()
            });
        let describe = |pool: &Shape<'_>| {
            let p = pool.parallelism;
            format!(
                "{} replicas of {} GPUs (tp {}, pp {}, dp {}, ep {}), each a group of {} pod{} with {} GPU{}.\nTopology: {} ({}).",
                pool.replicas,
                pool.gpus_per_replica,
                p.tp,
                p.pp,
                p.dp,
                p.ep,
                pool.pods_per_replica,
                if pool.pods_per_replica == 1 { "" } else { "s" },
                pool.gpus_per_pod,
                if pool.gpus_per_pod == 1 { "" } else { "s" },
                pool.level,
                pool.level_reason
            )
        };
        let decode = Shape::decode(s);
        let labels = Some(BTreeMap::from([("kueue.x-k8s.io/queue-name".to_string(), s.name.clone())]));
        let (mut comment, object) = match &s.prefill {
            None => {
                let lws = Object {
                    api_version: "leaderworkerset.x-k8s.io/v1",
                    kind: "LeaderWorkerSet",
                    metadata: ObjectMeta { labels, ..meta(&s.name, Some(&s.namespace)) },
                    spec: LeaderWorkerSetSpec {
                        replicas: decode.replicas,
                        leader_worker_template: self.template(s, &decode),
                        startup_policy: "LeaderCreated",
                    },
                };
                (format!("Inference service `{}`: {}", self.plant.name(s.instance), describe(&decode)), yaml(&lws)?)
            }
            Some(p) => {
                let prefill = Shape::prefill(p);
                let role = |pool: &Shape<'_>| DisaggregatedRole {
                    name: pool.role.unwrap_or("decode"),
                    spec: LeaderWorkerSetSpec {
                        replicas: pool.replicas,
                        leader_worker_template: self.template(s, pool),
                        startup_policy: "LeaderCreated",
                    },
                };
                let set = Object {
                    api_version: "disaggregatedset.x-k8s.io/v1",
                    kind: "DisaggregatedSet",
                    metadata: ObjectMeta { labels, ..meta(&s.name, Some(&s.namespace)) },
                    spec: DisaggregatedSetSpec { roles: vec![role(&prefill), role(&decode)] },
                };
                (
                    format!(
                        "Inference service `{}`, disaggregated: prefill {}\nDecode {}",
                        self.plant.name(s.instance),
                        describe(&prefill),
                        describe(&decode)
                    ),
                    yaml(&set)?,
                )
            }
        };
        if !has_image {
            comment.push_str(&format!("\n`serving.image` is not set: the pods use {}; pin a version in the spec.", self.default_image(s)));
        }
        let port = self.port(s) as i32;
        let service = Object {
            api_version: "v1",
            kind: "Service",
            metadata: meta(&s.name, Some(&s.namespace)),
            spec: ServiceSpec {
                selector: Some(match &s.prefill {
                    None => BTreeMap::from([
                        ("leaderworkerset.sigs.k8s.io/name".to_string(), s.name.clone()),
                        ("fabric-lang.org/role".to_string(), "leader".to_string()),
                    ]),
                    // A request enters a disaggregated service at a prefill leader, which
                    // hands its KV cache to a decode replica.
                    Some(_) => BTreeMap::from([
                        ("kueue.x-k8s.io/queue-name".to_string(), s.name.clone()),
                        ("fabric-lang.org/pool".to_string(), "prefill".to_string()),
                        ("fabric-lang.org/role".to_string(), "leader".to_string()),
                    ]),
                }),
                ports: Some(vec![ServicePort { name: Some("http".into()), port, target_port: Some("http".into()) }]),
            },
        };
        write_docs(out, &[(comment, object), ("The leaders of the replicas, behind one address.".into(), yaml(&service)?)])
    }

    fn write_kustomization(&self, out: &mut dyn Write) -> io::Result<()> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Kustomization {
            api_version: &'static str,
            kind: &'static str,
            resources: Vec<String>,
        }
        let resources =
            self.files().into_iter().filter(|f| f != "k8s/kustomization.yaml").map(|f| f.trim_start_matches("k8s/").to_string()).collect();
        let k = Kustomization { api_version: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources };
        write_docs(out, &[("Every manifest of this folder: `kubectl apply -k`.".into(), yaml(&k)?)])
    }
}
