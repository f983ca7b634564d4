//! In-process benchmarks of every stage of the pipeline (divan): parse, resolve, elaborate,
//! network generation, each budget check, and each emitter, on the generated campuses of
//! 1,000 and 10,000 GPUs. `scripts/bench` generates the specs (target/bench/) and runs this
//! with the whole-process measurements at 131,072 GPUs; docs/benchmarks.md has the results.

use fabric_core::check::{self, Budgets};
use fabric_core::db::Database;
use fabric_core::load::OsFileSystem;
use fabric_core::network::route::{RouteTable, Router};
use fabric_core::source::Limits;
use fabric_core::source::Project;
use std::path::PathBuf;

fn main() {
    divan::main();
}

const SIZES: &[&str] = &["1k", "10k"];

/// The generated spec of a size, loaded and fully checked once.
fn loaded(size: &str) -> (Database, Project) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/bench/campus-{size}.fabric"));
    let mut db = Database::default();
    let project = db
        .load_project(&path, &OsFileSystem, Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/bench, which generates it", path.display()));
    assert!(fabric_core::pipeline::check(&db, project).iter().all(|d| d.severity != fabric_core::diagnostic::Severity::Error));
    (db, project)
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn parse(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let text = project.entry(&db).text(&db).clone();
    bencher.bench_local(|| fabric_syntax::parse(divan::black_box(&text)));
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn resolve(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    bencher.bench_local(|| fabric_core::resolve::resolve(&db, project));
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn elaborate(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let program = fabric_core::resolve::program(&db, project).clone();
    bencher.bench_local(|| fabric_core::plant::elaborate(program.clone(), Limits::default()));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn network(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let plant = fabric_core::plant::plant(&db, project);
    bencher.bench_local(|| fabric_core::network::generate(plant));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn check_power(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let (plant, net) = (fabric_core::plant::plant(&db, project), fabric_core::pipeline::network(&db, project));
    bencher.bench_local(|| {
        let mut budgets = Budgets { power: check::power::compute(plant, net), ..Budgets::default() };
        check::power::check(plant, net, &mut budgets);
        budgets
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn check_capacity(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let (plant, net) = (fabric_core::plant::plant(&db, project), fabric_core::pipeline::network(&db, project));
    bencher.bench_local(|| {
        let mut budgets = Budgets::default();
        check::capacity::check(plant, net, &mut budgets);
        budgets
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn check_latency(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let (plant, net) = (fabric_core::plant::plant(&db, project), fabric_core::pipeline::network(&db, project));
    bencher.bench_local(|| {
        let mut budgets = Budgets::default();
        let routes = RouteTable::new(plant, net);
        let router = Router::new(plant, net, &routes);
        check::latency::check(plant, net, &router, &mut budgets);
        router.farthest().map(|w| w.seconds)
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn check_slo(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let (plant, net) = (fabric_core::plant::plant(&db, project), fabric_core::pipeline::network(&db, project));
    let power = fabric_core::pipeline::budgets(&db, project).power.clone();
    let routes = RouteTable::new(plant, net);
    let router = Router::new(plant, net, &routes);
    bencher.bench_local(|| {
        let mut budgets = Budgets { power: power.clone(), ..Budgets::default() };
        check::slo::check(plant, net, &router, &mut budgets, None);
        budgets
    });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn inventory_and_cluster(bencher: divan::Bencher, size: &str) {
    let (db, project) = loaded(size);
    let (plant, net) = (fabric_core::plant::plant(&db, project), fabric_core::pipeline::network(&db, project));
    let budgets = fabric_core::pipeline::budgets(&db, project);
    let (services, training) = (budgets.services.clone(), budgets.training.clone());
    bencher.bench_local(|| {
        let inventory = fabric_core::inventory::build(plant, net);
        fabric_core::cluster::build(plant, net, &inventory, &services, &training)
    });
}

/// Each part's emitters, every file into a sink: the writing cost without the disk.
fn emit(bencher: divan::Bencher, size: &str, part: &str) {
    let (db, project) = loaded(size);
    let files: Vec<String> =
        fabric_emit::artifacts(&db, project, fabric_emit::Part::ALL).into_iter().filter(|f| f.starts_with(part)).collect();
    assert!(!files.is_empty(), "no {part} files");
    bencher.bench_local(|| {
        for file in &files {
            fabric_emit::write(&db, project, file, &mut std::io::sink()).expect("writes");
        }
    });
}

#[divan::bench(args = SIZES, sample_count = 5)]
fn emit_report(bencher: divan::Bencher, size: &str) {
    emit(bencher, size, "report.json");
}

#[divan::bench(args = SIZES, sample_count = 5)]
fn emit_cabling(bencher: divan::Bencher, size: &str) {
    emit(bencher, size, "cabling/");
}

#[divan::bench(args = SIZES, sample_count = 5)]
fn emit_k8s(bencher: divan::Bencher, size: &str) {
    emit(bencher, size, "k8s/");
}

#[divan::bench(args = SIZES, sample_count = 5)]
fn emit_sim(bencher: divan::Bencher, size: &str) {
    emit(bencher, size, "sim/");
}
