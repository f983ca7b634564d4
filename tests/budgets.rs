//! The budget checks end to end: fat-tree arithmetic against its closed form, the power,
//! latency and capacity acceptance cases of the budgets issue, report.json's shape, the
//! CPO saving, and the stdlib's sources.

use fabric_emit::report::build;
use fabric_tests::check_text;

/// A hall of one row of `racks` racks, each 4 servers of 8 NICs (32 endpoints per rack),
/// under a fat tree of 64-port QM9700 switches at 1:1.
fn fat_tree_spec(racks: u32, tiers: u32) -> String {
    format!(
        "import std.nvidia.{{QM9700, ConnectX_7}}
node Server {{ nic nic[1..8]: ConnectX_7 }}
rack ServerRack {{ node s[1..4]: Server }}
site campus {{ building b1 {{ hall h1 {{ row r1 {{ rack k[1..{racks}]: ServerRack }} }} }} }}
fabric backend {{
  topology = fat_tree
  tiers = {tiers}
  endpoints = campus.**.nic
  leaf = QM9700
}}
"
    )
}

/// Switch and cable counts of a k-port fat tree at 1:1 over `e` endpoints, by the closed
/// form (exact where the counts divide evenly, as they do for the sizes below).
fn closed_form(e: u64, k: u64, tiers: u32) -> (u64, u64, u64, u64) {
    let (down, up) = (k / 2, k - k / 2);
    let leaves = e.div_ceil(down);
    if tiers == 2 {
        let spines = leaves * up / k;
        (leaves, spines, 0, e + leaves * up)
    } else {
        let pods = leaves.div_ceil(k / 2);
        let spines = pods * up;
        let cores = up * (pods * (k / 2)).div_ceil(k);
        (leaves, spines, cores, e + leaves * up + spines * (k / 2))
    }
}

#[test]
fn two_tiers_of_64_ports_stop_at_2048_endpoints_and_three_tiers_go_on() {
    // 64 racks × 32 = 2,048 endpoints: exactly 64 × 64 / 2.
    let (codes, report, rendered) = check_text("ft2048", &fat_tree_spec(64, 2));
    assert!(codes.is_empty(), "{rendered}");
    let f = &report.fabrics[0];
    let (leaves, spines, cores, cables) = closed_form(2048, 64, 2);
    assert_eq!((u64::from(f.leaves), u64::from(f.spines), u64::from(f.cores), f.cables), (leaves, spines, cores, cables));
    assert_eq!((leaves, spines, cables), (64, 32, 4096));
    assert_eq!(report.totals.cables, cables);

    // One rack more is over the 2-tier limit.
    let (codes, _, rendered) = check_text("ft2080", &fat_tree_spec(65, 2));
    assert_eq!(codes, ["E0601"], "{rendered}");
    assert!(rendered.contains("reaches at most 2,048 endpoints; fabric `backend` has 2,080"), "{rendered}");
    assert!(rendered.contains("64 × 32 = 2,048 endpoints"), "{rendered}");

    // 4,096 endpoints: an error at 2 tiers, a fat tree at 3.
    let (codes, _, _) = check_text("ft4096-2", &fat_tree_spec(128, 2));
    assert_eq!(codes, ["E0601"]);
    let (codes, report, rendered) = check_text("ft4096-3", &fat_tree_spec(128, 3));
    assert!(codes.is_empty(), "{rendered}");
    let f = &report.fabrics[0];
    let (leaves, spines, cores, cables) = closed_form(4096, 64, 3);
    assert_eq!((u64::from(f.leaves), u64::from(f.spines), u64::from(f.cores), f.cables), (leaves, spines, cores, cables));
    assert_eq!((leaves, spines, cores, cables), (128, 128, 64, 12288));
    assert_eq!(report.totals.switches, leaves + spines + cores);
}

#[test]
fn gb300_rack_over_132_kw_names_the_rack_and_shows_the_sum() {
    let (rendered, codes) = fabric_tests::render("../examples/errors/E0401-gb300-rack-over-132kw.fabric".as_ref());
    assert_eq!(codes, ["E0401"], "{rendered}");
    assert!(rendered.contains("rack `campus.b1.h1.r1.k[1]` draws 133.6 kW, over its 132 kW power limit"), "{rendered}");
    assert!(rendered.contains("18 × GB300_ComputeTray at 6.5 kW = 117 kW"), "{rendered}");
    assert!(rendered.contains("9 × NVLink5_SwitchTray at 400 W = 3.6 kW = 133.6 kW, limit 132 kW"), "{rendered}");
}

#[test]
fn rtt_across_buildings_fails_at_120_km_and_holds_at_80_km() {
    let text = std::fs::read_to_string("../examples/errors/E0501-rtt-across-120km.fabric").unwrap();
    let (codes, report, rendered) = check_text("rtt120", &text);
    assert_eq!(codes, ["E0501"], "{rendered}");
    assert!(rendered.contains("campus link east_west: 120 km of SMF_ZR (600 us)"), "{rendered}");
    // 600 us over the link, plus well under a microsecond of fibre inside the buildings.
    assert!(rendered.contains("rtt = 2 × worst one-way latency = 2 × 600."), "{rendered}");
    assert!(report.latency.iter().any(|l| l.worst_one_way_s > 600e-6 && l.worst_one_way_s < 601e-6));

    let (codes, report, rendered) = check_text("rtt80", &text.replace("distance = 120 km", "distance = 80 km"));
    assert!(codes.is_empty(), "{rendered}");
    let service = report.latency.iter().find(|l| l.from == "campus").unwrap();
    assert!(service.worst_one_way_s > 400e-6 && service.worst_one_way_s < 401e-6, "{}", service.worst_one_way_s);
}

#[test]
fn report_json_has_the_shape_artifacts_md_gives() {
    // tests/fixtures/report-shape.json is the example of ARTIFACTS.md verbatim.
    let shape: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("fixtures/report-shape.json").unwrap()).unwrap();
    let checked = fabric_cli::check_file("../examples/campus.fabric".as_ref()).unwrap();
    let report = serde_json::to_value(build(&checked.db, checked.project)).unwrap();
    // Keys that may be null: an entity without a power limit. The campus service's model
    // estimates are all known, so they must be numbers.
    const PENDING: &[&str] = &["power_limit_w"];
    fn same_shape(path: &str, want: &serde_json::Value, got: &serde_json::Value, problems: &mut Vec<String>) {
        use serde_json::Value;
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => {
                for (key, value) in w {
                    match g.get(key) {
                        None => problems.push(format!("{path}.{key} is missing")),
                        Some(Value::Null) if PENDING.contains(&key.as_str()) => {}
                        Some(v) => same_shape(&format!("{path}.{key}"), value, v, problems),
                    }
                }
            }
            (Value::Array(w), Value::Array(g)) => {
                if let Some(first) = w.first() {
                    for (i, item) in g.iter().enumerate() {
                        same_shape(&format!("{path}[{i}]"), first, item, problems);
                    }
                }
            }
            (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) | (Value::Bool(_), Value::Bool(_)) => {}
            (Value::String(_), Value::Null) if path.ends_with(".path") => {}
            (w, g) => problems.push(format!("{path}: expected {w}, found {g}")),
        }
    }
    let mut problems = Vec::new();
    same_shape("report", &shape, &report, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(report["format"], "fabric-report/1");
    for key in ["entities", "fabrics", "latency", "services"] {
        assert!(!report[key].as_array().unwrap().is_empty(), "{key} is empty");
    }
}

#[test]
fn cpo_saves_transceivers_and_power_and_pluggable_saves_nothing() {
    let checked = fabric_cli::check_file("../examples/campus.fabric".as_ref()).unwrap();
    let report = build(&checked.db, checked.project);
    for f in &report.fabrics {
        // Q3450 leaves and spines: only the NIC ends carry transceivers.
        assert_eq!(f.transceivers, f.endpoints, "{}", f.name);
        assert!(f.pluggable_equivalent.transceivers > f.transceivers, "{}", f.name);
        assert!(f.pluggable_equivalent.optics_power_w > f.optics_power_w, "{}", f.name);
        assert_eq!(f.pluggable_equivalent.transceivers, 2 * f.cables, "{}", f.name);
    }
    let (codes, report, rendered) = check_text(
        "pluggable",
        "import std.nvidia.{GB300_NVL72, Q3400}
site campus { building b1 { hall h1 { row r1 { rack k[1..4]: GB300_NVL72 } } } }
fabric f { topology = fat_tree  endpoints = campus.**.nic  leaf = Q3400 }
",
    );
    assert!(codes.is_empty(), "{rendered}");
    let f = &report.fabrics[0];
    assert_eq!(f.transceivers, f.pluggable_equivalent.transceivers);
    // Short runs go over linear active copper, which needs no transceiver.
    assert!(f.cables_by_medium.contains_key("LACC"), "{:?}", f.cables_by_medium);
    assert_eq!(f.transceivers, 2 * (f.cables - f.cables_by_medium["LACC"]));
    assert!((f.optics_power_w - f.pluggable_equivalent.optics_power_w).abs() < 1e-6);
}

#[test]
fn every_stdlib_figure_names_its_source() {
    use fabric_syntax::ast::{ExprKind, Member};
    let mut missing = Vec::new();
    let mut figures = 0;
    for (module, text) in fabric_core::stdlib::MODULES {
        let parse = fabric_syntax::parse(text);
        assert!(parse.errors.is_empty(), "{module} does not parse");
        for member in &parse.file.members {
            let Member::Block(block) = member else { continue };
            let numeric: Vec<&str> = block
                .body
                .iter()
                .flatten()
                .filter_map(|m| match m {
                    Member::Field(f) if matches!(f.value.kind, ExprKind::Number { .. }) => Some(f.name.name.as_str()),
                    _ => None,
                })
                .collect();
            figures += numeric.len();
            let name = block.name.as_ref().map_or("?", |n| n.name.as_str());
            let doc = block.doc.as_deref().unwrap_or("");
            if !numeric.is_empty() && !doc.lines().any(|l| l.trim_start().starts_with("Source:")) {
                missing.push(format!("{module}.{name} sets {numeric:?} without a `/// Source:` line"));
            }
            // A third-party figure says so.
            if doc.contains("[3p") && !doc.contains("Source:") {
                missing.push(format!("{module}.{name}"));
            }
        }
    }
    assert!(figures > 100, "only {figures} figures found");
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn generated_campus_network_keeps_its_invariants() {
    let checked = fabric_cli::check_file("../examples/campus.fabric".as_ref()).unwrap();
    let plant = fabric_core::plant::plant(&checked.db, checked.project);
    let net = fabric_core::pipeline::network(&checked.db, checked.project);
    let program = &plant.program;
    // No switch has more cables than ports, and every port number is used once.
    let mut ports: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
    for cable in &net.cables {
        for end in [cable.a, cable.b] {
            if let fabric_core::network::End::Switch { switch, port } = end {
                let radix = program.field(net.switches[switch].ty, "ports").and_then(|f| f.number()).unwrap() as u32;
                assert!(port >= 1 && port <= radix, "port {port} of a {radix}-port switch");
                assert!(ports.insert((switch.0, port)), "switch {} port {port} cabled twice", switch.0);
            }
        }
        // Every cable is within its medium's reach.
        let medium = net.media[cable.medium as usize];
        assert!(medium.reach_m.is_none_or(|r| cable.length_m <= r), "{} m over {:?}", cable.length_m, medium.reach_m);
    }
    // Every NIC under the fabrics' endpoints is cabled exactly once, to a leaf.
    let nics = plant.instances.iter().filter(|i| program.decl(i.decl).kind == fabric_core::schema::Kind::Nic).count();
    assert_eq!(net.endpoints.len(), nics);
    let mut seen = std::collections::HashSet::new();
    for e in &net.endpoints {
        assert!(seen.insert((e.nic, e.port)));
        assert_eq!(net.switches[e.leaf].tier, fabric_core::network::Tier::Leaf);
    }
}
