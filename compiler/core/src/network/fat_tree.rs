//! The fat tree of one `fabric` block: its shape checked (tiers, radixes,
//! oversubscription), endpoints grouped per rack or row (and rail), leaves placed, the
//! upper tiers sized, and every cable laid with its length, medium and optics.

use super::generator::Generator;
use super::media::stocked_length;
use super::model::*;
use super::placement::SpineSlots;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::plant::InstanceId;
use crate::resolve::DeclId;
use crate::schema::Kind;
use crate::units::group_thousands;
use std::collections::{BTreeMap, HashMap};

/// A fat tree's shape: the leaf type, each tier's radix, and the leaves' downlinks and uplinks.
#[derive(Clone, Copy)]
struct Shape {
    leaf_ty: DeclId,
    radixes: [u32; 3],
    k: u32,
    down: u32,
    up: u32,
}

impl Generator<'_> {
    pub(super) fn fabric(&mut self, id: InstanceId) {
        let plant = self.plant;
        let program = plant.program.clone();
        let decl = plant.get(id).decl;
        let d = program.decl(decl);
        let name = d.name.clone().unwrap_or_default();
        let fabric_index = FabricId(self.net.fabrics.len() as u32);
        let start_endpoints = self.net.endpoints.len() as u32;
        let start_cables = self.net.cables.len() as u32;
        let start_switches = self.net.switches.len() as u32;
        let mut fabric = FabricNet {
            instance: id,
            name: name.clone(),
            tiers: 2,
            types: [None; 3],
            counts: [0; 3],
            down_up: (0, 0),
            endpoints: start_endpoints..start_endpoints,
            cables: start_cables..start_cables,
            switches: start_switches..start_switches,
            complete: false,
        };
        self.net.fabrics.push(fabric.clone());
        let Some(shape) = self.fabric_shape(decl, &name, &mut fabric) else {
            self.net.fabrics[fabric_index] = fabric;
            return;
        };
        let Some((groups, top_of_rack)) = self.endpoint_groups(decl, &name) else {
            self.net.fabrics[fabric_index] = fabric;
            return;
        };
        let Shape { leaf_ty, down, .. } = shape;
        let endpoint_count: usize = groups.values().map(Vec::len).sum();
        // Leaves, placed, and the endpoint cables.
        let mut eor: HashMap<InstanceId, u32> = HashMap::new(); // row -> current eor rack
        let leaf_units = program.field(leaf_ty, "units").and_then(|f| f.number()).unwrap_or(1.0);
        let mut leaves: Vec<SwitchId> = Vec::new();
        let mut pending: Vec<(End, End, Tier)> = Vec::new();
        for ((group, _rail), eps) in &groups {
            for chunk in eps.chunks(down as usize) {
                let rack = if top_of_rack {
                    *self.rack_units_used.entry(*group).or_insert(0.0) += leaf_units;
                    RackRef::Plant(*group)
                } else {
                    RackRef::Generated(self.eor_rack(*group, &mut eor, leaf_units, fabric_index, decl))
                };
                let sw = SwitchId(self.net.switches.len() as u32);
                self.net.switches.push(Switch {
                    fabric: fabric_index,
                    tier: Tier::Leaf,
                    ty: leaf_ty,
                    number: leaves.len() as u32 + 1,
                    pod: 0,
                    rack,
                    ports_used: 0,
                });
                leaves.push(sw);
                for &(nic, port) in chunk {
                    pending.push((End::Nic { nic, port }, End::Switch { switch: sw, port: 0 }, Tier::Leaf));
                }
            }
        }
        let leaf_count = leaves.len() as u32;
        fabric.counts[0] = leaf_count;

        let feasible = self.upper_tiers(decl, &name, fabric_index, &mut fabric, &shape, &leaves, endpoint_count, &mut pending);
        self.lay_cables(decl, &name, fabric_index, pending, feasible);
        fabric.complete = feasible;
        fabric.endpoints = start_endpoints..self.net.endpoints.len() as u32;
        fabric.cables = start_cables..self.net.cables.len() as u32;
        fabric.switches = start_switches..self.net.switches.len() as u32;
        self.net.fabrics[fabric_index] = fabric;
    }

    /// The fabric's shape from its fields (tiers, switch types and radixes, leaf downlinks
    /// and uplinks), or `None` after reporting why it cannot be built.
    fn fabric_shape(&mut self, decl: DeclId, name: &str, fabric: &mut FabricNet) -> Option<Shape> {
        let program = self.plant.program.clone();
        let name = name.to_string();
        let number = |field: &str| program.field(decl, field).and_then(|f| f.number());
        let tiers = number("tiers").unwrap_or(2.0);
        let leaf_ty = program.field(decl, "leaf").and_then(|f| f.type_id());
        let spine_ty = program.field(decl, "spine").and_then(|f| f.type_id()).or(leaf_ty);
        let core_ty = program.field(decl, "core").and_then(|f| f.type_id()).or(spine_ty);
        fabric.types = [leaf_ty, spine_ty, if tiers >= 3.0 { core_ty } else { None }];
        let Some(leaf_ty) = leaf_ty else {
            return None; // E0211 reported already
        };
        if tiers != 2.0 && tiers != 3.0 {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!("fabric `{name}` asks for {} tiers", crate::units::format_number(tiers)),
                    Label { message: "Fabric generates 2- and 3-tier fat trees".into(), ..self.error_at_field(decl, "tiers") },
                )
                .with_path(name.clone())
                .with_help("set `tiers = 2` or `tiers = 3`"),
            );
            return None;
        }
        fabric.tiers = tiers as u8;
        let radix = |ty: DeclId| program.field(ty, "ports").and_then(|f| f.number()).map(|n| n as u32);
        let tier_names = TIER_NAMES;
        let mut radixes = [0u32; 3];
        for t in 0..fabric.tiers as usize {
            let Some(ty) = fabric.types[t] else { continue };
            match radix(ty) {
                Some(k) if k >= 2 => radixes[t] = k,
                _ => {
                    let ty_decl = program.decl(ty);
                    let ty_name = ty_decl.name.clone().unwrap_or_default();
                    self.net.diagnostics.push(
                        Diagnostic::error(
                            codes::E0602,
                            format!("{} switch `{ty_name}` of fabric `{name}` has no port count", tier_names[t]),
                            Label { message: "a fat tree needs the switch's radix".into(), ..self.error_at_field(decl, tier_names[t]) },
                        )
                        .with_label(Label::new(ty_decl.file, ty_decl.name_span, "declared here without `ports`"))
                        .with_path(name.clone())
                        .with_help(format!("set `ports` in a type derived from `{ty_name}`")),
                    );
                    return None;
                }
            }
        }
        let k = radixes[0];
        let ratio = number("oversubscription").unwrap_or(1.0);
        let down = ((f64::from(k) * ratio / (1.0 + ratio)).floor() as u32).min(k.saturating_sub(1));
        let up = k - down;
        fabric.down_up = (down, up);
        if down == 0 || !(ratio.is_finite() && ratio > 0.0) {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!("an oversubscription of {} leaves no downlinks on a {k}-port leaf", crate::units::format_number(ratio)),
                    Label { message: "downlink : uplink bandwidth at the leaves".into(), ..self.error_at_field(decl, "oversubscription") },
                )
                .with_path(name.clone())
                .with_help("use a ratio such as 1 (non-blocking) or 3 (3:1)"),
            );
            return None;
        }

        Some(Shape { leaf_ty, radixes, k, down, up })
    }

    /// The fabric's endpoints (every NIC port under `endpoints` that no other fabric took)
    /// grouped per rack or row (and rail), and whether leaves go top of rack; `None` after
    /// reporting a fabric without endpoints.
    #[allow(clippy::type_complexity)]
    fn endpoint_groups(&mut self, decl: DeclId, name: &str) -> Option<(BTreeMap<(InstanceId, u32), Vec<(InstanceId, u16)>>, bool)> {
        let plant = self.plant;
        let program = plant.program.clone();
        let name = name.to_string();
        let text = |field: &str| program.field(decl, field).and_then(|f| f.text().map(str::to_string));
        // Endpoints: every NIC port under the selected instances, in plant order.
        let mut nics: Vec<InstanceId> = Vec::new();
        for path in plant.field_paths(decl, "endpoints") {
            for sel in plant.select(&path).unwrap_or_default() {
                nics.extend(plant.subtree(sel).filter(|&i| plant.kind(i) == Kind::Nic));
            }
        }
        nics.sort();
        nics.dedup();
        nics.retain(|n| !self.net.endpoint_of.contains_key(n));
        if nics.is_empty() {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!("fabric `{name}` has no endpoints"),
                    Label {
                        message: "selects no NIC that another fabric does not already connect".into(),
                        ..self.error_at_field(decl, "endpoints")
                    },
                )
                .with_path(name.clone())
                .with_help("point `endpoints` at NICs, for example `campus.b1.**.nic`"),
            );
            return None;
        }
        let rail_optimized = text("topology").as_deref() == Some("rail_optimized");
        let top_of_rack = text("leaf_placement").as_deref() == Some("top_of_rack");
        // Group the endpoints: one group per rack or row (and rail), in plant order.
        let mut groups: BTreeMap<(InstanceId, u32), Vec<(InstanceId, u16)>> = BTreeMap::new();
        let mut rails: HashMap<InstanceId, u32> = HashMap::new();
        for &nic in &nics {
            let ports = plant.field(nic, "ports").and_then(|f| f.number()).unwrap_or(1.0).max(1.0) as u16;
            let rack = plant.ancestor(nic, Kind::Rack);
            let key_instance = if top_of_rack { rack } else { rack.and_then(|r| plant.get(r).parent) };
            let Some(key_instance) = key_instance else { continue };
            let rail = if rail_optimized {
                let parent = plant.get(nic).parent;
                let r = parent
                    .map(|p| plant.children(p).filter(|&c| plant.kind(c) == Kind::Nic).take_while(|&c| c != nic).count() as u32)
                    .unwrap_or(0);
                rails.insert(nic, r);
                r
            } else {
                0
            };
            for port in 1..=ports {
                groups.entry((key_instance, rail)).or_default().push((nic, port));
            }
        }

        Some((groups, top_of_rack))
    }

    /// The spine (and core) tiers above `leaves`, placed, with their cables queued; whether
    /// the fat tree could be built (E0601 when not).
    #[allow(clippy::too_many_arguments)]
    fn upper_tiers(
        &mut self,
        decl: DeclId,
        name: &str,
        fabric_index: FabricId,
        fabric: &mut FabricNet,
        shape: &Shape,
        leaves: &[SwitchId],
        endpoint_count: usize,
        pending: &mut Vec<(End, End, Tier)>,
    ) -> bool {
        let Shape { leaf_ty, radixes, k, down, up } = *shape;
        let name = name.to_string();
        let leaf_count = leaves.len() as u32;
        // Every leaf cables all its uplinks (and, with 3 tiers, every spine its core links):
        // a switch type with millions of ports would ask for more cables than memory holds.
        let uplinks = u64::from(leaf_count) * u64::from(up) * if fabric.tiers >= 3 { 2 } else { 1 };
        if uplinks > MAX_GENERATED_CABLES {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0602,
                    format!(
                        "fabric `{name}` would cable {} uplinks ({} {} × {} uplinks each{}); Fabric generates at most {}",
                        crate::units::group_thousands(u128::from(uplinks)),
                        crate::units::group_thousands(u128::from(leaf_count)),
                        if leaf_count == 1 { "leaf" } else { "leaves" },
                        crate::units::group_thousands(u128::from(up)),
                        if fabric.tiers >= 3 { ", and as many from the spines to the cores" } else { "" },
                        crate::units::group_thousands(u128::from(MAX_GENERATED_CABLES))
                    ),
                    Label { message: format!("{k}-port leaves"), ..self.error_at_field(decl, "leaf") },
                )
                .with_path(name.clone())
                .with_help("use a switch type with a realistic port count, or raise the fabric's `oversubscription`"),
            );
            return false;
        }
        let mut spine_slots = SpineSlots::new(self, decl, fabric_index, leaves);
        let feasible = if fabric.tiers == 2 {
            let ks = radixes[1];
            if leaf_count > ks {
                self.infeasible(decl, &name, 2, k, radixes, down, endpoint_count, leaf_count);
                false
            } else {
                let spines = fewest_upper(leaf_count, up, ks);
                let first = self.net.switches.len() as u32;
                for s in 0..spines {
                    let rack = spine_slots.place(self, fabric.types[1].unwrap_or(leaf_ty));
                    self.net.switches.push(Switch {
                        fabric: fabric_index,
                        tier: Tier::Spine,
                        ty: fabric.types[1].unwrap_or(leaf_ty),
                        number: s + 1,
                        pod: 0,
                        rack,
                        ports_used: 0,
                    });
                }
                for &leaf in leaves {
                    for j in 0..up {
                        pending.push((
                            End::Switch { switch: leaf, port: 0 },
                            End::Switch { switch: SwitchId(first + j % spines), port: 0 },
                            Tier::Spine,
                        ));
                    }
                }
                fabric.counts[1] = spines;
                true
            }
        } else {
            let ks = radixes[1];
            let kc = radixes[2];
            let pod_size = (ks / 2).max(1);
            let spine_up = ks - pod_size;
            let pods = leaf_count.div_ceil(pod_size);
            if pods > kc || spine_up == 0 {
                self.infeasible(decl, &name, 3, k, radixes, down, endpoint_count, leaf_count);
                false
            } else {
                let spine_ty = fabric.types[1].unwrap_or(leaf_ty);
                let core_ty = fabric.types[2].unwrap_or(spine_ty);
                let first_spine = self.net.switches.len() as u32;
                for p in 0..pods {
                    for j in 0..up {
                        let rack = spine_slots.place(self, spine_ty);
                        self.net.switches.push(Switch {
                            fabric: fabric_index,
                            tier: Tier::Spine,
                            ty: spine_ty,
                            number: p * up + j + 1,
                            pod: p,
                            rack,
                            ports_used: 0,
                        });
                    }
                }
                for (i, &leaf) in leaves.iter().enumerate() {
                    let pod = i as u32 / pod_size;
                    self.net.switches[leaf].pod = pod;
                    for j in 0..up {
                        pending.push((
                            End::Switch { switch: leaf, port: 0 },
                            End::Switch { switch: SwitchId(first_spine + pod * up + j), port: 0 },
                            Tier::Spine,
                        ));
                    }
                }
                let per_group = fewest_upper(pods, spine_up, kc);
                let first_core = self.net.switches.len() as u32;
                for j in 0..up {
                    for c in 0..per_group {
                        let rack = spine_slots.place(self, core_ty);
                        self.net.switches.push(Switch {
                            fabric: fabric_index,
                            tier: Tier::Core,
                            ty: core_ty,
                            number: j * per_group + c + 1,
                            pod: 0,
                            rack,
                            ports_used: 0,
                        });
                    }
                }
                for p in 0..pods {
                    for j in 0..up {
                        let spine = SwitchId(first_spine + p * up + j);
                        for m in 0..spine_up {
                            pending.push((
                                End::Switch { switch: spine, port: 0 },
                                End::Switch { switch: SwitchId(first_core + j * per_group + m % per_group), port: 0 },
                                Tier::Core,
                            ));
                        }
                    }
                }
                fabric.counts[1] = pods * up;
                fabric.counts[2] = up * per_group;
                true
            }
        };
        spine_slots.report(self, &name);
        feasible
    }

    /// Lays the queued cables: ports taken, lengths stocked, a medium chosen by reach and
    /// optics, campus crossings counted; E0604 and E0607 where they fail.
    fn lay_cables(&mut self, decl: DeclId, name: &str, fabric_index: FabricId, pending: Vec<(End, End, Tier)>, feasible: bool) {
        let plant = self.plant;
        let program = plant.program.clone();
        let name = name.to_string();
        // Cables: ports, lengths, media and optics.
        let preference: Vec<u16> = match program.field(decl, "medium").and_then(|f| f.type_id()) {
            Some(m) => vec![self.medium(m)],
            None => {
                let prelude: Vec<DeclId> = crate::stdlib::DEFAULT_MEDIA
                    .iter()
                    .filter_map(|n| {
                        program.types.iter().copied().find(|&t| {
                            let td = program.decl(t);
                            td.name.as_deref() == Some(n) && td.kind == Kind::Medium && Some(td.file) == program.prelude
                        })
                    })
                    .collect();
                let mut v = Vec::new();
                for m in prelude {
                    v.push(self.medium(m));
                }
                v
            }
        };
        let mut unreachable: Option<(f64, u32, End, End)> = None;
        let mut missing_link: Option<(InstanceId, InstanceId)> = None;
        for (a, b, tier) in pending {
            if !feasible && tier > Tier::Leaf {
                continue;
            }
            let a = self.take_port(a);
            let b = self.take_port(b);
            let (Some(ra), Some(rb)) = (self.end_rack(a), self.end_rack(b)) else { continue };
            let (Some(la), Some(lb)) = (self.rack_loc(ra), self.rack_loc(rb)) else { continue };
            let (run, link) = self.run_length(la, lb);
            let length = stocked_length(run);
            let link = match link {
                Some(Ok(i)) => Some(i),
                Some(Err(pair)) => {
                    missing_link.get_or_insert(pair);
                    None
                }
                None => None,
            };
            let cpo_b = match b {
                End::Switch { switch, .. } => self.switch_is_cpo(self.net.switches[switch].ty),
                End::Nic { .. } => false,
            };
            let cpo_a = match a {
                End::Switch { switch, .. } => self.switch_is_cpo(self.net.switches[switch].ty),
                End::Nic { .. } => false,
            };
            let chosen = preference.iter().copied().find(|&m| {
                let medium = self.net.media[m as usize];
                (medium.needs_optic || !(cpo_a || cpo_b)) && medium.reach_m.is_none_or(|r| length <= r + 1e-9)
            });
            let medium = match chosen {
                Some(m) => m,
                None => {
                    let e = unreachable.get_or_insert((length, 0, a, b));
                    e.1 += 1;
                    if length > e.0 {
                        *e = (length, e.1, a, b);
                    }
                    *preference.last().unwrap_or(&0)
                }
            };
            let needs = self.net.media.get(medium as usize).is_some_and(|m| m.needs_optic);
            let cable = Cable {
                fabric: fabric_index,
                a,
                b,
                length_m: length,
                medium,
                tier,
                optic_a: needs && !cpo_a,
                optic_b: needs && !cpo_b,
                pluggable_a: needs || cpo_a,
                pluggable_b: needs || cpo_b,
                link,
            };
            let index = self.net.cables.len() as u32;
            if let Some(l) = link {
                let speed = super::campus::cable_bps(plant, &self.net, a);
                self.net.links[l as usize].crossing_bps += speed.unwrap_or(0.0);
                self.net.links[l as usize].cables += 1;
            }
            if let (End::Nic { nic, port }, End::Switch { switch, .. }) = (a, b) {
                if port == 1 {
                    self.net.endpoint_of.insert(nic, self.net.endpoints.len() as u32);
                }
                self.net.endpoints.push(Endpoint { nic, port, fabric: fabric_index, leaf: switch, cable: CableId(index), gpu: None });
            }
            self.net.cables.push(cable);
        }
        if let Some((length, count, a, b)) = unreachable {
            self.unreachable(decl, &name, length, count, a, b, &preference);
        }
        if let Some((x, y)) = missing_link {
            self.net.diagnostics.push(
                Diagnostic::error(
                    codes::E0607,
                    format!(
                        "fabric `{name}` runs cables between `{}` and `{}`, but no campus link joins them",
                        plant.path(x),
                        plant.path(y)
                    ),
                    Label { message: "its endpoints and switches span both buildings".into(), ..self.error_at_field(decl, "endpoints") },
                )
                .with_path(name.clone())
                .with_help(format!("declare a `link` with `from = {}` and `to = {}`", plant.path(x), plant.path(y))),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn infeasible(
        &mut self,
        decl: DeclId,
        name: &str,
        tiers: u8,
        k: u32,
        radixes: [u32; 3],
        down: u32,
        endpoints: usize,
        leaves: u32,
    ) {
        let (max, arithmetic) = if tiers == 2 {
            let ks = radixes[1];
            (
                u64::from(ks) * u64::from(down),
                format!(
                    "a 2-tier fat tree links every leaf to every spine, so it has at most {ks} leaves (the spine's ports) of {down} downlinks each: {ks} × {down} = {} endpoints; this one needs {} leaves for {} endpoints",
                    group_thousands(u128::from(ks) * u128::from(down)),
                    group_thousands(u128::from(leaves)),
                    group_thousands(endpoints as u128)
                ),
            )
        } else {
            let (ks, kc) = (radixes[1], radixes[2]);
            let pod = ks / 2;
            (
                u64::from(kc) * u64::from(pod) * u64::from(down),
                format!(
                    "a 3-tier fat tree has at most {kc} pods (the core's ports) of {pod} leaves (half the spine's ports) with {down} downlinks each: {kc} × {pod} × {down} = {} endpoints; this one needs {} leaves for {} endpoints",
                    group_thousands(u128::from(kc) * u128::from(pod) * u128::from(down)),
                    group_thousands(u128::from(leaves)),
                    group_thousands(endpoints as u128)
                ),
            )
        };
        let help = if tiers == 2 {
            "set `tiers = 3`, use switches with more ports, or raise `oversubscription`".to_string()
        } else {
            "use switches with more ports, raise `oversubscription`, or split the endpoints into several fabrics".to_string()
        };
        self.net.diagnostics.push(
            Diagnostic::error(
                codes::E0601,
                format!(
                    "a {tiers}-tier fat tree of {k}-port switches reaches at most {} endpoints; fabric `{name}` has {}",
                    group_thousands(u128::from(max)),
                    group_thousands(endpoints as u128)
                ),
                Label { message: format!("{tiers} tiers"), ..self.error_at_field(decl, "tiers") },
            )
            .with_label(Label { message: format!("{k}-port switches, {down} ports down per leaf"), ..self.error_at_field(decl, "leaf") })
            .with_note(arithmetic)
            .with_path(name.to_string())
            .with_help(help),
        );
    }
}

/// Most uplink cables one fabric may generate (as many as the plant's instance limit).
pub const MAX_GENERATED_CABLES: u64 = 10_000_000;

/// The fewest upper-tier switches of `radix` ports for `lower` switches with `up` uplinks
/// each, spread round-robin so that no upper switch gets more links than it has ports.
pub fn fewest_upper(lower: u32, up: u32, radix: u32) -> u32 {
    let least = (u64::from(lower) * u64::from(up)).div_ceil(u64::from(radix.max(1))).max(1) as u32;
    (least..=up.max(least)).find(|&s| u64::from(lower) * u64::from(up.div_ceil(s)) <= u64::from(radix)).unwrap_or(up.max(1))
}
