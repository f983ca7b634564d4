//! The cabling plan and `fabric build`'s library half: the whole cabling output of a small
//! example as snapshots, invariants and totals on the campus example, byte-identical
//! reruns, and a build stopped halfway that leaves OUT as it was.

use fabric_cli::build::{BuildOptions, MARKER, build};
use fabric_emit::Part;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

fn options(out: &Path) -> BuildOptions {
    BuildOptions { out: out.to_path_buf(), parts: Part::ALL.to_vec(), force: false, emit: Default::default() }
}

/// Every file under `dir` (relative path → bytes).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

#[test]
fn pod_cabling_plan_snapshot() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let spec = Path::new("../examples/pod.fabric");
    let checked = fabric_cli::check_file(spec).unwrap();
    assert!(!checked.has_errors());
    let written = build(&checked, spec, &options(&out), &|_| Ok(())).unwrap();
    let names: Vec<&str> = written.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(names, fabric_emit::artifacts(&checked.db, checked.project, Part::ALL));
    for file in names.iter().filter(|n| n.starts_with("cabling/")) {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        let name = format!("pod-{}", file.replace('/', "-"));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn campus_cabling_keeps_its_invariants_and_matches_the_report() {
    let scratch = tempfile::tempdir().unwrap();
    let (first, second) = (scratch.path().join("first"), scratch.path().join("second"));
    let spec = Path::new("../examples/campus.fabric");
    let checked = fabric_cli::check_file(spec).unwrap();
    build(&checked, spec, &options(&first), &|_| Ok(())).unwrap();
    // A second build of the same spec is byte-identical.
    build(&checked, spec, &options(&second), &|_| Ok(())).unwrap();
    let tree_first = tree(&first);
    assert_eq!(tree_first, tree(&second), "reruns differ");
    assert!(tree_first.contains_key(Path::new(MARKER)));

    let report: serde_json::Value = serde_json::from_slice(&tree_first[Path::new("report.json")]).unwrap();
    let totals = &report["totals"];
    let cabling = first.join("cabling");

    // cables.csv: NetBox's header, one row per cable of the report, unique labels.
    let (header, cables) = read_csv(&cabling.join("cables.csv"));
    assert_eq!(header, fabric_emit::cabling::CABLES_HEADER);
    assert_eq!(cables.len() as u64, totals["cables"].as_u64().unwrap());
    assert_eq!(cables.len(), 20_736);
    let labels: HashSet<&str> = cables.iter().map(|c| c[10].as_str()).collect();
    assert_eq!(labels.len(), cables.len(), "labels are unique");

    // Every port is cabled at most once; every end is a known device and interface.
    let (_, devices) = read_csv(&cabling.join("devices.csv"));
    let device_names: HashSet<&str> = devices.iter().map(|d| d[0].as_str()).collect();
    assert_eq!(device_names.len(), devices.len(), "device names are unique");
    let (_, interfaces) = read_csv(&cabling.join("interfaces.csv"));
    let interface_set: HashSet<(&str, &str)> = interfaces.iter().map(|i| (i[0].as_str(), i[1].as_str())).collect();
    assert_eq!(interface_set.len(), interfaces.len(), "interfaces are unique");
    let mut ports: HashSet<(&str, &str)> = HashSet::new();
    for c in &cables {
        for (device, port) in [(&c[0], &c[2]), (&c[3], &c[5])] {
            assert!(device_names.contains(device.as_str()), "unknown device {device}");
            assert!(interface_set.contains(&(device.as_str(), port.as_str())), "unknown interface {device} {port}");
            assert!(ports.insert((device, port)), "{device} {port} is cabled twice");
        }
        assert_eq!((c[1].as_str(), c[4].as_str(), c[7].as_str(), c[9].as_str()), ("dcim.interface", "dcim.interface", "planned", "m"));
    }
    assert_eq!(ports.len(), interfaces.len(), "every interface listed is cabled");

    // Each fabric endpoint is cabled exactly once, and no cable is beyond its medium's reach.
    let plant = fabric_core::plant::plant(&checked.db, checked.project);
    let net = fabric_core::pipeline::network(&checked.db, checked.project);
    let inv = fabric_core::pipeline::inventory(&checked.db, checked.project);
    let mut per_endpoint: HashMap<(String, String), usize> = HashMap::new();
    for e in &net.endpoints {
        let (device, interface) = inv.end(plant, fabric_core::network::End::Nic { nic: e.nic, port: e.port }).unwrap();
        per_endpoint.insert((inv.devices[device as usize].name.clone(), interface), 0);
    }
    for c in &cables {
        if let Some(n) = per_endpoint.get_mut(&(c[0].clone(), c[2].clone())) {
            *n += 1;
        }
    }
    assert_eq!(per_endpoint.len(), net.endpoints.len());
    assert!(per_endpoint.values().all(|&n| n == 1), "an endpoint is not cabled exactly once");
    let plan = std::fs::read_to_string(cabling.join("plan.json")).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["format"], "fabric-cabling-plan/1");
    let plan_cables = plan["cables"].as_array().unwrap();
    assert_eq!(plan_cables.len(), cables.len());
    for (cable, entry) in net.cables.iter().zip(plan_cables) {
        let medium = net.media[cable.medium as usize];
        let length = entry["length_m"].as_f64().unwrap();
        assert_eq!(length, cable.length_m);
        if let Some(reach) = medium.reach_m {
            assert!(length <= reach, "{entry} is beyond its medium's {reach} m");
        }
        assert!(entry["a"]["device"].is_string() && entry["b"]["interface"].is_string());
    }

    // bom.csv adds up to the report: counts per kind and the IT power.
    let (header, bom) = read_csv(&cabling.join("bom.csv"));
    assert_eq!(header, ["part", "kind", "length_m", "count", "unit_power_w", "total_power_w"]);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut power = 0.0;
    for row in &bom {
        *counts.entry(row[1].as_str()).or_insert(0) += row[3].parse::<u64>().unwrap();
        if !row[5].is_empty() {
            power += row[5].parse::<f64>().unwrap();
        }
    }
    for (kind, total) in [("gpu", "gpus"), ("node", "nodes"), ("rack", "racks"), ("switch", "switches"), ("cable", "cables")] {
        assert_eq!(counts[kind], totals[total].as_u64().unwrap(), "{kind}");
    }
    assert_eq!(counts["transceiver"], totals["transceivers"].as_u64().unwrap());
    let it = totals["it_power_w"].as_f64().unwrap();
    assert!((power - it).abs() <= it * 1e-9, "bom {power} W vs report {it} W");

    // Racks and devices: every device's rack is listed, positions inside the rack.
    let (_, racks) = read_csv(&cabling.join("racks.csv"));
    let rack_height: HashMap<&str, u32> = racks.iter().map(|r| (r[2].as_str(), r[5].parse().unwrap())).collect();
    assert_eq!(racks.len() as u64, totals["racks"].as_u64().unwrap());
    for d in &devices {
        let height = rack_height[d[7].as_str()];
        let position: u32 = d[8].parse().unwrap();
        assert!(position >= 1 && position <= height, "{d:?}");
    }
}

#[test]
fn a_build_stopped_halfway_leaves_out_as_it_was() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let spec = Path::new("../examples/pod.fabric");
    let checked = fabric_cli::check_file(spec).unwrap();
    build(&checked, spec, &options(&out), &|_| Ok(())).unwrap();
    std::fs::write(out.join("cabling/cables.csv"), "the previous build\n").unwrap();
    let before = tree(&out);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let stopped = build(&checked, spec, &options(&out), &|artifact| {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if artifact == "cabling/devices.csv" { Err(std::io::Error::other("stopped on purpose")) } else { Ok(()) }
    });
    assert!(stopped.is_err());
    assert!(calls.into_inner() > 3, "the build stopped after writing some artifacts");
    assert_eq!(tree(&out), before, "OUT changed");
    let leftovers: Vec<_> = std::fs::read_dir(scratch.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("out")], "the staging folder was not removed");
}

#[test]
fn device_names_longer_than_netbox_allows_are_reported() {
    let (rendered, codes) = fabric_tests::render("ui/E0801-name-too-long.fabric".as_ref());
    assert_eq!(codes, ["E0801"], "{rendered}");
    assert!(rendered.contains("4 device names from here are longer than NetBox's 64 characters"), "{rendered}");
}

#[test]
fn spreadsheet_formulas_are_escaped_and_slugs_are_netbox_slugs() {
    use fabric_emit::cabling::{slug, spreadsheet_safe};
    for (text, safe) in
        [("=1+2", "'=1+2"), ("+x", "'+x"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("campus.b1", "campus.b1")]
    {
        assert_eq!(spreadsheet_safe(text), safe);
    }
    assert_eq!(slug("GB200_ComputeTray"), "gb200-computetray");
    assert_eq!(slug("b1.h1"), "b1-h1");
    assert_eq!(slug("__x__"), "x");
}

#[test]
fn a_vendor_written_as_a_formula_is_escaped_in_every_csv() {
    let scratch = tempfile::tempdir().unwrap();
    let spec = scratch.path().join("main.fabric");
    std::fs::write(
        &spec,
        "import std.nvidia.{DGX_B200}\n\
         site s { building b { hall h { row r { rack k[1..2]: R } } } }\n\
         rack R { units = 48 U  node n: DGX_B200 }\n\
         switch Evil { vendor = \"=HYPERLINK(\\\"http://x\\\")\"  ports = 64  port_speed = 400 Gb/s  units = 1 U }\n\
         fabric f { topology = fat_tree  tiers = 2  endpoints = s.**.nic  leaf = Evil  spine = Evil  leaf_placement = top_of_rack }\n",
    )
    .unwrap();
    let checked = fabric_cli::check_file(&spec).unwrap();
    assert!(!checked.has_errors(), "{}", fabric_cli::render_human(&checked.db, &checked.diagnostics, false));
    let out = scratch.path().join("out");
    build(&checked, &spec, &options(&out), &|_| Ok(())).unwrap();
    for file in ["devices.csv", "device_types.csv"] {
        let (header, rows) = read_csv(&out.join("cabling").join(file));
        let column = header.iter().position(|h| h == "manufacturer").unwrap();
        let evil: Vec<&Vec<String>> = rows.iter().filter(|r| r[column].contains("HYPERLINK")).collect();
        assert!(!evil.is_empty(), "{file}");
        assert!(evil.iter().all(|r| r[column] == "'=HYPERLINK(\"http://x\")"), "{file}: {evil:?}");
    }
}
