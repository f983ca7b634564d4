//! Times each query of the pipeline on one spec, cold, in order:
//! `cargo run --release -p fabric-core --example stage_times -- SPEC`.

use fabric_core::db::{self, Database, Limits, OsFileSystem};
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
    db::program(db, project);
    lap("resolve");
    db::plant(db, project);
    lap("elaborate");
    db::network(db, project);
    lap("network");
    db::budgets(db, project);
    lap("budgets");
    db::inventory(db, project);
    lap("inventory");
    db::cluster(db, project);
    lap("cluster");
    let n = db::check(db, project).len();
    lap("check");
    db::sim(db, project);
    lap("sim graph");
    // Each artifact into a sink: the emitters' cost without the disk.
    for file in fabric_core::emit::artifacts(db, project, fabric_core::emit::Part::ALL) {
        fabric_core::emit::write(db, project, &file, &mut std::io::sink()).expect("writes");
        lap(&file);
    }
    println!("{:<32} {:>8.1} ms, {n} diagnostics", "total", start.elapsed().as_secs_f64() * 1e3);
}
