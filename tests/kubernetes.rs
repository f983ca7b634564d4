//! Kubernetes manifests: the k8s/ tree of a small example as snapshots, the replica shapes
//! the acceptance names, and every emitted object validated against its published schema
//! by tests/k8s/validate.py (kubernetes-validate for core objects, the CRDs in
//! tests/k8s/crds for Kueue, LeaderWorkerSet, DisaggregatedSet and JobSet), including a
//! check that it can fail; training jobs as JobSets in a Kueue cohort with the services.

use fabric_cli::build::{BuildOptions, build};
use fabric_emit::Part;
use std::path::Path;
use std::process::Command;

/// Builds only report.json and k8s/ of `spec` into `out`.
fn build_k8s(spec: &str, out: &Path) {
    let spec = Path::new(spec);
    let checked = fabric_cli::check_file(spec).unwrap();
    assert!(!checked.has_errors(), "{}", fabric_cli::render_human(&checked.db, &checked.diagnostics, false));
    let options = BuildOptions { out: out.to_path_buf(), parts: vec![Part::K8s], force: false, emit: Default::default() };
    build(&checked, spec, &options, &|_| Ok(())).unwrap();
}

/// Runs the schema validation over a k8s/ folder: (success, output).
fn validate(folder: &Path) -> (bool, String) {
    let output = Command::new("python3").arg("k8s/validate.py").arg(folder).output().expect("python3 runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(
        !text.contains("ModuleNotFoundError"),
        "the schema validation needs kubernetes-validate: run ./scripts/test, which installs it\n{text}"
    );
    (output.status.success(), text)
}

#[test]
fn pod_manifests_snapshot_and_validate() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    build_k8s("../examples/pod.fabric", &out);
    let mut files: Vec<String> =
        std::fs::read_dir(out.join("k8s")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["assistant.yaml", "kueue.yaml", "kustomization.yaml", "namespaces.yaml", "nodes.yaml", "priority-classes.yaml"]);
    for file in &files {
        let text = std::fs::read_to_string(out.join("k8s").join(file)).unwrap();
        insta::assert_snapshot!(format!("pod-k8s-{file}"), text);
    }
    // An 8-GPU replica on DGX B200 nodes is one pod of 8 GPUs, kept on one host.
    let lws = std::fs::read_to_string(out.join("k8s/assistant.yaml")).unwrap();
    assert!(lws.contains("    size: 1\n") && lws.contains("nvidia.com/gpu: \"8\""), "{lws}");
    assert!(lws.contains("kueue.x-k8s.io/podset-required-topology: kubernetes.io/hostname"), "{lws}");
    let (ok, output) = validate(&out.join("k8s"));
    assert!(ok, "{output}");
    assert!(output.trim_end().ends_with("13 passed, 0 failed"), "{output}");
}

#[test]
fn campus_manifests_keep_a_replica_in_its_nvlink_domain_and_validate() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    build_k8s("../examples/campus.fabric", &out);
    let set = std::fs::read_to_string(out.join("k8s/agents.yaml")).unwrap();
    // The disaggregated service is one DisaggregatedSet with a prefill and a decode role.
    assert!(set.contains("kind: DisaggregatedSet\n") && set.contains("  - name: prefill\n") && set.contains("  - name: decode\n"), "{set}");
    // Decode: 72 GPUs on GB200 NVL72 compute trays of 4: 18 pods of 4 GPUs, inside one rack.
    assert!(set.contains("      replicas: 2\n") && set.contains("        size: 18\n"), "{set}");
    assert!(set.contains("nvidia.com/gpu: \"4\""), "{set}");
    assert!(set.contains("kueue.x-k8s.io/podset-required-topology: topology.fabric-lang.org/rack"), "{set}");
    assert!(set.contains("priorityClassName: fabric-agent-facing"), "rtt <= 1 ms makes the service agent-facing:\n{set}");
    let nodes = std::fs::read_to_string(out.join("k8s/nodes.yaml")).unwrap();
    assert_eq!(nodes.matches("kind: Node\n").count(), 2592);
    let kueue = std::fs::read_to_string(out.join("k8s/kueue.yaml")).unwrap();
    // The agents' 176 GPUs in the inference queue; the job's 9,040 guaranteed in its own,
    // borrowing the agents' 176.
    assert!(kueue.contains("nominalQuota: \"176\"") && kueue.contains("nominalQuota: \"9040\""), "{kueue}");
    let job = std::fs::read_to_string(out.join("k8s/post-train.yaml")).unwrap();
    assert!(job.contains("kind: JobSet\n") && job.contains("parallelism: 2304\n"), "9,216 GPUs on trays of 4:\n{job}");
    let (ok, output) = validate(&out.join("k8s"));
    assert!(ok, "{output}");
    assert!(output.contains(" 0 failed"), "{output}");
}

/// The values of `--flag value` in every engine command line of a manifest, deduplicated
/// (a group's leader and workers may each carry them).
fn flag(text: &str, name: &str) -> Vec<String> {
    let tokens: Vec<&str> = text.split_whitespace().filter(|t| *t != "-").map(|t| t.trim_matches(['\'', '"'])).collect();
    let mut values: Vec<String> = tokens.windows(2).filter(|w| w[0] == name).map(|w| w[1].to_string()).collect();
    values.dedup();
    values
}

#[test]
fn engine_flags_carry_the_degrees_report_json_gives() {
    // vLLM on the campus example (disaggregated), SGLang on the same service.
    let campus = std::fs::read_to_string("../examples/campus.fabric").unwrap();
    let sglang = campus.replace("  load {\n    arrival = 40", "  serving {\n    engine = \"sglang\"\n  }\n  load {\n    arrival = 40");
    assert_ne!(campus, sglang, "campus.fabric changed: the test cannot add its serving block");
    for (name, text) in [("vllm", campus), ("sglang", sglang)] {
        let scratch = tempfile::tempdir().unwrap();
        let spec = scratch.path().join("campus.fabric");
        std::fs::write(&spec, &text).unwrap();
        let out = scratch.path().join("out");
        build_k8s(spec.to_str().unwrap(), &out);
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        let service = &report["services"][0];
        assert_eq!(service["mode"], "disaggregated", "{service}");
        let set = std::fs::read_to_string(out.join("k8s/agents.yaml")).unwrap();
        let (prefill, decode) = set.split_once("  - name: decode").unwrap();
        for (pool, text) in [("prefill", prefill), ("decode", decode)] {
            let p = &service[pool]["parallelism"];
            let degree = |k: &str| p[k].as_u64().unwrap().to_string();
            if name == "vllm" {
                assert_eq!(flag(text, "--tensor-parallel-size"), [degree("tp")], "{name} {pool}: {text}");
                assert_eq!(flag(text, "--data-parallel-size"), [degree("dp")], "{name} {pool}: {text}");
                assert!(text.contains("--enable-expert-parallel"), "{name} {pool}: {text}");
            } else {
                let tp_dp = (p["tp"].as_u64().unwrap() * p["dp"].as_u64().unwrap()).to_string();
                assert_eq!(flag(text, "--tp-size"), [tp_dp], "{name} {pool}: {text}");
                assert_eq!(flag(text, "--dp-size"), [degree("dp")], "{name} {pool}: {text}");
                assert_eq!(flag(text, "--ep-size"), [degree("ep")], "{name} {pool}: {text}");
                assert_eq!(flag(text, "--disaggregation-mode"), [pool.to_string()], "{name} {pool}: {text}");
            }
        }
        let (ok, output) = validate(&out.join("k8s"));
        assert!(ok, "{name}: {output}");
    }
}

#[test]
fn the_schema_validation_rejects_a_misspelt_field() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    build_k8s("../examples/pod.fabric", &out);
    let lws = out.join("k8s/assistant.yaml");
    let text = std::fs::read_to_string(&lws).unwrap();
    std::fs::write(&lws, text.replace("    size: 1\n", "    sise: 1\n")).unwrap();
    let nodes = out.join("k8s/nodes.yaml");
    let text = std::fs::read_to_string(&nodes).unwrap();
    std::fs::write(&nodes, text.replacen("  labels:\n", "  labelz:\n", 1)).unwrap();
    let (ok, output) = validate(&out.join("k8s"));
    assert!(!ok, "{output}");
    assert!(output.contains("'sise' was unexpected") && output.contains("'labelz' was unexpected"), "{output}");
    assert!(output.trim_end().ends_with("11 passed, 2 failed"), "{output}");
}

#[test]
fn words_a_yaml_1_1_reader_would_misread_are_quoted() {
    // `on`, `no`, `yes`, `off` and `null` are booleans or null to YAML 1.1 readers (PyYAML,
    // older Kubernetes tooling); as label values they must stay strings.
    let scratch = tempfile::tempdir().unwrap();
    let spec = scratch.path().join("main.fabric");
    std::fs::write(
        &spec,
        "import std.nvidia.{DGX_B200}\nsite on {\n  building no {\n    hall yes {\n      row null {\n        rack off: R\n      }\n    }\n  }\n}\nrack R {\n  node y: DGX_B200\n}\n",
    )
    .unwrap();
    let out = scratch.path().join("out");
    build_k8s(&spec.to_string_lossy(), &out);
    let nodes = std::fs::read_to_string(out.join("k8s/nodes.yaml")).unwrap();
    for line in
        ["topology.fabric-lang.org/building: \"no\"", "topology.kubernetes.io/region: \"on\"", "topology.kubernetes.io/zone: \"no\""]
    {
        assert!(nodes.contains(line), "{line} not in\n{nodes}");
    }
    // And a YAML 1.1 reader agrees: every label value is a string.
    let check = Command::new("python3")
        .arg("-c")
        .arg("import sys, yaml\nfor d in yaml.safe_load_all(open(sys.argv[1])):\n    if d and d.get('kind') == 'Node':\n        bad = {k: v for k, v in d['metadata']['labels'].items() if not isinstance(v, str)}\n        assert not bad, bad\nprint('ok')")
        .arg(out.join("k8s/nodes.yaml"))
        .output()
        .expect("python3 runs");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn a_training_job_is_a_jobset_in_a_cohort_that_lets_services_reclaim_their_gpus() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    build_k8s("../examples/training.fabric", &out);
    let set = std::fs::read_to_string(out.join("k8s/pretrain.yaml")).unwrap();
    // 2,048 GPUs on 8-GPU nodes: one indexed Job of 256 pods, queued in Kueue.
    assert!(set.contains("kind: JobSet\n") && set.contains("kueue.x-k8s.io/queue-name: pretrain"), "{set}");
    assert!(set.contains("        parallelism: 256\n") && set.contains("        completionMode: Indexed\n"), "{set}");
    assert!(set.contains("value: tp=8,pp=1,dp=256,ep=1,cp=1,vp=1"), "the checked layout reaches the trainer:\n{set}");
    assert!(set.contains("priorityClassName: fabric-training") && set.contains("restartPolicy: Never"), "{set}");
    let kueue = std::fs::read_to_string(out.join("k8s/kueue.yaml")).unwrap();
    assert!(kueue.contains("kind: Cohort\n"), "{kueue}");
    // The services' 64 GPUs, lent to training while idle and reclaimed by preemption.
    let inference = &kueue[kueue.find("name: dc-inference").unwrap()..];
    assert!(inference.contains("nominalQuota: \"64\"") && inference.contains("lendingLimit: \"64\""), "{kueue}");
    assert!(inference.contains("reclaimWithinCohort: Any"), "{kueue}");
    // The job's own queue: its 1,984 guaranteed GPUs, borrowing the services' 64.
    let training = &kueue[kueue.find("name: dc-pretrain").unwrap()..];
    assert!(training.contains("nominalQuota: \"1984\"") && training.contains("borrowingLimit: \"64\""), "{kueue}");
    assert!(kueue.contains("clusterQueue: dc-pretrain") && kueue.contains("clusterQueue: dc-inference"), "{kueue}");
    assert!(set.contains("name: PET_NNODES\n") && set.contains("value: pretrain-trainer-0-0.pretrain"), "{set}");
    let classes = std::fs::read_to_string(out.join("k8s/priority-classes.yaml")).unwrap();
    assert!(classes.contains("name: fabric-training") && classes.contains("value: 1000\n"), "{classes}");
    let (ok, output) = validate(&out.join("k8s"));
    assert!(ok, "{output}");
    assert!(output.contains(" 0 failed"), "{output}");
}

#[test]
fn a_tensor_parallel_group_wider_than_a_tray_stays_in_its_nvl72_rack() {
    let scratch = tempfile::tempdir().unwrap();
    let spec = scratch.path().join("nvl.fabric");
    std::fs::write(
        &spec,
        "import std.nvidia.{GB200_NVL72}\nimport std.models.{Llama_3_1_405B}\n\n\
         site s {\n  building b {\n    hall h {\n      row r {\n        rack k[1..4]: GB200_NVL72\n      }\n    }\n  }\n}\n\n\
         training pretrain {\n  model = Llama_3_1_405B\n  precision = bf16\n  placement = s.b.h\n  gpus = 256\n  \
         parallelism { tp = 16, pp = 4, dp = 4 }\n  zero = 3\n  sequence = 8192 tok\n  global_batch = 256\n  tokens = 1e11 tok\n}\n",
    )
    .unwrap();
    let out = scratch.path().join("out");
    build_k8s(spec.to_str().unwrap(), &out);
    let set = std::fs::read_to_string(out.join("k8s/pretrain.yaml")).unwrap();
    // tp 16 over compute trays of 4 GPUs: slices of 4 pods, each inside one NVL72 rack.
    assert!(set.contains("kueue.x-k8s.io/podset-slice-size: '4'") || set.contains("kueue.x-k8s.io/podset-slice-size: \"4\""), "{set}");
    assert!(set.contains("kueue.x-k8s.io/podset-slice-required-topology: topology.fabric-lang.org/rack"), "{set}");
    let (ok, output) = validate(&out.join("k8s"));
    assert!(ok, "{output}");
}
