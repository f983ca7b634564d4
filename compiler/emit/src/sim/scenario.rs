//! `scenario.json` (format `fabric-scenario/1`): the whole plant as vertices, links,
//! NVLink domains, services and power, with its JSON Schema derived from these structs.

use super::emitter::{SCENARIO_FORMAT, SimEmitter};
use fabric_core::network::cable_labels;
use fabric_core::plant::InstanceId;
use fabric_core::resolve::{DeclId, Value};
use fabric_core::schema::Kind;
use fabric_core::sim_graph::{LinkKind, Source, VertexKind};
use schemars::JsonSchema;
use serde::Serialize;

/// A simulator scenario: one spec's topology graph, NVLink domains, inference services and
/// power, in SI base units (each key names its unit). Ids are indexes into `vertices` and
/// `links`.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "Fabric simulator scenario", extend("$id" = "https://fabric-lang.org/schemas/fabric-scenario-1.json"))]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Always `fabric-scenario/1`.
    #[schemars(extend("const" = "fabric-scenario/1"))]
    pub format: String,
    /// Where it comes from.
    pub provenance: Provenance,
    /// GPUs, NICs, switches and campus-link ends, in id order.
    pub vertices: Vec<ScenarioVertex>,
    /// Cables, NVLink connections and campus links, in id order.
    pub links: Vec<ScenarioLink>,
    /// NVLink domains: groups of GPUs that talk over NVLink.
    pub nvlink_domains: Vec<ScenarioDomain>,
    /// Inference services.
    pub services: Vec<ScenarioService>,
    /// The power model.
    pub power: ScenarioPower,
}

/// Where a scenario comes from.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The spec's entry file, as given to `fabric build`.
    pub spec: String,
    /// The Fabric version that wrote it.
    pub fabric_version: String,
    /// Every element's `path` is the canonical path of the spec instance (or the generated
    /// switch, named in its rack) that made it.
    pub paths: String,
}

/// A vertex of the topology graph.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScenarioVertex {
    /// A GPU.
    Gpu {
        /// Its id.
        id: u32,
        /// Its instance path.
        path: String,
        /// Its type.
        #[serde(rename = "type")]
        type_name: String,
        /// Board power in watts.
        power_w: Option<f64>,
        /// HBM capacity in bytes.
        memory_bytes: Option<f64>,
        /// HBM bandwidth in bytes per second.
        memory_bandwidth_bytes_per_s: Option<f64>,
        /// Dense FP8 throughput in FLOP/s.
        fp8_flops: Option<f64>,
        /// Dense FP4 throughput in FLOP/s.
        fp4_flops: Option<f64>,
        /// Dense BF16 throughput in FLOP/s.
        bf16_flops: Option<f64>,
        /// NVLink bandwidth per GPU, both directions together, in bits per second.
        nvlink_bandwidth_bps: Option<f64>,
        /// Its NVLink domain.
        nvlink_domain: Option<u32>,
    },
    /// A NIC with fabric cables.
    Nic {
        /// Its id.
        id: u32,
        /// Its instance path.
        path: String,
        /// Its type.
        #[serde(rename = "type")]
        type_name: String,
        /// The GPU it serves.
        gpu: Option<u32>,
        /// Line rate per port in bits per second.
        speed_bps: Option<f64>,
        /// Ports.
        ports: u32,
        /// Power in watts.
        power_w: Option<f64>,
        /// Latency it adds to a one-way path, in seconds.
        latency_s: Option<f64>,
    },
    /// A switch.
    Switch {
        /// Its id.
        id: u32,
        /// Its instance path, or for a generated switch its name in its rack.
        path: String,
        /// Its type.
        #[serde(rename = "type")]
        type_name: String,
        /// `nvlink` for a switch of an NVLink domain, else its fabric tier (`leaf`, `spine`,
        /// `core`), or `other`.
        role: String,
        /// The fabric that generated it.
        fabric: Option<String>,
        /// The rack it stands in.
        rack: Option<String>,
        /// Port count.
        ports: Option<u32>,
        /// Line rate per port in bits per second.
        port_speed_bps: Option<f64>,
        /// Power in watts (co-packaged optics included).
        power_w: Option<f64>,
        /// Port-to-port latency in seconds.
        latency_s: Option<f64>,
        /// `pluggable` or `cpo`.
        optics: Option<String>,
    },
    /// One end of a campus link between separate fabrics: where the top tiers of the fabrics
    /// in its buildings meet the route.
    CampusLinkEnd {
        /// Its id.
        id: u32,
        /// The link's path, then `.from` or `.to`.
        path: String,
        /// The buildings on this side.
        buildings: Vec<String>,
    },
}

/// A link of the topology graph, undirected.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioLink {
    /// Its id.
    pub id: u32,
    /// `cable`, `nvlink`, `campus` (the route between two ends) or `campus_attach` (a
    /// top-tier switch to its side's end).
    pub kind: LinkKindName,
    /// One end, a vertex id.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// Rate in bits per second, each direction.
    pub bandwidth_bps: f64,
    /// One-way latency in seconds: propagation and transceivers (switch and NIC latency are
    /// on the vertices); parts without a figure count as zero.
    pub latency_s: f64,
    /// Parts without a latency figure.
    pub unknown_terms: Vec<std::borrow::Cow<'static, str>>,
    /// Cable length in metres (campus: route length).
    pub length_m: Option<f64>,
    /// Cable medium.
    pub medium: Option<String>,
    /// Fabric of a cable.
    pub fabric: Option<String>,
    /// Tier of a cable: 0 endpoint to leaf, 1 leaf to spine, 2 spine to core.
    pub tier: Option<u8>,
    /// The cable's label in cabling/cables.csv.
    pub label: Option<String>,
    /// The campus link it runs over.
    pub campus_link: Option<String>,
}

/// What a link is.
#[derive(Serialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum LinkKindName {
    /// A fabric cable.
    Cable,
    /// An NVLink connection from a GPU to a switch of its domain.
    Nvlink,
    /// A campus link's route.
    Campus,
    /// A top-tier switch's attachment to a campus link end.
    CampusAttach,
}

/// An NVLink domain.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDomain {
    /// Its id.
    pub id: u32,
    /// The rack or node that forms it.
    pub path: String,
    /// Its GPUs.
    pub gpus: Vec<u32>,
    /// Its NVLink switches (none where a node's switch chips are not declared).
    pub switches: Vec<u32>,
}

/// An inference service with its load and SLOs.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioService {
    /// Its name (its path).
    pub path: String,
    /// The model.
    pub model: ScenarioModel,
    /// Weight precision.
    pub precision: Option<String>,
    /// GPUs per replica.
    pub gpus_per_replica: u32,
    /// Replicas.
    pub replicas: u32,
    /// The placement path as written (a list's paths joined by `, `).
    pub placement: String,
    /// The GPUs under the placement.
    pub gpus: Vec<u32>,
    /// The load.
    pub load: ScenarioLoad,
    /// Service-level objectives, as bounds.
    pub slo: Vec<ScenarioBound>,
    /// Who waits for answers: `agent` or `human`, where set.
    pub tier: Option<String>,
    /// Serving engine and image, where set.
    pub serving: Option<ScenarioServing>,
}

/// A model.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioModel {
    /// Its name.
    pub name: String,
    /// Total parameters.
    pub parameters: Option<f64>,
    /// Parameters active per token.
    pub active_parameters: Option<f64>,
    /// KV cache per token of context, in bytes.
    pub kv_bytes_per_token: Option<f64>,
    /// Longest context in tokens.
    pub context_tokens: Option<f64>,
}

/// The load on a service.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioLoad {
    /// Requests per second.
    pub arrival_per_s: Option<f64>,
    /// Prompt tokens per request.
    pub prompt_tokens: Option<f64>,
    /// Reasoning tokens generated per request.
    pub reasoning_tokens: Option<f64>,
    /// Answer tokens per request.
    pub output_tokens: Option<f64>,
    /// Samples generated per request.
    pub samples: Option<f64>,
}

/// One SLO bound: `metric op value`, the value in SI base units.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioBound {
    /// `ttft_p99_s`, `tpot_p99_s`, `rtt_s` or `energy_per_token_j`.
    pub metric: String,
    /// `<=`, `<`, `>=` or `>`.
    pub op: String,
    /// The limit.
    pub value: f64,
}

/// How a service is served.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioServing {
    /// Serving engine.
    pub engine: Option<String>,
    /// Container image.
    pub image: Option<String>,
    /// Port.
    pub port: Option<u32>,
}

/// The power model: every vertex carries its own draw (`power_w`); this adds the totals
/// and what no vertex carries.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioPower {
    /// IT power of the whole spec in watts.
    pub it_power_w: f64,
    /// Facility power (IT × PUE per site) in watts.
    pub facility_power_w: f64,
    /// The sum of the vertices' `power_w`.
    pub vertices_power_w: f64,
    /// Transceivers and active cable ends, in watts.
    pub optics_power_w: f64,
    /// IT power on no vertex or link: CPUs, node overhead, in watts.
    pub other_power_w: f64,
    /// Per site.
    pub sites: Vec<ScenarioSite>,
}

/// A site's power.
#[derive(Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSite {
    /// Its path.
    pub path: String,
    /// Its PUE.
    pub pue: Option<f64>,
    /// IT power in watts.
    pub it_power_w: f64,
}

impl LinkKindName {
    /// Its name in scenario.json and links.csv.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKindName::Cable => "cable",
            LinkKindName::Nvlink => "nvlink",
            LinkKindName::Campus => "campus",
            LinkKindName::CampusAttach => "campus_attach",
        }
    }
}

pub(super) fn kind_name(kind: LinkKind) -> LinkKindName {
    match kind {
        LinkKind::Cable(_) => LinkKindName::Cable,
        LinkKind::NvLink => LinkKindName::Nvlink,
        LinkKind::Campus(_) => LinkKindName::Campus,
        LinkKind::CampusAttach(_) => LinkKindName::CampusAttach,
    }
}

impl SimEmitter<'_> {
    /// The scenario of the spec.
    pub fn scenario(&self) -> Scenario {
        let plant = self.plant;
        let program = &plant.program;
        let mut vertices = Vec::with_capacity(self.graph.vertices.len());
        let mut vertices_power = 0.0;
        for (v, vertex) in self.graph.vertices.iter().enumerate() {
            let id = v as u32;
            let path = self.vertex_name(id);
            let out = match (vertex.kind, vertex.source) {
                (VertexKind::Gpu, Source::Instance(i)) => ScenarioVertex::Gpu {
                    id,
                    path,
                    type_name: fabric_core::inventory::type_name(plant, plant.get(i).decl),
                    power_w: self.num(i, "power"),
                    memory_bytes: self.num(i, "memory").map(|b| b / 8.0),
                    memory_bandwidth_bytes_per_s: self.num(i, "memory_bw").map(|b| b / 8.0),
                    fp8_flops: self.num(i, "fp8"),
                    fp4_flops: self.num(i, "fp4"),
                    bf16_flops: self.num(i, "bf16"),
                    nvlink_bandwidth_bps: self.num(i, "nvlink_bw"),
                    nvlink_domain: vertex.domain,
                },
                (VertexKind::Nic, Source::Instance(i)) => ScenarioVertex::Nic {
                    id,
                    path,
                    type_name: fabric_core::inventory::type_name(plant, plant.get(i).decl),
                    gpu: vertex.gpu,
                    speed_bps: self.num(i, "speed"),
                    ports: self.num(i, "ports").unwrap_or(1.0) as u32,
                    power_w: self.num(i, "power"),
                    latency_s: self.num(i, "latency"),
                },
                (VertexKind::Switch, source) => {
                    let (decl, role, fabric, rack) = match source {
                        Source::Instance(i) => {
                            let role = if vertex.domain.is_some() { "nvlink" } else { "other" };
                            (plant.get(i).decl, role.to_string(), None, plant.ancestor(i, Kind::Rack).map(|r| plant.path(r)))
                        }
                        Source::Generated(s) => {
                            let sw = self.net.switches[s];
                            (
                                sw.ty,
                                sw.tier.name().to_string(),
                                self.net.fabrics.get(sw.fabric.0 as usize).map(|f| f.name.clone()),
                                Some(fabric_core::network::rack_name(plant, self.net, sw.rack)),
                            )
                        }
                        Source::LinkEnd(..) => continue,
                    };
                    let field = |f: &str| program.field(decl, f).and_then(|x| x.number());
                    ScenarioVertex::Switch {
                        id,
                        path,
                        type_name: fabric_core::inventory::type_name(plant, decl),
                        role,
                        fabric,
                        rack,
                        ports: field("ports").map(|p| p as u32),
                        port_speed_bps: field("port_speed"),
                        power_w: field("power"),
                        latency_s: field("latency"),
                        optics: program.field(decl, "optics").and_then(|f| f.text().map(str::to_string)),
                    }
                }
                (VertexKind::CampusLinkEnd, Source::LinkEnd(l, side)) => {
                    let link = &self.net.links[l as usize];
                    let side = if side == 0 { &link.from } else { &link.to };
                    ScenarioVertex::CampusLinkEnd { id, path, buildings: side.iter().map(|&b| plant.path(b)).collect() }
                }
                _ => continue,
            };
            vertices_power += match &out {
                ScenarioVertex::Gpu { power_w, .. } | ScenarioVertex::Nic { power_w, .. } | ScenarioVertex::Switch { power_w, .. } => {
                    power_w.unwrap_or(0.0)
                }
                ScenarioVertex::CampusLinkEnd { .. } => 0.0,
            };
            vertices.push(out);
        }
        let labels = cable_labels(self.net);
        let links = self
            .graph
            .links
            .iter()
            .enumerate()
            .map(|(i, link)| {
                let mut out = ScenarioLink {
                    id: i as u32,
                    kind: kind_name(link.kind),
                    a: link.a,
                    b: link.b,
                    bandwidth_bps: link.rate_bps,
                    latency_s: link.delay_s,
                    unknown_terms: link.unknown.clone(),
                    length_m: None,
                    medium: None,
                    fabric: None,
                    tier: None,
                    label: None,
                    campus_link: None,
                };
                match link.kind {
                    LinkKind::Cable(c) => {
                        let cable = self.net.cables[c as usize];
                        out.length_m = Some(cable.length_m);
                        out.medium = Some(self.name(self.net.media[cable.medium as usize].decl));
                        out.fabric = self.net.fabrics.get(cable.fabric.0 as usize).map(|f| f.name.clone());
                        out.tier = Some(cable.tier.index());
                        out.label = Some(labels[c as usize].clone());
                        out.campus_link = cable.link.map(|l| plant.path(self.net.links[l as usize].instance));
                    }
                    LinkKind::Campus(l) | LinkKind::CampusAttach(l) => {
                        let campus = &self.net.links[l as usize];
                        out.campus_link = Some(plant.path(campus.instance));
                        if matches!(link.kind, LinkKind::Campus(_)) {
                            out.length_m = Some(campus.distance_m);
                            out.medium = campus.medium.map(|m| self.name(self.net.media[m as usize].decl));
                        }
                    }
                    LinkKind::NvLink => {}
                }
                out
            })
            .collect();
        let nvlink_domains = self
            .graph
            .domains
            .iter()
            .enumerate()
            .map(|(i, d)| ScenarioDomain { id: i as u32, path: plant.path(d.instance), gpus: d.gpus.clone(), switches: d.switches.clone() })
            .collect();
        let power = &self.budgets.power;
        let it = |id: InstanceId| power.it_power_w.get(id.0 as usize).copied().unwrap_or(0.0);
        let sites: Vec<ScenarioSite> = plant
            .roots()
            .filter(|&r| plant.kind(r) == Kind::Site)
            .map(|r| ScenarioSite { path: plant.path(r), pue: plant.inherited_number(r, "pue"), it_power_w: it(r) })
            .collect();
        let it_power: f64 = sites.iter().map(|s| s.it_power_w).sum();
        let facility: f64 = sites.iter().map(|s| s.it_power_w * s.pue.unwrap_or(1.0)).sum();
        let optics: f64 = power.fabrics.iter().map(|f| f.optics_power_w).sum();
        Scenario {
            format: SCENARIO_FORMAT.to_string(),
            provenance: Provenance {
                spec: self.spec.clone(),
                fabric_version: env!("CARGO_PKG_VERSION").to_string(),
                paths: "every `path` is the canonical path of the spec instance, or the generated switch, that made the element"
                    .to_string(),
            },
            vertices,
            links,
            nvlink_domains,
            services: self.services(),
            power: ScenarioPower {
                it_power_w: it_power,
                facility_power_w: facility,
                vertices_power_w: vertices_power,
                optics_power_w: optics,
                other_power_w: (it_power - vertices_power - optics).max(0.0),
                sites,
            },
        }
    }

    pub(super) fn services(&self) -> Vec<ScenarioService> {
        let plant = self.plant;
        let program = &plant.program;
        let gpu_vertex: std::collections::HashMap<InstanceId, u32> = self
            .graph
            .vertices
            .iter()
            .enumerate()
            .filter_map(|(v, x)| match (x.kind, x.source) {
                (VertexKind::Gpu, Source::Instance(i)) => Some((i, v as u32)),
                _ => None,
            })
            .collect();
        let mut out = Vec::new();
        for root in plant.roots() {
            if plant.kind(root) != Kind::Inference {
                continue;
            }
            let decl = plant.get(root).decl;
            let d = program.decl(decl);
            let child = |kind: Kind| d.children.iter().copied().find(|&c| program.decl(c).kind == kind);
            let number = |owner: Option<DeclId>, f: &str| owner.and_then(|o| program.field(o, f)).and_then(|v| v.number());
            let text = |owner: Option<DeclId>, f: &str| owner.and_then(|o| program.field(o, f)).and_then(|v| v.text().map(str::to_string));
            let model = program.field(decl, "model").and_then(|f| f.type_id());
            let placement: Vec<String> = plant.field_paths(decl, "placement").iter().map(ToString::to_string).collect();
            let gpus: Vec<u32> = plant.placement_gpus(decl).iter().filter_map(|i| gpu_vertex.get(i).copied()).collect();
            let (load, slo, serving) = (child(Kind::Load), child(Kind::Slo), child(Kind::Serving));
            let bounds = slo
                .map(|s| {
                    program
                        .decl(s)
                        .bounds
                        .iter()
                        .filter_map(|b| match b.value {
                            Value::Number { value, .. } => Some(ScenarioBound {
                                metric: match b.name {
                                    "energy_per_token" => "energy_per_token_j".to_string(),
                                    other => format!("{other}_s"),
                                },
                                op: b.op.as_str().to_string(),
                                value,
                            }),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let precision = text(Some(decl), "precision");
            out.push(ScenarioService {
                path: plant.path(root),
                model: ScenarioModel {
                    name: model.map(|m| self.name(m)).unwrap_or_default(),
                    parameters: number(model, "params"),
                    active_parameters: number(model, "active_params"),
                    kv_bytes_per_token: number(model, "kv_bytes_per_token").map(|b| b / 8.0),
                    context_tokens: number(model, "context"),
                },
                precision,
                gpus_per_replica: number(Some(decl), "gpus_per_replica").unwrap_or(0.0) as u32,
                replicas: number(Some(decl), "replicas").unwrap_or(0.0) as u32,
                placement: placement.join(", "),
                gpus,
                load: ScenarioLoad {
                    arrival_per_s: number(load, "arrival"),
                    prompt_tokens: number(load, "prompt"),
                    reasoning_tokens: number(load, "reasoning"),
                    output_tokens: number(load, "output"),
                    samples: number(load, "samples"),
                },
                slo: bounds,
                tier: text(slo, "tier"),
                serving: serving.map(|s| ScenarioServing {
                    engine: text(Some(s), "engine"),
                    image: text(Some(s), "image"),
                    port: number(Some(s), "port").map(|p| p as u32),
                }),
            });
        }
        out
    }
}

/// The JSON Schema (draft 2020-12) of [`Scenario`].
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(Scenario)
}
