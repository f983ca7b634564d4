//! Training jobs end to end (issue 19's acceptance): the memory error of 405B on 64 GPUs
//! with pure data parallelism, the compiler's own layout on 4,096 GPUs, traffic across a
//! campus link too thin and thick enough, and GPUs borrowed from a service.

use fabric_tests::check_text;

const HEADER: &str = "import std.nvidia.{DGX_H100, ConnectX_7}\nimport std.models.{Llama_3_1_70B, Llama_3_1_405B}\n\n\
node H100_IB: DGX_H100 {\n  nic nic[1..8]: ConnectX_7\n}\n\nrack R {\n  units = 48 U\n  node n[1..4]: H100_IB\n}\n\n";

fn one_hall(racks: u32) -> String {
    format!(
        "{HEADER}site s {{\n  building b {{\n    hall h {{\n      row r {{\n        rack k[1..{racks}]: R\n      }}\n    }}\n  }}\n}}\n\n"
    )
}

#[test]
fn pure_data_parallel_405b_on_64_gpus_names_its_memory_need() {
    let spec = one_hall(2)
        + "training pretrain {\n  model = Llama_3_1_405B\n  precision = bf16\n  placement = s.b.h\n  gpus = 64\n  parallelism { tp = 1, pp = 1, dp = 64 }\n  sequence = 8192 tok\n  global_batch = 512\n  tokens = 1e12 tok\n}\n";
    let (codes, report, rendered) = check_text("train-405b-64", &spec);
    assert_eq!(codes, ["E1001"], "{rendered}");
    // 405 B parameters × (2 + 2) B unsharded plus 12 B / 64 of optimizer state: over 1.6 TB.
    assert!(rendered.contains("needs 1.") && rendered.contains("TB per GPU at `tp = 1, pp = 1, dp = 64`"), "{rendered}");
    let t = &report.training[0];
    assert_eq!(t.fits, Some(false));
    assert!(t.memory_per_gpu_bytes.unwrap() > 1.6e12);
    assert_eq!(t.step_time_s, None, "no step time for a job that does not fit");
}

#[test]
fn the_compilers_layout_for_405b_on_4096_gpus_fits() {
    let spec = one_hall(128)
        + "training pretrain {\n  model = Llama_3_1_405B\n  precision = bf16\n  placement = s.b.h\n  gpus = 4096\n  sequence = 8192 tok\n  global_batch = 2048\n  tokens = 1e12 tok\n}\n";
    let (codes, report, rendered) = check_text("train-405b-4096", &spec);
    assert!(codes.is_empty(), "{rendered}");
    let t = &report.training[0];
    assert!(t.chosen && t.fits == Some(true), "{t:?}");
    let p = t.parallelism.unwrap();
    assert_eq!(u64::from(p.tp * p.pp * p.dp * p.cp), 4096, "{p:?}");
    assert!(p.tp <= 8, "tensor parallelism stays inside the 8-GPU NVLink domain: {p:?}");
    assert!(t.memory_per_gpu_bytes.unwrap() <= 0.9 * 80e9);
    let mfu = t.mfu.unwrap();
    assert!((0.2..0.6).contains(&mfu), "MFU {mfu}");
    // Tokens per second × step = tokens per step.
    assert!((t.tokens_per_s.unwrap() * t.step_time_s.unwrap() - 2048.0 * 8192.0).abs() < 1.0);
}

fn two_buildings(capacity: &str) -> String {
    format!(
        "{HEADER}site s {{\n  building b1 {{ hall h {{ row r {{ rack k[1..2]: R }} }} }}\n  building b2 {{ hall h {{ row r {{ rack k[1..2]: R }} }} }}\n}}\n\n\
         link b1_b2 {{\n  from = s.b1\n  to = s.b2\n  distance = 10 km\n  capacity = {capacity}\n}}\n\n\
         training pretrain {{\n  model = Llama_3_1_70B\n  precision = bf16\n  placement = s\n  gpus = 128\n  parallelism {{ tp = 8, pp = 2, dp = 8 }}\n  sequence = 8192 tok\n  global_batch = 512\n  tokens = 1e11 tok\n}}\n"
    )
}

#[test]
fn a_job_across_two_buildings_needs_a_campus_link_thick_enough_for_its_gradients() {
    let (codes, report, rendered) = check_text("train-thin", &two_buildings("10 Gb/s"));
    assert_eq!(codes, ["E1003"], "{rendered}");
    // 2 (B − 1) / B of 70 B BF16 gradients for two buildings: 140 GB.
    assert_eq!(report.training[0].cross_building_bytes_per_step, Some(140e9));
    let (codes, report, rendered) = check_text("train-thick", &two_buildings("400 Tb/s"));
    assert!(codes.is_empty(), "{rendered}");
    assert_eq!(report.training[0].cross_building_bytes_per_step, Some(140e9));
    let thick = report.training[0].step_time_s.unwrap();
    let (_, one, _) = check_text(
        "train-one-building",
        &(one_hall(4)
            + &two_buildings("1 Tb/s")[two_buildings("1 Tb/s").find("training").unwrap()..]
                .replace("placement = s\n", "placement = s.b.h\n")),
    );
    assert_eq!(one.training[0].cross_building_bytes_per_step, Some(0.0));
    assert!(thick >= one.training[0].step_time_s.unwrap(), "crossing the campus never makes a step faster");
}

#[test]
fn a_job_that_yields_borrows_the_services_gpus() {
    let spec = one_hall(4)
        + "inference chat {\n  model = Llama_3_1_70B\n  precision = fp8\n  placement = s.b.h\n  gpus_per_replica = 8\n  replicas = 2\n}\n\n\
           training finetune {\n  model = Llama_3_1_70B\n  precision = bf16\n  placement = s.b.h\n  gpus = 128\n  yields_to = [chat]\n  sequence = 8192 tok\n  global_batch = 256\n  tokens = 1e10 tok\n}\n";
    let (codes, report, rendered) = check_text("train-yields", &spec);
    assert!(codes.is_empty(), "{rendered}");
    let t = &report.training[0];
    assert_eq!((t.guaranteed_gpus, t.borrowed_gpus), (112, 16));
    assert_eq!(t.guaranteed_gpus + t.borrowed_gpus, t.gpus);
    let without = spec.replace("  yields_to = [chat]\n", "");
    let (codes, _, rendered) = check_text("train-no-yield", &without);
    assert_eq!(codes, ["E1005"], "{rendered}");
}

#[test]
fn an_oversubscribed_fabric_slows_data_parallel_traffic_across_leaves() {
    let spec = |ratio: &str| {
        one_hall(8).replace("import std.nvidia.{DGX_H100, ConnectX_7}", "import std.nvidia.{DGX_H100, ConnectX_7, QM9700}")
            + &format!(
                "fabric ib {{\n  topology = fat_tree\n  tiers = 2\n  endpoints = s.**.nic\n  leaf = QM9700\n  spine = QM9700\n  oversubscription = {ratio}\n}}\n\n\
                 training pretrain {{\n  model = Llama_3_1_70B\n  precision = bf16\n  placement = s.b.h\n  gpus = 256\n  parallelism {{ tp = 8, pp = 1, dp = 32 }}\n  sequence = 4096 tok\n  global_batch = 32\n  tokens = 1e10 tok\n}}\n"
            )
    };
    let (codes, full, rendered) = check_text("train-fabric-1", &spec("1"));
    assert!(codes.is_empty(), "{rendered}");
    let (codes, thin, rendered) = check_text("train-fabric-3", &spec("3"));
    assert!(codes.is_empty(), "{rendered}");
    let dp = |r: &fabric_emit::report::Report| r.training[0].step_parts_s.unwrap().data_parallel;
    // 256 NICs over leaves of fewer downlinks: the gradients cross uplinks a third as wide.
    assert!(dp(&thin) > 2.0 * dp(&full), "{} vs {}", dp(&thin), dp(&full));
}
