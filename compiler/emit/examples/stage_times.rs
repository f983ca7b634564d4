//! Times each query of the pipeline on one spec, cold, in order:
//! `cargo run --release -p fabric-core --example stage_times -- SPEC`.

use fabric_core::db::Database;
use fabric_core::load::OsFileSystem;
use fabric_core::source::Limits;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: stage_times SPEC");
    let mut database = Database::default();
    let start = Instant::now();
    let project = database.load_project(path.as_ref(), &OsFileSystem, Limits::default()).expect("readable spec");
    let db = &database;
    let mut last = start;
    let mut lap = |name: &str| {
        let now = Instant::now();
        println!("{name:<32} {:>8.1} ms", (now - last).as_secs_f64() * 1e3);
        last = now;
    };
    lap("load+parse");
    fabric_core::resolve::program(db, project);
    lap("resolve");
    fabric_core::plant::plant(db, project);
    lap("elaborate");
    fabric_core::pipeline::network(db, project);
    lap("network");
    fabric_core::pipeline::budgets(db, project);
    lap("budgets");
    fabric_core::pipeline::inventory(db, project);
    lap("inventory");
    fabric_core::pipeline::cluster(db, project);
    lap("cluster");
    fabric_core::pipeline::scenarios(db, project);
    lap("scenarios");
    let n = fabric_core::pipeline::check(db, project).len();
    lap("check");
    fabric_core::pipeline::sim_graph(db, project);
    lap("sim graph");
    // Each artifact into a sink: the emitters' cost without the disk. A workload's Chakra
    // traces (one per NPU) are timed together.
    let files = fabric_emit::artifacts(db, project, fabric_emit::Part::ALL);
    let mut i = 0;
    while i < files.len() {
        let traces = files[i].rsplit_once("/workload.").filter(|(_, rest)| rest.ends_with(".et")).map(|(dir, _)| dir.to_string());
        match traces {
            Some(dir) => {
                let start = i;
                while i < files.len() && files[i].starts_with(&format!("{dir}/workload.")) {
                    fabric_emit::write(db, project, &files[i], &mut std::io::sink()).expect("writes");
                    i += 1;
                }
                lap(&format!("{dir}/workload.*.et ({} files)", i - start));
            }
            None => {
                fabric_emit::write(db, project, &files[i], &mut std::io::sink()).expect("writes");
                lap(&files[i]);
                i += 1;
            }
        }
    }
    println!("{:<32} {:>8.1} ms, {n} diagnostics", "total", start.elapsed().as_secs_f64() * 1e3);
}
