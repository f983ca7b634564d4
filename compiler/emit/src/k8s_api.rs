//! The Kubernetes core objects the manifests use, and the Kueue queue specs shared by the
//! inference and training manifests, as serde structs with the fields Fabric sets. They serialize as the API does (camelCase; `apiVersion` and `kind` first, then the
//! fields in alphabetical order, unset ones left out), and the tests validate every
//! manifest against the published schemas (tests/k8s/validate.py). The k8s-openapi crate
//! typed these before; it was the largest single cost of a cold build (16 % of a clean
//! `cargo clippy`) for the dozen objects Fabric writes. The helpers at the end write them.

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// `metadata` of an object.
#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A label selector; Fabric writes only the empty one (everything).
#[derive(Serialize, Default, Clone)]
pub struct LabelSelector {}

/// A toleration of a taint.
#[derive(Serialize, Default, Clone)]
pub struct Toleration {
    /// The taint effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// The taint key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Exists` or `Equal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// An object with a spec, written `apiVersion`, `kind`, `metadata`, `spec` as the API does:
/// the core Service and every Kueue and LeaderWorkerSet object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<S: Serialize> {
    /// The object's API version.
    pub api_version: &'static str,
    /// The object's kind.
    pub kind: &'static str,
    /// Its metadata.
    pub metadata: ObjectMeta,
    /// Its spec.
    pub spec: S,
}

/// A resource quantity such as `4`.
#[derive(Serialize, Clone)]
pub struct Quantity(pub String);

/// Declares an object without a spec: `apiVersion` and `kind` first, then its fields.
macro_rules! object {
    ($(#[$doc:meta])* $name:ident, $api:literal, $kind:literal { $($(#[$fattr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Serialize, Clone)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// Always the object's API version.
            pub api_version: &'static str,
            /// Always the object's kind.
            pub kind: &'static str,
            $($(#[$fattr])* pub $field: $ty,)*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { api_version: $api, kind: $kind, $($field: Default::default(),)* }
            }
        }
    };
}

object!(
    /// A Node.
    Node, "v1", "Node" {
        /// Its metadata.
        metadata: ObjectMeta,
    }
);

object!(
    /// A Namespace.
    Namespace, "v1", "Namespace" {
        /// Its metadata.
        metadata: ObjectMeta,
    }
);

object!(
    /// A PriorityClass.
    PriorityClass, "scheduling.k8s.io/v1", "PriorityClass" {
        /// What it is for.
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Whether pods without a class get it.
        #[serde(skip_serializing_if = "Option::is_none")]
        global_default: Option<bool>,
        /// Its metadata.
        metadata: ObjectMeta,
        /// Its priority.
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<i32>,
    }
);

/// A Service's spec.
#[derive(Serialize, Default, Clone)]
pub struct ServiceSpec {
    /// Its ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ServicePort>>,
    /// The pods it sends to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
}

/// A port of a Service.
#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its number.
    pub port: i32,
    /// The pods' port, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_port: Option<String>,
}

/// A pod template.
#[derive(Serialize, Default, Clone)]
pub struct PodTemplateSpec {
    /// The pods' metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ObjectMeta>,
    /// The pods' spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<PodSpec>,
}

/// A pod's spec.
#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// Its containers.
    pub containers: Vec<Container>,
    /// Its priority class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Taints it tolerates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    /// `Never` or `OnFailure` for a Job's pods (unset: Kubernetes' `Always`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
}

/// A container.
#[derive(Serialize, Default, Clone)]
pub struct Container {
    /// Its command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<EnvVar>>,
    /// Its image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Its name.
    pub name: String,
    /// Its ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ContainerPort>>,
    /// What it needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
}

/// An environment variable.
#[derive(Serialize, Default, Clone)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// Its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A container port.
#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    /// Its number.
    pub container_port: i32,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What a container needs.
#[derive(Serialize, Default, Clone)]
pub struct ResourceRequirements {
    /// Its limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<BTreeMap<String, Quantity>>,
}

/// One resource's quota in a Kueue ClusterQueue flavor.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceQuota {
    /// The resource (`nvidia.com/gpu`, `cpu`, `memory`).
    pub name: String,
    /// Its nominal quota.
    pub nominal_quota: String,
    /// How much more it may borrow from its cohort (cohort members only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub borrowing_limit: Option<String>,
    /// How much of its unused quota it may lend to its cohort (cohort members only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lending_limit: Option<String>,
}

impl ResourceQuota {
    /// A nominal quota without borrowing or lending limits.
    pub fn nominal(name: &str, quota: String) -> ResourceQuota {
        ResourceQuota { name: name.to_string(), nominal_quota: quota, borrowing_limit: None, lending_limit: None }
    }
}

/// A flavor's quotas in a ClusterQueue.
#[derive(Serialize)]
pub struct FlavorQuotas {
    /// The ResourceFlavor.
    pub name: String,
    /// Its quotas.
    pub resources: Vec<ResourceQuota>,
}

/// A ClusterQueue's resource group.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    /// The resources its flavors cover.
    pub covered_resources: Vec<String>,
    /// Its flavors.
    pub flavors: Vec<FlavorQuotas>,
}

/// When a ClusterQueue's pending workloads may preempt others.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preemption {
    /// Whether they may take back lent quota from other queues of the cohort.
    pub reclaim_within_cohort: &'static str,
    /// Whether they may preempt lower-priority workloads of the same queue.
    pub within_cluster_queue: &'static str,
}

/// A Kueue ClusterQueue's spec (`kueue.x-k8s.io/v1beta1`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterQueueSpec {
    /// The cohort it shares quota with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    /// The namespaces it admits from (all when empty).
    pub namespace_selector: LabelSelector,
    /// Its quotas.
    pub resource_groups: Vec<ResourceGroup>,
    /// Its preemption policy (Kueue's default where unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preemption: Option<Preemption>,
}

/// A Kueue LocalQueue's spec.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalQueueSpec {
    /// The ClusterQueue it feeds.
    pub cluster_queue: String,
}

/// The GPU resource name of NVIDIA's device plugin.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

/// The ResourceFlavor of a GPU model on a site.
pub fn flavor_name(site: &str, model: &str) -> String {
    format!("{site}-{model}")
}

/// Tolerates the taint GPU nodes carry.
pub fn gpu_toleration() -> Toleration {
    Toleration { key: Some(GPU_RESOURCE.into()), operator: Some("Exists".into()), effect: Some("NoSchedule".into()) }
}

/// Metadata with a name and, for namespaced objects, a namespace.
pub fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta { name: Some(name.to_string()), namespace: namespace.map(str::to_string), ..ObjectMeta::default() }
}

/// One object as YAML (serde-saphyr).
pub fn yaml<T: Serialize>(value: &T) -> io::Result<String> {
    serde_saphyr::to_string(value).map_err(|e| io::Error::other(e.to_string()))
}

/// Writes YAML documents separated by `---`, each after its comment lines.
pub fn write_docs(out: &mut dyn Write, docs: &[(String, String)]) -> io::Result<()> {
    for (i, (comment, doc)) in docs.iter().enumerate() {
        if i > 0 {
            out.write_all(b"---\n")?;
        }
        for line in comment.lines() {
            writeln!(out, "# {line}")?;
        }
        out.write_all(doc.as_bytes())?;
        if !doc.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
