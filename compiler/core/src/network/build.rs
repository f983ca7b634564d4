//! Building the network of a plant: campus links first, then each fabric, then the GPUs
//! each endpoint serves; and the salsa query that does it.

use super::generator::Generator;
use super::model::{FabricId, Network};
use crate::plant::{InstanceId, Plant};
use crate::schema::Kind;
use std::collections::BTreeMap;

/// Generates every fabric and campus link of the plant.
pub fn generate(plant: &Plant) -> Network {
    let mut g = Generator::new(plant);
    if plant.truncated {
        return g.net;
    }
    if plant.truncated {
        return g.net;
    }
    let roots: Vec<InstanceId> = plant.roots().collect();
    for &root in &roots {
        if plant.kind(root) == Kind::Link {
            g.link(root);
        }
    }
    for &root in &roots {
        if plant.kind(root) == Kind::Fabric {
            g.fabric(root);
        }
    }
    assign_gpus(plant, &mut g.net);
    g.net
}

/// Sets [`Endpoint::gpu`](super::model::Endpoint::gpu): per node and fabric, the NICs in plant order share the node's
/// GPUs evenly, NIC i of n serving GPU ⌊i × g / n⌋.
fn assign_gpus(plant: &Plant, net: &mut Network) {
    let mut groups: BTreeMap<(InstanceId, FabricId), Vec<usize>> = BTreeMap::new();
    for (i, e) in net.endpoints.iter().enumerate() {
        if let Some(node) = plant.ancestor(e.nic, Kind::Node) {
            groups.entry((node, e.fabric)).or_default().push(i);
        }
    }
    for ((node, _), endpoints) in groups {
        let gpus: Vec<InstanceId> = plant.subtree(node).filter(|&i| plant.kind(i) == Kind::Gpu).collect();
        if gpus.is_empty() {
            continue;
        }
        let mut nics: Vec<InstanceId> = endpoints.iter().map(|&e| net.endpoints[e].nic).collect();
        nics.sort_unstable();
        nics.dedup();
        for e in endpoints {
            let i = nics.partition_point(|&n| n < net.endpoints[e].nic);
            net.endpoints[e].gpu = Some(gpus[i * gpus.len() / nics.len()]);
        }
    }
}

/// The query: the fabrics and campus links generated for the plant. Only meaningful for a
/// plant without errors; the gated entry point is [`crate::pipeline::network`].
#[salsa::tracked]
pub fn network(db: &dyn salsa::Database, project: crate::source::Project) -> std::sync::Arc<Network> {
    std::sync::Arc::new(generate(crate::plant::plant(db, project)))
}
