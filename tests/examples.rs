//! Every example under examples/ checks cleanly; the ones under examples/errors/ fail as they say.

#[test]
fn examples_check_cleanly() {
    let mut count = 0;
    for entry in std::fs::read_dir("../examples").unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "fabric") {
            continue;
        }
        let (rendered, codes) = fabric_tests::render(&path);
        assert!(codes.is_empty(), "{}:\n{rendered}", path.display());
        count += 1;
    }
    assert!(count >= 1);
}

#[test]
fn error_examples_fail_with_their_codes() {
    let (rendered, codes) = fabric_tests::render("../examples/errors/rack-limit-in-ms.fabric".as_ref());
    assert_eq!(codes, ["E0302", "E0902"], "{rendered}");
    assert!(rendered.contains("`power_limit` is a power, but this is a time (ms)"), "{rendered}");
}

#[test]
fn language_example_elaborates_every_instance() {
    let checked = fabric_cli::check_file("../examples/campus.fabric".as_ref()).unwrap();
    let plant = fabric_core::plant::plant(&checked.db, checked.project);
    let counts = plant.count_by_kind();
    use fabric_core::schema::Kind;
    // 8 rows × 16 + 2 rows × 8 GB200 NVL72 racks of 72 GPUs; 9 network racks.
    assert_eq!(counts[&Kind::Rack], 8 * 16 + 8 + 2 * 8 + 1);
    assert_eq!(counts[&Kind::Gpu], (8 * 16 + 2 * 8) * 72);
    let rack = plant
        .instances
        .iter()
        .enumerate()
        .map(|(i, _)| fabric_core::plant::InstanceId(i as u32))
        .find(|&id| plant.path(id) == "campus.b1.h1.r[2].k[3]")
        .unwrap();
    let pos = plant.rack_position(rack).unwrap();
    assert_eq!((pos.row_index, pos.position), (1, 2));
    assert_eq!(plant.path(pos.hall), "campus.b1.h1");
    assert_eq!(plant.field(rack, "nvlink_domain").map(|f| matches!(f, fabric_core::resolve::FieldRef::Set(_))), Some(true));
}

#[test]
fn paths_select_by_name_wildcard_and_kind() {
    let checked = fabric_cli::check_file("../examples/campus.fabric".as_ref()).unwrap();
    let program = fabric_core::resolve::program(&checked.db, checked.project);
    let plant = fabric_core::plant::plant(&checked.db, checked.project);
    let select = |text: &str| {
        let path = program.paths.iter().find(|p| p.to_string() == text).unwrap_or_else(|| panic!("{text} not in the spec"));
        plant.select(path).unwrap()
    };
    assert_eq!(select("campus.b1.h1.**.nic").len(), 8 * 16 * 72);
    assert_eq!(select("campus.b2.**.nic").len(), 2 * 8 * 72);
    assert_eq!(select("campus.b1.h1.net.n").len(), 8);
    assert_eq!(select("campus.b1.h1").len(), 1);
}

#[test]
fn path_ranges_and_lists_select_what_they_name() {
    let text = "import std.nvidia.{GB200_NVL72}\nimport std.models.{DeepSeek_R1}\n\n\
        site s {\n  building b1 { hall h { row r[1..2] { rack k[1..4]: GB200_NVL72 } } }\n  building b2 { hall h { row r { rack k[1..2]: GB200_NVL72 } } }\n}\n\n\
        link l { from = s.b1, to = s.b2, distance = 1 km }\n\n\
        inference chat {\n  model = DeepSeek_R1\n  precision = fp8\n  placement = [s.b1.h.r[1].k[1..2], s.b2.h]\n\
        load { arrival = 5 req/s, prompt = 4000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 50 ms }\n}\n\n\
        assert count(s.b1.h.r[2].k[2..4]) == 3\n";
    let (codes, report, rendered) = fabric_tests::check_text("ranges", text);
    assert!(codes.is_empty(), "{rendered}");
    // Two racks of row 1 and the two racks of b2: 4 × 72 GPUs.
    assert_eq!(report.services[0].gpus_placed, 288);
    // A range whose first index is above its last is refused.
    let (codes, _, rendered) = fabric_tests::check_text("empty-range", &text.replace("k[2..4]", "k[4..2]"));
    assert_eq!(codes, ["E0305"], "{rendered}");
}

#[cfg(unix)]
#[test]
fn imports_through_symlinks_stay_inside_the_project_root() {
    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    let outside = scratch.path().join("outside");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.fabric"), "rack Secret {\n  units = 42 U\n}\n").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.fabric"), project.join("link.fabric")).unwrap();
    std::os::unix::fs::symlink(&outside, project.join("dir")).unwrap();
    for import in ["link.fabric", "dir/secret.fabric"] {
        std::fs::write(project.join("main.fabric"), format!("import \"{import}\"\n")).unwrap();
        let checked = fabric_cli::check_file(&project.join("main.fabric")).unwrap();
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["E0207"], "{import}: {}", fabric_cli::render_human(&checked.db, &checked.diagnostics, false));
    }
}
