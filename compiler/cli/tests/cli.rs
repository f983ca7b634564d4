//! End-to-end tests of the `fabric` binary: exit codes, output formats, explain, colours, `fabric build`'s overwrite rules and atomicity, and `fabric diff`.

// Test helpers panic on a broken fixture, like the tests that call them.
#![allow(clippy::unwrap_used)]
use std::process::Command;

fn fabric(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_fabric")).args(args).current_dir("../..").env_remove("NO_COLOR").output().expect("fabric runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn language_example_checks_cleanly() {
    let (code, stdout, stderr) = fabric(&["check", "examples/campus.fabric"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: examples/campus.fabric: 1 site, 2 buildings, 2 halls, 153 racks"), "{stdout}");
    assert_eq!(stderr, "");
}

#[test]
fn three_syntax_errors_exit_1_with_spans() {
    let (code, _, stderr) = fabric(&["check", "tests/ui/E0101-three-syntax-errors.fabric"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.matches("error[E0101]").count(), 3, "{stderr}");
    assert!(stderr.contains("E0101-three-syntax-errors.fabric:3:17"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colours when stderr is not a terminal");
}

#[test]
fn json_output_has_the_documented_fields() {
    let (code, stdout, _) = fabric(&["check", "--format", "json", "tests/ui/E0302-wrong-dimension.fabric"]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    let first = &value.as_array().expect("an array")[0];
    for key in ["code", "severity", "message", "file", "line", "column", "end", "path"] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["code"], "E0302");
    assert_eq!(first["severity"], "error");
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(3), Some(17)));
    assert_eq!((first["end"]["line"].as_u64(), first["end"]["column"].as_u64()), (Some(3), Some(22)));
    let message = first["message"].as_str().unwrap();
    assert!(message.contains("power") && message.contains("time"), "{message}");
}

#[test]
fn sarif_output_is_a_sarif_2_1_0_log() {
    let (code, stdout, _) = fabric(&["check", "--format", "sarif", "tests/ui/E0303-mixed-dimensions.fabric"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fabric");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "E0303");
    assert_eq!(result["level"], "error");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(result["relatedLocations"].as_array().map(Vec::len), Some(1));
}

#[test]
fn explain_prints_every_code_and_refuses_unknown_ones() {
    let (code, stdout, _) = fabric(&["explain", "--list"]);
    assert_eq!(code, 0);
    let codes: Vec<&str> = stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(codes.len() >= 29);
    for c in codes {
        let (status, text, _) = fabric(&["explain", c]);
        assert_eq!(status, 0);
        assert!(text.starts_with(&format!("# {c}: ")), "{text}");
    }
    let (status, _, stderr) = fabric(&["explain", "E9999"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("no diagnostic code `E9999`"), "{stderr}");
}

#[test]
fn missing_file_and_directory_are_usage_errors() {
    let (code, _, stderr) = fabric(&["check", "examples/nope.fabric"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read `examples/nope.fabric`"), "{stderr}");
    let (code, _, stderr) = fabric(&["check", "examples"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is a directory"), "{stderr}");
    let (code, _, _) = fabric(&["check"]);
    assert_eq!(code, 2);
}

#[test]
fn huge_array_is_refused_quickly() {
    let (code, _, stderr) = fabric(&["check", "tests/ui/E0902-too-many-instances.fabric"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("error[E0902]"), "{stderr}");
}

/// Every file under `dir` (relative path → bytes).
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).expect("inside").to_path_buf(), std::fs::read(&path).expect("readable"));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn repo(path: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path).to_string_lossy().into_owned()
}

#[test]
fn build_writes_the_tree_and_keeps_to_the_overwrite_rules() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = scratch.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    let (code, stdout, stderr) = fabric(&["build", "examples/pod.fabric", "-o", &out_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: examples/pod.fabric: wrote 37 files"), "{stdout}");
    // The ASTRA-sim workload of the service: its files, one trace per NPU, and an executable run.sh.
    assert!(out.join("sim/astra-sim/workloads/assistant/network.yml").is_file());
    assert!((0..8).all(|r| out.join(format!("sim/astra-sim/workloads/assistant/workload.{r}.et")).is_file()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("sim/astra-sim/run.sh")).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "run.sh is executable");
    }
    assert!(out.join("k8s/assistant.yaml").is_file() && out.join("k8s/kustomization.yaml").is_file());
    assert!(out.join("report.json").is_file() && out.join("report.html").is_file() && out.join("cabling/cables.csv").is_file());
    // Rebuilding over an earlier build needs no --force, and gives the same bytes.
    let first = tree(&out);
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg]).0, 0);
    assert_eq!(tree(&out), first);

    // A folder no build wrote is replaced only with --force.
    let foreign = scratch.path().join("notes");
    std::fs::create_dir(&foreign).expect("mkdir");
    std::fs::write(foreign.join("todo.txt"), "keep me").expect("write");
    let foreign_arg = foreign.to_string_lossy().into_owned();
    let (code, _, stderr) = fabric(&["build", "examples/pod.fabric", "-o", &foreign_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not empty and was not written by `fabric build`") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(foreign.join("todo.txt")).expect("kept"), "keep me");
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &foreign_arg, "--force"]).0, 0);
    assert!(!foreign.join("todo.txt").exists() && foreign.join("report.json").is_file());

    // Never the spec's own folder or a parent of it, never a file.
    let spec_dir = scratch.path().join("spec");
    std::fs::create_dir(&spec_dir).expect("mkdir");
    std::fs::copy(repo("examples/pod.fabric"), spec_dir.join("main.fabric")).expect("copy");
    let spec = spec_dir.join("main.fabric").to_string_lossy().into_owned();
    for target in [spec_dir.clone(), scratch.path().to_path_buf()] {
        let (code, _, stderr) = fabric(&["build", &spec, "-o", &target.to_string_lossy(), "--force"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("holds the spec itself"), "{stderr}");
    }
    assert!(spec_dir.join("main.fabric").is_file());
    let (code, _, stderr) = fabric(&["build", &spec, "-o", &spec, "--force"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds the spec itself") || stderr.contains("is not a folder"), "{stderr}");
}

#[test]
fn build_of_a_spec_with_errors_writes_nothing() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = scratch.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg]).0, 0);
    let before = tree(&out);
    let (code, stdout, stderr) = fabric(&["build", "tests/ui/E0302-wrong-dimension.fabric", "-o", &out_arg]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[E0302]") && stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(tree(&out), before);
    let fresh = scratch.path().join("fresh");
    assert_eq!(fabric(&["build", "tests/ui/E0302-wrong-dimension.fabric", "-o", &fresh.to_string_lossy()]).0, 1);
    assert!(!fresh.exists());
    assert_eq!(std::fs::read_dir(scratch.path()).expect("readable").count(), 1, "no staging folder is left");
}

/// `fabric build examples/campus.fabric -o OUT` started in the background, quietly.
fn spawn_campus_build(out: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_fabric"))
        .args(["build", "examples/campus.fabric", "-o", out])
        .current_dir("../..")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("fabric runs")
}

#[test]
fn a_killed_build_leaves_the_previous_tree_and_the_next_build_cleans_up() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = scratch.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg]).0, 0);
    let before = tree(&out);
    let mut child = spawn_campus_build(&out_arg);
    let staging = scratch.path().join(format!(".out.fabric-build-{}-0", child.id()));
    // Kill it once it has written part of the new tree.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !staging.join("cabling/devices.csv").exists() {
        assert!(child.try_wait().expect("waitable").is_none(), "the build ended before it could be killed");
        assert!(std::time::Instant::now() < deadline, "the build never started writing");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("killed");
    child.wait().expect("reaped");
    assert_eq!(tree(&out), before, "a killed build changed OUT");
    assert!(staging.exists(), "SIGKILL leaves the staging folder");
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg]).0, 0);
    assert!(!staging.exists(), "the next build removes what a killed one left");
    assert_eq!(tree(&out), before);
}

#[test]
fn fmt_check_passes_on_every_example() {
    let mut files: Vec<String> = Vec::new();
    for dir in ["examples", "examples/errors"] {
        for entry in std::fs::read_dir(repo(dir)).expect("examples exist").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".fabric") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    assert!(files.len() > 10);
    let mut args = vec!["fmt", "--check"];
    args.extend(files.iter().map(String::as_str));
    let (code, stdout, stderr) = fabric(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, "");
}

#[test]
fn fmt_check_fails_with_a_diff_and_fmt_rewrites_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("spec.fabric");
    std::fs::write(&path, "rack R{units=42 U}\n").expect("write");
    let shown = path.to_string_lossy().into_owned();
    let (code, stdout, stderr) = fabric(&["fmt", "--check", &shown]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("-rack R{units=42 U}\n+rack R {\n+  units = 42 U\n+}\n"), "{stdout}");
    assert!(stderr.contains("1 file not formatted"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "rack R{units=42 U}\n", "--check writes nothing");

    let (code, _, stderr) = fabric(&["fmt", &shown]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "rack R {\n  units = 42 U\n}\n");
    let (code, stdout, _) = fabric(&["fmt", "--check", &shown]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.fabric");
    std::fs::write(&path, "rack R {  units = }\n").expect("write");
    let (code, _, stderr) = fabric(&["fmt", &path.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("error[E0101]") && stderr.contains("has syntax errors; it was not formatted"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "rack R {  units = }\n");
}

#[test]
fn fmt_reads_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fabric"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("fabric runs");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(b"rack R { units = 42U }").expect("write");
    let out = child.wait_with_output().expect("fabric ends");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "rack R {\n  units = 42 U\n}\n");
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_tree_or_the_new_one() {
    let scratch = tempfile::tempdir().expect("temp dir");
    // The new tree, built once to compare with.
    let reference = scratch.path().join("reference");
    assert_eq!(fabric(&["build", "examples/campus.fabric", "-o", &reference.to_string_lossy()]).0, 0);
    let new_tree = tree(&reference);
    let out = scratch.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    // How long a whole build takes here, to spread the kills over it and a little past it.
    let started = std::time::Instant::now();
    assert_eq!(fabric(&["build", "examples/campus.fabric", "-o", &scratch.path().join("timing").to_string_lossy()]).0, 0);
    let whole = started.elapsed();
    // Kill points from a fixed pseudo-random sequence over twice a build's time: reproducible,
    // and with this seed three fall in the first half of a build and five after its end, so
    // both outcomes are seen even when this machine's speed varies between runs.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut old_seen, mut new_seen) = (0, 0);
    for _ in 0..12 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let fraction = (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0;
        let _ = std::fs::remove_dir_all(&out);
        assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg]).0, 0);
        let old_tree = tree(&out);
        let mut child = spawn_campus_build(&out_arg);
        std::thread::sleep(whole.mul_f64(fraction));
        let _ = child.kill();
        child.wait().expect("reaped");
        let now = tree(&out);
        if now == old_tree {
            old_seen += 1;
        } else {
            assert!(now == new_tree, "killed at {:.0} % of a build: OUT is neither the old tree nor the new one", fraction * 100.0);
            new_seen += 1;
        }
    }
    // The kills landed both before and after the swap (else the test proved little).
    assert!(old_seen > 0 && new_seen > 0, "old {old_seen}, new {new_seen}");
}

/// The pod example and a copy of it with one more rack of two DGX B200, in a scratch folder.
fn pod_with_one_more_rack() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("../../examples/pod.fabric").unwrap();
    let grown = text.replace("        rack k[1..2]: DgxRack", "        rack k[1..3]: DgxRack");
    assert_ne!(text, grown, "the pod example's row changed: update this test");
    let (old, new) = (dir.path().join("old.fabric"), dir.path().join("new.fabric"));
    std::fs::write(&old, text).unwrap();
    std::fs::write(&new, grown).unwrap();
    (dir, old.to_string_lossy().into_owned(), new.to_string_lossy().into_owned())
}

#[test]
fn diff_of_one_more_rack_reports_what_it_adds_and_exits_1() {
    let (_dir, old, new) = pod_with_one_more_rack();
    let (code, stdout, stderr) = fabric(&["diff", &old, &new]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.starts_with("+1 rack, +2 nodes, +16 GPUs, "), "{stdout}");
    assert!(stdout.contains("IT power +29.736 kW"), "{stdout}");
    assert!(stdout.contains("on lab.b1.h1.r1.k[3] (now 72 % of its limit)"), "{stdout}");
    assert!(stdout.contains("+ Node /b1-h1-r1-k3-dgx1"), "{stdout}");
    let (code, json, _) = fabric(&["diff", "--format", "json", &old, &new]);
    assert_eq!(code, 1);
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["format"], "fabric-diff/1");
    assert_eq!(d["racks"]["added"], serde_json::json!(["lab.b1.h1.r1.k[3]"]));
    assert_eq!(d["instances"]["gpu"]["added"].as_array().unwrap().len(), 16);
    assert!(d["cables"]["added"].as_array().unwrap().iter().all(|c| c.as_str().unwrap().contains(" <-> ")), "{json}");
    assert!(d["cables"]["removed"].as_array().unwrap().len() < d["cables"]["added"].as_array().unwrap().len(), "{json}");
}

#[test]
fn diff_of_a_spec_against_itself_exits_0_and_a_broken_spec_exits_2() {
    let (code, stdout, _) = fabric(&["diff", "examples/pod.fabric", "examples/pod.fabric"]);
    assert_eq!((code, stdout.as_str()), (0, "no difference\n"));
    let (code, _, stderr) = fabric(&["diff", "examples/pod.fabric", "tests/ui/E0302-wrong-dimension.fabric"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("E0302") && stderr.contains("has errors"), "{stderr}");
}

#[test]
fn report_format_html_prints_what_build_writes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = fabric(&["build", "examples/pod.fabric", "-o", &out.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(out.join("report.html")).unwrap();
    let (code, printed, _) = fabric(&["report", "--format", "html", "examples/pod.fabric"]);
    assert_eq!(code, 0);
    assert_eq!(printed, written);
    assert!(written.starts_with("<!DOCTYPE html>") && written.ends_with("</html>\n"));
}

#[test]
fn a_build_never_replaces_a_folder_holding_a_file_it_reads_even_through_symlinks() {
    let scratch = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(scratch.path()).unwrap();
    let proj = root.join("proj");
    std::fs::create_dir_all(proj.join("halls")).unwrap();
    let spec = "import \"halls/h.fabric\"\nsite s { building b { hall h { row r { rack k[1..2]: R } } } }\n";
    std::fs::write(proj.join("spec.fabric"), spec).unwrap();
    std::fs::write(proj.join("halls/h.fabric"), "rack R { units = 42 U }\n").unwrap();
    // The spec reached through a symlink in another folder: OUT is the real spec's folder.
    let proj2 = root.join("proj2");
    std::fs::create_dir_all(&proj2).unwrap();
    std::os::unix::fs::symlink(proj.join("spec.fabric"), proj2.join("spec.fabric")).unwrap();
    let before = tree(&proj);
    for (entry, out) in [(proj2.join("spec.fabric"), proj.clone()), (proj.join("spec.fabric"), proj.join("halls"))] {
        let (code, _, stderr) = fabric(&["build", &entry.to_string_lossy(), "-o", &out.to_string_lossy(), "--force"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("a build replaces its whole output folder"), "{stderr}");
        assert_eq!(tree(&proj), before, "a file the build reads was touched");
    }
}

#[test]
fn a_folder_with_a_marker_and_unlisted_files_needs_force() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg]).0, 0);
    // A file added to an earlier build's output is the user's: no replacing without --force.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (code, _, stderr) = fabric(&["build", "examples/pod.fabric", "-o", &out_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds `notes.txt`, which no build wrote"), "{stderr}");
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    // A folder that merely carries a marker is not a build's either.
    let fake = scratch.path().join("fake");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(fake.join(".fabric-build"), "fabric-build/1\nreport.json\n").unwrap();
    std::fs::write(fake.join("thesis.tex"), "mine").unwrap();
    let (code, _, stderr) = fabric(&["build", "examples/pod.fabric", "-o", &fake.to_string_lossy()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(fake.join("thesis.tex").is_file());
    // With --force the user says so.
    assert_eq!(fabric(&["build", "examples/pod.fabric", "-o", &out_arg, "--force"]).0, 0);
    assert!(!out.join("notes.txt").exists());
}

#[test]
fn endless_inputs_and_fifos_end_in_a_diagnostic() {
    // /dev/zero: E0901 after reading at most 16 MiB (it would otherwise fill memory).
    let (code, _, stderr) = fabric(&["check", "/dev/zero"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("E0901") && stderr.contains("larger than the limit"), "{stderr}");
    // An import of a FIFO is refused instead of blocking the check forever.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.fabric");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let spec = dir.path().join("main.fabric");
    std::fs::write(&spec, "import \"pipe.fabric\"\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fabric"))
        .args(["check", &spec.to_string_lossy()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("fabric check blocked on a FIFO import");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("E0205") && stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn control_characters_from_spec_strings_never_reach_a_terminal_or_a_csv_cell() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("main.fabric");
    let text = "import std.nvidia.{DGX_H200}\n\
                node Box: DGX_H200 { vendor = \"Evil\\u{7}\\u{1b}]0;pwned\\u{7}\" }\n\
                rack R { units = 42 U\n node n: Box }\n\
                site s { building b { hall h { row r { rack k: R } } } }\n\
                assert count(s.**.gpu) == 1, \"clear\\u{1b}[2J screen\"\n";
    std::fs::write(&spec, text).unwrap();
    let (code, stdout, stderr) = fabric(&["check", &spec.to_string_lossy()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert!(stderr.contains("clear\\u{1b}[2J screen"), "{stderr}");
    // The CSVs escape them too.
    std::fs::write(&spec, text.replace("assert count(s.**.gpu) == 1", "assert count(s.**.gpu) == 8")).unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = fabric(&["build", &spec.to_string_lossy(), "-o", &out.to_string_lossy(), "--emit", "cabling"]);
    assert_eq!(code, 0, "{stderr}");
    let types = std::fs::read_to_string(out.join("cabling/device_types.csv")).unwrap();
    assert!(!types.contains('\u{1b}') && !types.contains('\u{7}'), "{types:?}");
    assert!(types.contains("Evil\\u{7}\\u{1b}]0;pwned\\u{7}"), "{types}");
}

#[test]
fn thousands_of_errors_on_one_long_line_print_a_bounded_report() {
    // 5,000 unknown names on one 34 KB import line: each diagnostic reprints the line.
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..5000).map(|i| format!("Missing{i}")).collect();
    let spec = dir.path().join("main.fabric");
    std::fs::write(&spec, format!("import std.nvidia.{{{}}}\n", names.join(", "))).unwrap();
    let (code, _, stderr) = fabric(&["check", &spec.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(stderr.len() < 5_000_000, "{} bytes", stderr.len());
    assert!(
        stderr.contains("4,900 more diagnostics") || stderr.contains("4900 more diagnostics"),
        "{}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
    // JSON keeps every one.
    let (_, json, _) = fabric(&["check", "--format", "json", &spec.to_string_lossy()]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&json).unwrap().as_array().unwrap().len(), 5000);
}

/// Runs `fabric` with `args`, failing if it has not finished within `limit` (a guard
/// against work that grows quadratically or worse; speeds are in docs/reliability.md).
fn fabric_within(args: &[&str], limit: std::time::Duration) -> i32 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fabric"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("`fabric {}` did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn long_type_chains_and_many_siblings_stay_linear() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.fabric");
    let mut text = String::from("gpu T0 { power = 700 W }\n");
    for i in 1..=10_000 {
        text.push_str(&format!("gpu T{i}: T{} {{ }}\n", i - 1));
    }
    std::fs::write(&chain, text).unwrap();
    let siblings = dir.path().join("siblings.fabric");
    let mut text = String::from("site s { building b { hall h {\n");
    for i in 0..100_000 {
        text.push_str(&format!("  row r{i} {{ }}\n"));
    }
    text.push_str("} } }\n");
    std::fs::write(&siblings, text).unwrap();
    // Cubic and quadratic, these took minutes even in a release build; now well under a
    // second there (docs/reliability.md), and the generous limit covers a debug build.
    let limit = std::time::Duration::from_secs(90);
    assert_eq!(fabric_within(&["check", &chain.to_string_lossy()], limit), 0);
    assert_eq!(fabric_within(&["check", &siblings.to_string_lossy()], limit), 0);
    assert_eq!(fabric_within(&["fmt", "--check", &siblings.to_string_lossy()], limit), 1);
}

/// An OUT whose parent cannot be written to is refused at the first try with the OS error
/// (it was "no free name" after 101 attempts), and nothing is written.
#[cfg(unix)]
#[test]
fn an_unwritable_out_parent_is_reported_with_the_os_error() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let scratch = tempfile::tempdir().expect("temp dir");
    let root = std::fs::metadata(scratch.path()).expect("metadata").uid() == 0;
    // Permissions do not stop root: /sys refuses everyone a new folder.
    let parent = if root {
        std::path::PathBuf::from("/sys")
    } else {
        let p = scratch.path().join("read-only");
        std::fs::create_dir(&p).expect("mkdir");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o500)).expect("chmod");
        p
    };
    let out = parent.join("fabric-out");
    let (code, _, stderr) = fabric(&["build", "examples/pod.fabric", "-o", &out.to_string_lossy()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot create a staging folder") && stderr.contains("os error"), "{stderr}");
    assert!(!stderr.contains("names are taken"), "{stderr}");
    assert!(!out.exists());
}

/// Memory per declared instance stays small enough that the instance limit (10,000,000)
/// fits the documented budget (docs/reliability.md: 9.8 million instances check in 2.6 GB):
/// a million instances (100,000 DGX H100 racks) check under a 700 MB address-space limit.
#[cfg(target_os = "linux")]
#[test]
fn a_million_instances_check_within_a_small_address_space() {
    let (_scratch, spec) = million_instances();
    let out = fabric_with_address_space(700_000, &["check".as_ref(), spec.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("800,000 GPUs"), "{stdout}");
}

/// A build that would not fit the process's address space is refused before it starts,
/// with the estimate and the limit, instead of being aborted by the allocator halfway
/// (9.8 million instances under a 4 GB limit: SIGABRT before). The check itself fits.
#[cfg(target_os = "linux")]
#[test]
fn a_build_too_large_for_the_address_space_is_refused_before_it_starts() {
    let (scratch, spec) = million_instances();
    let out = scratch.path().join("out");
    let run = fabric_with_address_space(1_500_000, &["build".as_ref(), spec.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("of memory") && stderr.contains("this process may use") && stderr.contains("nothing was written"), "{stderr}");
    assert!(!out.exists());
}

/// A spec of a million instances (100,000 DGX H100 racks) in a scratch folder.
#[cfg(target_os = "linux")]
fn million_instances() -> (tempfile::TempDir, std::path::PathBuf) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let spec = scratch.path().join("million.fabric");
    std::fs::write(
        &spec,
        "import std.nvidia.{DGX_H100}\nsite s { building b { hall h { row r { rack k[1..100000]: R } } } }\nrack R {\n  units = 42 U\n  power_limit = 20 kW\n  node n: DGX_H100\n}\n",
    )
    .expect("write");
    (scratch, spec)
}

/// Runs the binary under test with `args` under an address-space limit of `kib` KiB
/// (`ulimit -v`).
#[cfg(target_os = "linux")]
fn fabric_with_address_space(kib: u64, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_fabric"))
        .args(args)
        .output()
        .expect("sh runs")
}
