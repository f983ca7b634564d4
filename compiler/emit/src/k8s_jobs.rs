//! The training side of `k8s/` (LANGUAGE.md 8.7): a JobSet per training job, admitted by
//! Kueue, and, where a spec has training jobs, Kueue's Cohort with one ClusterQueue per
//! workload: inference with the services' GPUs, lending what the jobs borrow and reclaiming
//! it by preemption; one per training job with its guaranteed GPUs, borrowing what the
//! services it yields to leave idle.

use crate::k8s_api::{ClusterQueueSpec, FlavorQuotas, LocalQueueSpec, Preemption, ResourceGroup, ResourceQuota};
use crate::k8s_api::{
    Container, EnvVar, LabelSelector, Object, ObjectMeta, PodSpec, PodTemplateSpec, PriorityClass, Quantity, ResourceRequirements,
};
use crate::k8s_api::{GPU_RESOURCE, flavor_name, gpu_toleration, meta, write_docs, yaml};
use fabric_core::cluster::{Cluster, ClusterJob};
use fabric_core::plant::Plant;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The image of a training job whose spec names none.
pub const DEFAULT_TRAINING_IMAGE: &str = "nvcr.io/nvidia/nemo:25.04";

/// The PriorityClass of training pods: below every inference tier, so services preempt them.
pub const TRAINING_PRIORITY: (&str, i32) = ("fabric-training", 1_000);

/// The port of torchrun's rendezvous on the first pod.
pub const RENDEZVOUS_PORT: u32 = 29_500;

/// The training PriorityClass object.
pub fn training_priority_class() -> PriorityClass {
    PriorityClass {
        metadata: meta(TRAINING_PRIORITY.0, None),
        value: Some(TRAINING_PRIORITY.1),
        global_default: Some(false),
        description: Some("Training jobs: they yield GPUs to inference services, which preempt them.".into()),
        ..PriorityClass::default()
    }
}

#[derive(Serialize)]
struct CohortSpec {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobSpec {
    parallelism: u32,
    completions: u32,
    completion_mode: &'static str,
    backoff_limit: u32,
    template: PodTemplateSpec,
}

#[derive(Serialize)]
struct JobTemplate {
    spec: JobSpec,
}

#[derive(Serialize)]
struct ReplicatedJob {
    name: &'static str,
    replicas: u32,
    template: JobTemplate,
}

#[derive(Serialize)]
struct Network {
    #[serde(rename = "enableDNSHostnames")]
    enable_dns_hostnames: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FailurePolicy {
    max_restarts: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobSetSpec {
    network: Network,
    failure_policy: FailurePolicy,
    replicated_jobs: Vec<ReplicatedJob>,
}

/// The Cohort, the inference and training ClusterQueues and every LocalQueue, given each
/// GPU flavor's capacity.
pub fn cohort_queues(c: &Cluster, capacity: &BTreeMap<String, u64>) -> io::Result<Vec<(String, String)>> {
    let mut inference: BTreeMap<&str, u64> = BTreeMap::new();
    for s in &c.services {
        let Some(model) = s.gpu_model.as_deref() else { continue };
        let gpus = |p: &fabric_core::cluster::ClusterPool| u64::from(p.replicas) * u64::from(p.gpus_per_replica);
        *inference.entry(model).or_insert(0) += gpus(&s.pool) + s.prefill.as_ref().map_or(0, gpus);
    }
    let mut borrowed: BTreeMap<&str, u64> = BTreeMap::new();
    for j in &c.jobs {
        if let Some(model) = j.gpu_model.as_deref() {
            *borrowed.entry(model).or_insert(0) += j.borrowed_gpus;
        }
    }
    let quota = |nominal: u64, borrowing: Option<u64>, lending: Option<u64>| ResourceQuota {
        borrowing_limit: borrowing.map(|b| b.to_string()),
        lending_limit: lending.map(|l| l.to_string()),
        ..ResourceQuota::nominal(GPU_RESOURCE, nominal.to_string())
    };
    let queue = |name: &str, flavors: Vec<FlavorQuotas>, reclaim: &'static str| Object {
        api_version: "kueue.x-k8s.io/v1beta1",
        kind: "ClusterQueue",
        metadata: meta(name, None),
        spec: ClusterQueueSpec {
            cohort: Some(c.site.clone()),
            namespace_selector: LabelSelector::default(),
            resource_groups: vec![ResourceGroup { covered_resources: vec![GPU_RESOURCE.into()], flavors }],
            preemption: Some(Preemption { reclaim_within_cohort: reclaim, within_cluster_queue: "LowerPriority" }),
        },
    };
    let inference_queue = format!("{}-inference", c.site);
    let inference_flavors = capacity
        .iter()
        .map(|(model, &total)| {
            let serving = inference.get(model.as_str()).copied().unwrap_or(0).min(total);
            let lent = borrowed.get(model.as_str()).copied().unwrap_or(0).min(serving);
            FlavorQuotas { name: flavor_name(&c.site, model), resources: vec![quota(serving, Some(0), Some(lent))] }
        })
        .collect();
    let cohort = Object { api_version: "kueue.x-k8s.io/v1beta1", kind: "Cohort", metadata: meta(&c.site, None), spec: CohortSpec {} };
    let mut docs = vec![
        ("Inference and training share the plant's GPUs in one cohort (LANGUAGE.md 8.3).".to_string(), yaml(&cohort)?),
        (
            "The services' GPUs. They lend the jobs that yield to them what those jobs borrow (lendingLimit) and take it\n\
             back by preemption (reclaimWithinCohort: Any). Only GPUs are covered: the pods request nothing else. Kueue\n\
             lends quota no admitted workload uses: a service's GPUs go to training while it is scaled in or not deployed."
                .to_string(),
            yaml(&queue(&inference_queue, inference_flavors, "Any"))?,
        ),
    ];
    // One ClusterQueue per job: its guaranteed GPUs, borrowing only what it may borrow, so a
    // reclaim preempts the jobs that yield and no other.
    let mut job_queues = Vec::new();
    for j in &c.jobs {
        let name = format!("{}-{}", c.site, j.name);
        let flavors = capacity
            .keys()
            .map(|model| {
                let (guaranteed, borrowing) =
                    if j.gpu_model.as_deref() == Some(model.as_str()) { (j.guaranteed_gpus, j.borrowed_gpus) } else { (0, 0) };
                FlavorQuotas { name: flavor_name(&c.site, model), resources: vec![quota(guaranteed, Some(borrowing), Some(0))] }
            })
            .collect();
        let comment = format!(
            "Training job `{}`: {} GPUs guaranteed, up to {} borrowed from the services it yields to.",
            j.name, j.guaranteed_gpus, j.borrowed_gpus
        );
        docs.push((comment, yaml(&queue(&name, flavors, "Never"))?));
        job_queues.push(name);
    }
    let local = |name: &str, namespace: &str, queue: &str| {
        yaml(&Object {
            api_version: "kueue.x-k8s.io/v1beta1",
            kind: "LocalQueue",
            metadata: meta(name, Some(namespace)),
            spec: LocalQueueSpec { cluster_queue: queue.to_string() },
        })
    };
    for s in &c.services {
        docs.push((String::new(), local(&s.name, &s.namespace, &inference_queue)?));
    }
    for (j, queue) in c.jobs.iter().zip(&job_queues) {
        docs.push((String::new(), local(&j.name, &j.namespace, queue)?));
    }
    Ok(docs)
}

/// The environment a trainer reads: torchrun's rendezvous and the checked run.
fn training_env(plant: &Plant, job: &ClusterJob) -> Vec<EnvVar> {
    let program = &plant.program;
    let decl = plant.get(job.instance).decl;
    let text = |f: &str| program.field(decl, f).and_then(|v| v.text().map(str::to_string));
    let number = |f: &str| program.field(decl, f).and_then(|v| v.number());
    let model = program.field(decl, "model").and_then(|f| f.type_id());
    let repository = model
        .and_then(|m| program.field(m, "repository"))
        .and_then(|f| f.text().map(str::to_string))
        .unwrap_or_else(|| model.and_then(|m| program.decl(m).name.clone()).unwrap_or_default());
    let var = |name: &str, value: String| EnvVar { name: name.into(), value: Some(value) };
    let mut env = vec![
        var("MASTER_ADDR", format!("{0}-trainer-0-0.{0}", job.name)),
        var("MASTER_PORT", RENDEZVOUS_PORT.to_string()),
        // torchrun reads its options from PET_* variables; the node rank is the Job's
        // completion index (JOB_COMPLETION_INDEX, set by Kubernetes).
        var("PET_MASTER_ADDR", format!("{0}-trainer-0-0.{0}", job.name)),
        var("PET_MASTER_PORT", RENDEZVOUS_PORT.to_string()),
        var("PET_NNODES", job.pods.to_string()),
        var("PET_NPROC_PER_NODE", job.gpus_per_pod.to_string()),
        var("FABRIC_MODEL", repository),
        var("FABRIC_PRECISION", text("precision").unwrap_or_default()),
    ];
    if let Some(l) = job.layout {
        env.push(var("FABRIC_PARALLELISM", format!("tp={},pp={},dp={},ep={},cp={},vp={}", l.tp, l.pp, l.dp, l.ep, l.cp, l.vp)));
    }
    for (name, field) in
        [("FABRIC_SEQUENCE", "sequence"), ("FABRIC_GLOBAL_BATCH", "global_batch"), ("FABRIC_TOKENS", "tokens"), ("FABRIC_ZERO", "zero")]
    {
        if let Some(v) = number(field) {
            env.push(var(name, format!("{v}")));
        }
    }
    env.push(var("FABRIC_RECOMPUTE", text("recompute").unwrap_or_else(|| "auto".into())));
    env
}

/// Writes `k8s/<job>.yaml`: the job's JobSet.
pub fn write_job(plant: &Plant, job: &ClusterJob, out: &mut dyn Write) -> io::Result<()> {
    let program = &plant.program;
    let decl = plant.get(job.instance).decl;
    let image = program.field(decl, "image").and_then(|f| f.text().map(str::to_string));
    let mut annotations = BTreeMap::from([("kueue.x-k8s.io/podset-preferred-topology".to_string(), job.job_level.clone())]);
    if job.tp_pods > 1 {
        annotations.insert("kueue.x-k8s.io/podset-slice-required-topology".into(), job.tp_level.clone());
        annotations.insert("kueue.x-k8s.io/podset-slice-size".into(), job.tp_pods.to_string());
    }
    let labels = BTreeMap::from([("kueue.x-k8s.io/queue-name".to_string(), job.name.clone())]);
    let container = Container {
        name: "trainer".into(),
        image: Some(image.clone().unwrap_or_else(|| DEFAULT_TRAINING_IMAGE.into())),
        command: None,
        env: Some(training_env(plant, job)),
        ports: None,
        resources: Some(ResourceRequirements {
            limits: Some(BTreeMap::from([(GPU_RESOURCE.to_string(), Quantity(job.gpus_per_pod.to_string()))])),
        }),
    };
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta { annotations: Some(annotations), ..ObjectMeta::default() }),
        spec: Some(PodSpec {
            containers: vec![container],
            priority_class_name: Some(TRAINING_PRIORITY.0.into()),
            tolerations: Some(vec![gpu_toleration()]),
            restart_policy: Some("Never".into()),
        }),
    };
    let set = Object {
        api_version: "jobset.x-k8s.io/v1alpha2",
        kind: "JobSet",
        metadata: ObjectMeta { labels: Some(labels), ..meta(&job.name, Some(&job.namespace)) },
        spec: JobSetSpec {
            network: Network { enable_dns_hostnames: true },
            failure_policy: FailurePolicy { max_restarts: 3 },
            replicated_jobs: vec![ReplicatedJob {
                name: "trainer",
                replicas: 1,
                template: JobTemplate {
                    spec: JobSpec { parallelism: job.pods, completions: job.pods, completion_mode: "Indexed", backoff_limit: 0, template },
                },
            }],
        },
    };
    let layout = job.layout.map_or_else(
        || "no layout was settled (see the check's diagnostics)".to_string(),
        |l| format!("tp {}, pp {}, dp {}, ep {}, cp {}, vp {}", l.tp, l.pp, l.dp, l.ep, l.cp, l.vp),
    );
    let mut comment = format!(
        "Training job `{}`: {} pods of {} GPUs ({layout}); {} GPUs guaranteed, {} borrowed from the services it yields to.\n\
             Topology: the job prefers {}; ",
        plant.name(job.instance),
        job.pods,
        job.gpus_per_pod,
        job.guaranteed_gpus,
        job.borrowed_gpus,
        job.job_level
    );
    if job.tp_pods > 1 {
        comment.push_str(&format!("each tensor-parallel group of {} pods stays inside one {}.", job.tp_pods, job.tp_level));
    } else {
        comment.push_str("each tensor-parallel group fits in one pod, inside its node's NVLink domain.");
    }
    comment.push_str(
        "\nThe image's entry point runs torchrun, which reads its rendezvous from PET_MASTER_ADDR, PET_MASTER_PORT, PET_NNODES and\n\
         PET_NPROC_PER_NODE (node rank: JOB_COMPLETION_INDEX); the trainer reads the checked run (FABRIC_*).",
    );
    if image.is_none() {
        comment.push_str(&format!("\n`image` is not set: the pods use {DEFAULT_TRAINING_IMAGE}; pin your trainer's image in the spec."));
    }
    write_docs(out, &[(comment, yaml(&set)?)])
}
