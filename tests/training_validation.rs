//! The training model's validation table (docs/training-model.md, "Validation"): every case
//! is a published training run written as a spec and compiled here; the figure the compiler
//! reports is compared with the published one. The test fails when a ratio leaves
//! [0.67, 1.5] for a dense model or [0.5, 2] for a mixture of experts, or when the table's Fabric column no longer says what the compiler computes.

use fabric_tests::check_text;

/// What a case compares.
#[derive(Clone, Copy, Debug)]
enum Metric {
    /// Model TFLOP/s per GPU.
    TflopsPerGpu,
    /// Tokens trained per second per GPU.
    TokensPerGpu,
    /// Seconds per step.
    StepTime,
}

/// One row of the table.
struct Case {
    id: &'static str,
    /// GPUs of the run (8 per node).
    gpus: u32,
    model: &'static str,
    /// The job's body besides model, placement and gpus.
    body: &'static str,
    metric: Metric,
    /// Mixture of experts: the band is [0.5, 2], [0.67, 1.5] for dense models.
    moe: bool,
    /// The published figure.
    reference: f64,
}

const CASES: &[Case] = &[
    Case {
        id: "llama3-405b-8k-gpus",
        gpus: 8192,
        model: "Llama_3_1_405B",
        body: "precision = bf16\n  zero = 3\n  parallelism { tp = 8, pp = 16, dp = 64, vp = 2 }\n  sequence = 8192 tok\n  global_batch = 2048\n  tokens = 15.6e12 tok",
        metric: Metric::TflopsPerGpu,
        moe: false,
        reference: 430.0,
    },
    Case {
        id: "llama3-405b-16k-gpus",
        gpus: 16384,
        model: "Llama_3_1_405B",
        body: "precision = bf16\n  zero = 3\n  parallelism { tp = 8, pp = 16, dp = 128, vp = 2 }\n  sequence = 8192 tok\n  global_batch = 2048\n  tokens = 15.6e12 tok",
        metric: Metric::TflopsPerGpu,
        moe: false,
        reference: 400.0,
    },
    Case {
        id: "llama3-405b-128k-context",
        gpus: 16384,
        model: "Llama_3_1_405B",
        body: "precision = bf16\n  zero = 3\n  parallelism { tp = 8, pp = 16, dp = 8, vp = 2, cp = 16 }\n  sequence = 131072 tok\n  global_batch = 128\n  tokens = 800e9 tok",
        metric: Metric::TflopsPerGpu,
        moe: false,
        reference: 380.0,
    },
    Case {
        id: "deepseek-v3-2048-gpus",
        gpus: 2048,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  zero = 1\n  parallelism { tp = 1, pp = 16, dp = 128, ep = 64 }\n  sequence = 4096 tok\n  global_batch = 15360\n  tokens = 14.8e12 tok",
        metric: Metric::TokensPerGpu,
        moe: true,
        reference: 1543.0,
    },
    Case {
        id: "nemotron4-340b-128-gpus",
        gpus: 128,
        model: "Nemotron_4_340B",
        body: "precision = bf16\n  zero = 1\n  parallelism { tp = 8, pp = 8, dp = 2, vp = 12 }\n  sequence = 4096 tok\n  global_batch = 32\n  tokens = 1e9 tok",
        metric: Metric::StepTime,
        moe: false,
        reference: 4.61,
    },
    Case {
        id: "nemotron4-340b-2048-gpus",
        gpus: 2048,
        model: "Nemotron_4_340B",
        body: "precision = bf16\n  zero = 1\n  parallelism { tp = 8, pp = 8, dp = 32, vp = 12 }\n  sequence = 4096 tok\n  global_batch = 512\n  tokens = 1e9 tok",
        metric: Metric::StepTime,
        moe: false,
        reference: 4.84,
    },
];

/// The spec of a case: H100 nodes with eight 400G NICs, 4 to a rack, in one hall.
fn spec(case: &Case) -> String {
    let racks = case.gpus / 32;
    format!(
        "import std.nvidia.{{DGX_H100, ConnectX_7}}\nimport std.models.{{{model}}}\n\n\
         /// A DGX H100 with its eight ConnectX-7 400G NICs; stands in for H800 too.\n\
         node H100_IB: DGX_H100 {{\n  nic nic[1..8]: ConnectX_7\n}}\n\n\
         rack R {{\n  units = 48 U\n  node n[1..4]: H100_IB\n}}\n\n\
         site s {{\n  building b {{\n    hall h {{\n      row r {{\n        rack k[1..{racks}]: R\n      }}\n    }}\n  }}\n}}\n\n\
         training case {{\n  model = {model}\n  placement = s.b.h\n  gpus = {gpus}\n  {body}\n}}\n",
        model = case.model,
        gpus = case.gpus,
        body = case.body
    )
}

/// The compiler's figure for a case.
fn fabric_figure(case: &Case) -> f64 {
    let (codes, report, rendered) = check_text(case.id, &spec(case));
    assert!(codes.iter().all(|c| c.starts_with('W')), "{}: {codes:?}\n{rendered}", case.id);
    let t = &report.training[0];
    match case.metric {
        Metric::TflopsPerGpu => t.tflops_per_gpu,
        Metric::TokensPerGpu => t.tokens_per_s.map(|v| v / f64::from(case.gpus)),
        Metric::StepTime => t.step_time_s,
    }
    .unwrap_or_else(|| panic!("{}: no figure\n{rendered}", case.id))
}

#[test]
fn every_training_case_is_within_a_factor_of_two_and_documented() {
    let table = fabric_tests::validation_table("../docs/training-model.md");
    let mut report = String::new();
    let mut failures = Vec::new();
    for case in CASES {
        let fabric = fabric_figure(case);
        let ratio = fabric / case.reference;
        report.push_str(&format!("{:<28} fabric {:>9.2}  reference {:>9.2}  ratio {:.2}\n", case.id, fabric, case.reference, ratio));
        let band = if case.moe { 0.5..=2.0 } else { 0.67..=1.5 };
        if !band.contains(&ratio) {
            failures.push(format!("{}: ratio {ratio:.2} outside [{}, {}]", case.id, band.start(), band.end()));
        }
        match table.iter().find(|(id, _)| id == case.id) {
            Some((_, documented)) if (documented - fabric).abs() <= 0.01 * fabric.abs().max(1.0) => {}
            Some((_, documented)) => failures.push(format!("{}: docs say {documented}, the compiler {fabric:.2}", case.id)),
            None => failures.push(format!("{}: not in docs/training-model.md's validation table", case.id)),
        }
    }
    println!("{report}");
    assert!(CASES.len() >= 5, "the table needs at least 5 cases");
    assert!(failures.is_empty(), "{report}\n{failures:#?}");
}
