//! Simulator scenarios (`sim/`): the small example's files as snapshots; on the campus
//! example, scenario.json validated against its own JSON Schema, the ns-3 topology read back
//! and counted against report.json, and the ASTRA-sim dimensions multiplied out; and a real
//! ns-3 run (tests/ns3/one_way_delay.cc against Debian's ns-3) whose one-way delay between the
//! two GPUs report.json names as farthest apart must agree with Fabric's latency within 10 %.

use fabric_cli::build::{BuildOptions, build};
use fabric_emit::Part;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `spec` with every part into a scratch folder; returns it and the output folder.
fn build_spec(spec: &str) -> (tempfile::TempDir, PathBuf, fabric_cli::Checked) {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let checked = fabric_cli::check_file(Path::new(spec)).unwrap();
    assert!(!checked.has_errors(), "{spec} has errors");
    let options = BuildOptions { out: out.clone(), parts: Part::ALL.to_vec(), force: false, emit: Default::default() };
    build(&checked, Path::new(spec), &options, &|_| Ok(())).unwrap();
    (scratch, out, checked)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// topology.txt read back: node count, the switch ids, and every link as (src, dst, rate, delay).
struct Ns3Topology {
    nodes: usize,
    switches: Vec<usize>,
    links: Vec<(usize, usize, String, String)>,
}

fn read_ns3(path: &Path) -> Ns3Topology {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<usize> = lines.next().unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    let [nodes, switch_count, link_count] = header[..] else { panic!("header is not three numbers") };
    let switches: Vec<usize> = lines.next().unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert_eq!(switches.len(), switch_count, "switch ids on line 2");
    let links: Vec<(usize, usize, String, String)> = lines
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 5, "link line `{line}`");
            assert_eq!(f[4], "0", "error rate");
            assert!(f[2].ends_with("bps") && f[3].ends_with("ms"), "rate and delay units in `{line}`");
            let (a, b) = (f[0].parse().unwrap(), f[1].parse().unwrap());
            assert!(a < nodes && b < nodes && a != b, "link `{line}` names a node that is not there");
            (a, b, f[2].to_string(), f[3].to_string())
        })
        .collect();
    assert_eq!(links.len(), link_count, "link lines");
    Ns3Topology { nodes, switches, links }
}

/// nodes.csv: id → (kind, path).
fn read_nodes(path: &Path) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["id", "kind", "path", "nics"]);
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap();
            assert_eq!(r[0].parse::<usize>().unwrap(), i, "ids are consecutive");
            (r[1].to_string(), r[2].to_string())
        })
        .collect()
}

/// network.yml through a real YAML parser (PyYAML, which the Kubernetes tests install).
fn read_astra(path: &Path) -> Value {
    let script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
    let out = Command::new("python3").args(["-c", script]).arg(path).output().expect("python3 runs");
    assert!(out.status.success(), "PyYAML could not read {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn npus_product(network: &Value) -> u64 {
    network["npus_count"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).product()
}

#[test]
fn pod_sim_files_snapshot() {
    let (_scratch, out, _) = build_spec("../examples/pod.fabric");
    for file in fabric_emit::sim::FILES.iter().filter(|f| !f.ends_with("schema.json")) {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        insta::assert_snapshot!(format!("pod-{}", file.replace('/', "-")), text);
    }
    // The pod is symmetric: ASTRA-sim holds all of it.
    let report = json(&out.join("report.json"));
    assert_eq!(npus_product(&read_astra(&out.join("sim/astra-sim/network.yml"))), report["totals"]["gpus"].as_u64().unwrap());
}

#[test]
fn campus_sim_files_match_the_schema_and_the_report() {
    let (_scratch, out, checked) = build_spec("../examples/campus.fabric");
    let report = json(&out.join("report.json"));
    let totals = &report["totals"];

    // scenario.json validates against the schema written beside it.
    let schema = json(&out.join("sim/scenario.schema.json"));
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let scenario = json(&out.join("sim/scenario.json"));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(&scenario).take(5).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "scenario.json does not match its schema: {errors:#?}");
    // And the schema is not vacuous: a wrong format or a vertex of an unknown kind fails it.
    let mut broken = scenario.clone();
    broken["format"] = "fabric-scenario/0".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = scenario.clone();
    broken["vertices"][0]["kind"] = "toaster".into();
    assert!(!validator.is_valid(&broken));
    let count = |kind: &str| scenario["vertices"].as_array().unwrap().iter().filter(|v| v["kind"] == kind).count() as u64;
    assert_eq!(count("gpu"), totals["gpus"].as_u64().unwrap());
    assert_eq!(count("switch"), totals["switches"].as_u64().unwrap());
    assert_eq!(scenario["services"][0]["load"]["reasoning_tokens"], 12000.0);
    assert_eq!(scenario["provenance"]["spec"], "../examples/campus.fabric");
    let power = &scenario["power"];
    let it = totals["it_power_w"].as_f64().unwrap();
    assert!((power["it_power_w"].as_f64().unwrap() - it).abs() < 1e-6 * it);
    let parts: f64 = ["vertices_power_w", "optics_power_w", "other_power_w"].iter().map(|k| power[k].as_f64().unwrap()).sum();
    assert!((parts - it).abs() < 1e-6 * it, "the power model adds up to the IT power: {parts} vs {it}");

    // ns-3: every GPU and switch a node, every cable a link, ids as nodes.csv lists them.
    let topology = read_ns3(&out.join("sim/ns3/topology.txt"));
    let nodes = read_nodes(&out.join("sim/ns3/nodes.csv"));
    assert_eq!(nodes.len(), topology.nodes);
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for (kind, _) in &nodes {
        *kinds.entry(kind.as_str()).or_default() += 1;
    }
    assert_eq!(kinds["gpu"], totals["gpus"].as_u64().unwrap());
    assert_eq!(kinds["switch"], totals["switches"].as_u64().unwrap());
    assert_eq!(kinds["campus_link_end"], 4, "two campus links (redundant routes) join the two fabrics");
    let switch_ids: Vec<usize> = nodes.iter().enumerate().filter(|(_, (k, _))| k != "gpu" && k != "nic").map(|(i, _)| i).collect();
    assert_eq!(topology.switches, switch_ids);
    let mut links = csv::Reader::from_path(out.join("sim/ns3/links.csv")).unwrap();
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for (i, row) in links.records().enumerate() {
        let row = row.unwrap();
        assert_eq!((row[1].parse::<usize>().unwrap(), row[2].parse::<usize>().unwrap()), (topology.links[i].0, topology.links[i].1));
        *by_kind.entry(row[3].to_string()).or_default() += 1;
    }
    assert_eq!(by_kind["cable"], totals["cables"].as_u64().unwrap());
    // Each of the 144 NVL72 racks: 72 GPUs × 9 NVLink switch trays.
    assert_eq!(by_kind["nvlink"], 144 * 72 * 9);
    assert_eq!(by_kind["campus"], 2);
    // The campus links' routes: 1.8 km and 2.6 km of SMF at 5 us/km.
    let campus: Vec<&str> = topology
        .links
        .iter()
        .filter(|(a, b, _, _)| nodes[*a].0 == "campus_link_end" && nodes[*b].0 == "campus_link_end")
        .map(|l| l.3.as_str())
        .collect();
    assert_eq!(campus, ["0.009ms", "0.013ms"]);

    // ASTRA-sim: the dimensions multiply to the GPUs of the exported fabric, and the
    // warning says what was left out.
    let network = read_astra(&out.join("sim/astra-sim/network.yml"));
    let scaleout = report["fabrics"].as_array().unwrap().iter().find(|f| f["name"] == "scaleout").unwrap();
    assert_eq!(npus_product(&network), scaleout["endpoints"].as_u64().unwrap(), "one NIC per GPU in an NVL72 tray");
    for key in ["topology", "bandwidth", "latency"] {
        assert_eq!(network[key].as_array().unwrap().len(), network["npus_count"].as_array().unwrap().len(), "{key}");
    }
    let system = json(&out.join("sim/astra-sim/system.json"));
    assert_eq!(system["all-reduce-implementation"].as_array().unwrap().len(), network["npus_count"].as_array().unwrap().len());
    assert_eq!(system["local-mem-bw"], 8000.0, "B200 HBM3e at 8 TB/s");
    let sim = fabric_core::pipeline::sim_graph(&checked.db, checked.project);
    let rendered = fabric_cli::render_human(&checked.db, &sim.diagnostics, false);
    insta::assert_snapshot!("W0804-campus", rendered);
}

/// Compiles tests/ns3/one_way_delay.cc against Debian's ns-3 once per source version.
fn ns3_program() -> PathBuf {
    let source = Path::new("ns3/one_way_delay.cc");
    let text = std::fs::read(source).unwrap();
    let hash = text.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("one_way_delay-{hash:016x}"));
    if binary.exists() {
        return binary;
    }
    let modules = ["ns3-core", "ns3-network", "ns3-internet", "ns3-point-to-point", "ns3-applications"];
    let flags = Command::new("pkg-config").args(["--cflags", "--libs"]).args(modules).output();
    let flags = match flags {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).unwrap(),
        _ => panic!("ns-3 is not installed: ./scripts/test installs Debian's ns3, libns3-dev and libgsl-dev"),
    };
    let partial = binary.with_extension("partial");
    let status = Command::new("g++")
        .args(["-std=c++17", "-O0", "-w", "-o"])
        .arg(&partial)
        .arg(source)
        .args(flags.split_whitespace())
        .status()
        .expect("g++ runs");
    assert!(status.success(), "one_way_delay.cc does not compile");
    std::fs::rename(&partial, &binary).unwrap();
    binary
}

#[test]
fn ns3_one_way_delay_agrees_with_the_report() {
    let (_scratch, out, _) = build_spec("sim/two_buildings.fabric");
    let report = json(&out.join("report.json"));
    let farthest = &report["farthest_gpus"];
    let fabric_s = farthest["worst_one_way_s"].as_f64().unwrap();
    let nodes = read_nodes(&out.join("sim/ns3/nodes.csv"));
    let id = |path: &Value| nodes.iter().position(|(_, p)| p == path.as_str().unwrap()).expect("the GPU is an ns-3 node");
    let (src, dst) = (id(&farthest["from"]), id(&farthest["to"]));
    let run = Command::new(ns3_program()).arg(out.join("sim/ns3/topology.txt")).arg(src.to_string()).arg(dst.to_string()).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "ns-3 failed: {stdout}{}", String::from_utf8_lossy(&run.stderr));
    let ns3_s: f64 = stdout.lines().find_map(|l| l.strip_prefix("delay_s ")).expect("a delay").trim().parse().unwrap();
    // GPU → leaf → spine → campus link → spine → leaf → GPU: 4 QM9700 at 150 ns, 2 km of
    // SMF, and the halls' multimode fibre at 4.95 ns/m (tens of metres).
    assert!(fabric_s > 10.6e-6 && fabric_s < 10.6e-6 + 0.5e-6, "Fabric's worst one-way latency: {fabric_s}");
    let error = (ns3_s - fabric_s).abs() / fabric_s;
    assert!(error < 0.10, "ns-3 says {ns3_s} s, Fabric {fabric_s} s ({:.1} % apart)\n{stdout}", error * 100.0);
    // ns-3 adds only serialization (a 100-byte packet at 400-800 Gb/s per hop) to the model.
    assert!(ns3_s >= fabric_s, "ns-3 cannot be faster than the delays written: {ns3_s} < {fabric_s}");
}

/// W0805: a training job above the NPU limit is simulated on fewer data-parallel ranks, with
/// its tensor and pipeline parallelism whole and a multiple of its expert parallelism; a
/// higher limit keeps it whole. W0806: a service whose decode layout has pipeline
/// parallelism gets no workload, and says why.
#[test]
fn workloads_reduced_or_left_out_say_so() {
    let checked = fabric_cli::check_file(Path::new("../examples/campus.fabric")).unwrap();
    let (db, project) = (&checked.db, checked.project);
    let reduced = fabric_emit::sim_workload_diagnostics(db, project, &Default::default());
    insta::assert_snapshot!("W0805-campus", fabric_cli::render_human(db, &reduced, false));
    let whole = fabric_emit::sim_workload_diagnostics(db, project, &fabric_emit::Options { astra_max_npus: 10_000 });
    assert!(whole.is_empty(), "9,216 GPUs fit a limit of 10,000");
    let files = fabric_emit::artifacts_with(db, project, &[Part::Sim], &fabric_emit::Options { astra_max_npus: 10_000 });
    assert_eq!(files.iter().filter(|f| f.starts_with("sim/astra-sim/workloads/post_train/workload.")).count(), 9216);

    let text = std::fs::read_to_string("../examples/r1-h200.fabric").unwrap().replace(
        "  placement = lab.b1.h1.r1.k1\n",
        "  placement = lab.b1.h1.r1.k1\n  parallelism {\n    tp = 1\n    pp = 2\n    dp = 4\n    ep = 4\n  }\n",
    );
    let scratch = tempfile::tempdir().unwrap();
    let spec = scratch.path().join("r1-pp.fabric");
    std::fs::write(&spec, text).unwrap();
    let checked = fabric_cli::check_file(&spec).unwrap();
    let left_out = fabric_emit::sim_workload_diagnostics(&checked.db, checked.project, &Default::default());
    assert_eq!(left_out.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["W0806"], "{left_out:?}");
    assert!(left_out[0].message.contains("pipeline parallelism (pp 2)"), "{}", left_out[0].message);
    let files = fabric_emit::artifacts(&checked.db, checked.project, &[Part::Sim]);
    assert!(!files.iter().any(|f| f.starts_with("sim/astra-sim/workloads/")), "no workload folder for the service");

    // One GPU per replica: nothing to communicate. A job across buildings: no campus
    // dimension yet. Each is W0806 with its reason, and no workload folder.
    let one_gpu = std::fs::read_to_string("../examples/pod.fabric")
        .unwrap()
        .replace("Llama_3_1_70B", "Llama_3_1_8B")
        .replace("gpus_per_replica = 8", "gpus_per_replica = 1")
        .replace("replicas = 4", "replicas = 32");
    let campus = std::fs::read_to_string("../examples/campus.fabric").unwrap();
    let across = campus
        .replace("  placement = campus.b1.h1\n  gpus = 9216\n", "  placement = campus\n  gpus = 10368\n")
        .replace("global_batch = 9216", "global_batch = 10368");
    assert_ne!(across, campus, "the campus job's placement was found");
    for (name, text, service, why) in [
        ("one-gpu.fabric", one_gpu, "assistant", "its decode replica is one GPU"),
        ("across.fabric", across, "post_train", "it spans 2 buildings"),
    ] {
        let spec = scratch.path().join(name);
        std::fs::write(&spec, text).unwrap();
        let checked = fabric_cli::check_file(&spec).unwrap();
        assert!(!checked.has_errors(), "{name}: {:?}", checked.diagnostics);
        let left_out = fabric_emit::sim_workload_diagnostics(&checked.db, checked.project, &Default::default());
        let w0806: Vec<_> = left_out.iter().filter(|d| d.code.as_str() == "W0806").collect();
        assert_eq!(w0806.len(), 1, "{name}: {left_out:?}");
        assert!(w0806[0].message.contains(&format!("`{service}`: {why}")), "{name}: {}", w0806[0].message);
        let files = fabric_emit::artifacts(&checked.db, checked.project, &[Part::Sim]);
        assert!(!files.iter().any(|f| f.starts_with(&format!("sim/astra-sim/workloads/{service}/"))), "{name}");
    }
}

/// The Chakra traces of a pipelined training step: each stage sends forward to the next
/// and receives from the one before, then the reverse, with matching tags; the first stage
/// only sends forward and the last only receives.
#[test]
fn pipeline_transfers_pair_up_between_neighbouring_stages() {
    use fabric_emit::sim::chakra::{AttributeProto, Value};
    let checked = fabric_cli::check_file(Path::new("../examples/campus.fabric")).unwrap();
    let emitter_files = fabric_emit::artifacts(&checked.db, checked.project, &[Part::Sim]);
    assert!(emitter_files.contains(&"sim/astra-sim/workloads/post_train/workload.0.et".to_string()));
    let plan = fabric_core::sim_workloads::plan(
        fabric_core::plant::plant(&checked.db, checked.project),
        fabric_core::pipeline::budgets(&checked.db, checked.project),
        4096,
    );
    let w = plan.workloads.iter().find(|w| w.name == "post_train").unwrap();
    let pp = w.dimensions.iter().position(|d| d.level == "pp").expect("post_train is pipelined");
    let stride: u32 = w.dimensions[..pp].iter().map(|d| d.npus).product();
    let stages = w.dimensions[pp].npus;
    let int = |a: &[AttributeProto], name: &str| {
        a.iter().find(|x| x.name == name).and_then(|x| match x.value {
            Some(Value::Int32(v)) => Some(i64::from(v)),
            Some(Value::Int64(v)) => Some(v),
            _ => None,
        })
    };
    // (kind, src, dst, tag) of every transfer of a rank.
    let transfers = |rank: u32| -> Vec<(i32, i64, i64, i64)> {
        fabric_emit::sim::workloads::trace(w, rank)
            .iter()
            .filter(|n| n.r#type == 5 || n.r#type == 6)
            .map(|n| (n.r#type, int(&n.attr, "comm_src").unwrap(), int(&n.attr, "comm_dst").unwrap(), int(&n.attr, "comm_tag").unwrap()))
            .collect()
    };
    let (first, last, middle) = (transfers(0), transfers((stages - 1) * stride), transfers(stride));
    assert!(!first.is_empty());
    assert!(first.iter().all(|&(kind, src, dst, tag)| (kind == 5 && src == 0 && dst == i64::from(stride) && tag % 2 == 0)
        || (kind == 6 && src == i64::from(stride) && dst == 0 && tag % 2 == 1)));
    assert_eq!(first.len(), last.len());
    assert_eq!(middle.len(), 2 * first.len(), "a middle stage sends and receives both ways");
    // Every send of rank 0 has its receive on rank `stride` with the same tag.
    for &(kind, src, dst, tag) in first.iter().filter(|t| t.0 == 5) {
        assert!(middle.contains(&(6, src, dst, tag)), "unmatched send {kind} {src}->{dst} tag {tag}");
    }
}
