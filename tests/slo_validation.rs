//! The serving model's validation table (docs/slo-model.md, "Validation"): every case is a
//! spec compiled here, and the figure the compiler reports for it is compared with the
//! published or reference figure. The test fails when a ratio leaves [0.5, 2] or when the
//! table's Fabric column no longer says what the compiler computes, so the table cannot go
//! stale.

use fabric_tests::check_text;

/// What a case compares.
#[derive(Clone, Copy, Debug)]
enum Metric {
    /// The decode pool's saturated output tokens per second per GPU within the TPOT bound.
    OutputPerGpu,
    /// The prefill pool's prompt tokens per second per GPU.
    InputPerGpu,
}

/// One row of the table.
struct Case {
    id: &'static str,
    /// Node type: a stdlib node, or one derived below with NICs.
    node: &'static str,
    /// Nodes of the plant.
    nodes: u32,
    model: &'static str,
    /// The service's body besides model and placement: precision, layout, load, slo.
    body: &'static str,
    metric: Metric,
    /// The published or reference figure.
    reference: f64,
}

const CASES: &[Case] = &[
    Case {
        id: "aic-ds-h200-dp8",
        node: "DGX_H200",
        nodes: 1,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 8\n  replicas = 1\n  parallelism { tp = 1, dp = 8, ep = 8 }\n  load { arrival = 1 req/s, prompt = 4000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 50 ms }",
        metric: Metric::OutputPerGpu,
        reference: 189.8,
    },
    Case {
        id: "aic-ds-h200-tp8",
        node: "DGX_H200",
        nodes: 1,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 8\n  replicas = 1\n  parallelism { tp = 8, dp = 1, ep = 8 }\n  load { arrival = 1 req/s, prompt = 4000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 80 ms }",
        metric: Metric::OutputPerGpu,
        reference: 249.7,
    },
    Case {
        id: "aic-ds-h200-dp8-2k",
        node: "DGX_H200",
        nodes: 1,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 8\n  replicas = 1\n  parallelism { tp = 1, dp = 8, ep = 8 }\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 80 ms }",
        metric: Metric::OutputPerGpu,
        reference: 589.3,
    },
    Case {
        id: "aic-ds-b200-dp8",
        node: "DGX_B200",
        nodes: 1,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 8\n  replicas = 1\n  parallelism { tp = 1, dp = 8, ep = 8 }\n  load { arrival = 1 req/s, prompt = 4000 tok, output = 1000 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 50 ms }",
        metric: Metric::OutputPerGpu,
        reference: 1294.8,
    },
    Case {
        id: "aic-l70-h100-tp2",
        node: "DGX_H100",
        nodes: 1,
        model: "Llama_3_1_70B",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 2\n  replicas = 4\n  parallelism { tp = 2 }\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 50 ms }",
        metric: Metric::OutputPerGpu,
        reference: 962.9,
    },
    Case {
        id: "aic-l70-h100-tp4",
        node: "DGX_H100",
        nodes: 1,
        model: "Llama_3_1_70B",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 4\n  replicas = 2\n  parallelism { tp = 4 }\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 30 ms }",
        metric: Metric::OutputPerGpu,
        reference: 681.8,
    },
    Case {
        id: "aic-l8-h100-tp1",
        node: "DGX_H100",
        nodes: 1,
        model: "Llama_3_1_8B",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 1\n  replicas = 8\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 20 ms }",
        metric: Metric::OutputPerGpu,
        reference: 7484.2,
    },
    Case {
        id: "aic-l405-h200-tp8",
        node: "DGX_H200",
        nodes: 1,
        model: "Llama_3_1_405B",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 8\n  replicas = 1\n  parallelism { tp = 8 }\n  load { arrival = 0.1 req/s, prompt = 2000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 50 ms }",
        metric: Metric::OutputPerGpu,
        reference: 129.9,
    },
    Case {
        id: "aic-l70-b200-tp2",
        node: "DGX_B200",
        nodes: 1,
        model: "Llama_3_1_70B",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 2\n  replicas = 4\n  parallelism { tp = 2 }\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 500 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 30 ms }",
        metric: Metric::OutputPerGpu,
        reference: 1864.1,
    },
    Case {
        id: "aic-qwen3-h200-dp4",
        node: "DGX_H200",
        nodes: 1,
        model: "Qwen3_235B_A22B",
        body: "precision = fp8\n  kv_precision = fp8\n  gpus_per_replica = 4\n  replicas = 2\n  parallelism { tp = 1, dp = 4, ep = 4 }\n  load { arrival = 1 req/s, prompt = 4000 tok, output = 1000 tok }\n  slo { ttft_p99 <= 2 s, tpot_p99 <= 50 ms }",
        metric: Metric::OutputPerGpu,
        reference: 674.6,
    },
    Case {
        id: "sglang-h100-decode-ep72",
        node: "H100_IB",
        nodes: 13,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  prefill {\n    gpus_per_replica = 32\n    replicas = 1\n    parallelism { tp = 1, dp = 32, ep = 32 }\n  }\n  decode {\n    gpus_per_replica = 72\n    replicas = 1\n    parallelism { tp = 1, dp = 72, ep = 72 }\n  }\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 100 tok }\n  slo { tpot_p99 <= 100 ms }",
        metric: Metric::OutputPerGpu,
        reference: 2785.0,
    },
    Case {
        id: "sglang-h100-prefill-ep32",
        node: "H100_IB",
        nodes: 13,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  prefill {\n    gpus_per_replica = 32\n    replicas = 1\n    parallelism { tp = 1, dp = 32, ep = 32 }\n  }\n  decode {\n    gpus_per_replica = 72\n    replicas = 1\n    parallelism { tp = 1, dp = 72, ep = 72 }\n  }\n  load { arrival = 1 req/s, prompt = 2000 tok, output = 100 tok }\n  slo { tpot_p99 <= 100 ms }",
        metric: Metric::InputPerGpu,
        reference: 6818.0,
    },
    Case {
        id: "deepseek-h800-decode-ep144",
        node: "H100_IB",
        nodes: 22,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  prefix_cache_hit = 56.3 %\n  prefill {\n    gpus_per_replica = 32\n    replicas = 1\n    parallelism { tp = 1, dp = 32, ep = 32 }\n  }\n  decode {\n    gpus_per_replica = 144\n    replicas = 1\n    parallelism { tp = 1, dp = 144, ep = 144 }\n  }\n  speculative { tokens = 1, acceptance = 80 % }\n  load { arrival = 1 req/s, prompt = 4000 tok, output = 2000 tok }\n  slo { tpot_p99 <= 50 ms }",
        metric: Metric::OutputPerGpu,
        reference: 1850.0,
    },
    Case {
        id: "deepseek-h800-prefill-ep32",
        node: "H100_IB",
        nodes: 22,
        model: "DeepSeek_V3",
        body: "precision = fp8\n  prefix_cache_hit = 56.3 %\n  prefill {\n    gpus_per_replica = 32\n    replicas = 1\n    parallelism { tp = 1, dp = 32, ep = 32 }\n  }\n  decode {\n    gpus_per_replica = 144\n    replicas = 1\n    parallelism { tp = 1, dp = 144, ep = 144 }\n  }\n  speculative { tokens = 1, acceptance = 80 % }\n  load { arrival = 1 req/s, prompt = 4000 tok, output = 2000 tok }\n  slo { tpot_p99 <= 50 ms }",
        metric: Metric::InputPerGpu,
        reference: 9212.0,
    },
];

/// The spec of a case: `nodes` nodes, one per rack, in one row, with an InfiniBand fabric
/// where there is more than one node.
fn spec(case: &Case) -> String {
    let racks = case.nodes;
    let mut out =
        format!("import std.nvidia.{{DGX_H100, DGX_H200, DGX_B200, ConnectX_7, QM9700}}\nimport std.models.{{{}}}\n\n", case.model);
    out.push_str("/// An H100 node with 8 ConnectX-7 400G NICs (DGX H100's, not in its stdlib entry); stands in for H800 too.\nnode H100_IB: DGX_H100 {\n  nic nic[1..8]: ConnectX_7\n}\n\n");
    out.push_str(&format!("rack R {{\n  units = 48 U\n  node n: {}\n}}\n\n", case.node));
    out.push_str(&format!(
        "site s {{\n  building b {{\n    hall h {{\n      row r {{\n        rack k[1..{racks}]: R\n      }}\n    }}\n  }}\n}}\n\n"
    ));
    if case.node == "H100_IB" {
        out.push_str("fabric ib {\n  topology = fat_tree\n  tiers = 2\n  endpoints = s.**.nic\n  leaf = QM9700\n  spine = QM9700\n}\n\n");
    }
    out.push_str(&format!("inference case {{\n  model = {}\n  placement = s.b.h\n  {}\n}}\n", case.model, case.body));
    out
}

/// The compiler's figure for a case.
fn fabric_figure(case: &Case) -> f64 {
    let (codes, report, rendered) = check_text(case.id, &spec(case));
    assert!(codes.iter().all(|c| c.starts_with('W')), "{}: {codes:?}\n{rendered}", case.id);
    let s = &report.services[0];
    match case.metric {
        Metric::OutputPerGpu => s.decode.as_ref().and_then(|d| d.max_output_tokens_per_s_per_gpu),
        Metric::InputPerGpu => s.prefill.as_ref().and_then(|p| p.input_tokens_per_s_per_gpu),
    }
    .unwrap_or_else(|| panic!("{}: no figure\n{rendered}", case.id))
}

#[test]
fn every_validation_case_is_within_a_factor_of_two_and_documented() {
    let table = fabric_tests::validation_table("../docs/slo-model.md");
    let mut report = String::new();
    let mut failures = Vec::new();
    for case in CASES {
        let fabric = fabric_figure(case);
        let ratio = fabric / case.reference;
        report.push_str(&format!("{:<28} fabric {:>9.0}  reference {:>9.1}  ratio {:.2}\n", case.id, fabric, case.reference, ratio));
        if !(0.5..=2.0).contains(&ratio) {
            failures.push(format!("{}: ratio {ratio:.2} outside [0.5, 2]", case.id));
        }
        match table.iter().find(|(id, _)| id == case.id) {
            Some((_, documented)) if (documented - fabric.round()).abs() <= 1.0 => {}
            Some((_, documented)) => failures.push(format!("{}: docs say {documented}, the compiler {:.0}", case.id, fabric)),
            None => failures.push(format!("{}: not in docs/slo-model.md's validation table", case.id)),
        }
    }
    println!("{report}");
    assert!(CASES.len() >= 10, "the table needs at least 10 cases");
    assert!(failures.is_empty(), "{report}\n{failures:#?}");
}
