//! The inference SLO checks end to end: the acceptance cases of the SLO issue (DeepSeek-R1
//! at FP8 on eight H100s against eight H200s; test-time scaling doubling the GPUs needed)
//! and the rule that every E07xx names the model's assumptions.

use fabric_emit::report::ServiceReport;
use fabric_tests::check_text;

fn r1_spec() -> String {
    std::fs::read_to_string("../examples/r1-h200.fabric").unwrap()
}

fn only_service(report: &fabric_emit::report::Report) -> &ServiceReport {
    assert_eq!(report.services.len(), 1);
    &report.services[0]
}

#[test]
fn r1_fp8_does_not_fit_eight_h100s_and_the_help_names_a_size() {
    let (codes, report, rendered) = check_text("r1-h100", &r1_spec().replace("DGX_H200", "DGX_H100"));
    assert_eq!(codes, ["E0701"], "{rendered}");
    // Attention data parallelism holds the shared 16.5 B parameters on every GPU and an
    // eighth of the routed experts: 98.4 GB per GPU against 80 GB × 0.9.
    assert!(rendered.contains("need 98.3548 GB per GPU on a replica of 8 GPUs (72 GB usable)"), "{rendered}");
    // Two whole DGX nodes hold it: 16 GPUs.
    assert!(rendered.contains("help: the fewest GPUs that meet these SLOs: 16 GPUs as gpus_per_replica = 16, replicas = 1"), "{rendered}");
    let s = only_service(&report);
    assert_eq!(s.fits, Some(false));
    assert_eq!(s.gpus_per_replica_needed, Some(16));
    assert_eq!(s.gpus_needed, Some(16));
    assert_eq!(s.ttft_p99_s, None, "no estimate for a replica that cannot load the model");
}

#[test]
fn r1_fp8_fits_eight_h200s() {
    let (codes, report, rendered) = check_text("r1-h200", &r1_spec());
    assert!(codes.is_empty(), "{rendered}");
    let s = only_service(&report);
    assert_eq!(s.fits, Some(true));
    assert_eq!(s.gpus_needed, Some(8));
    assert_eq!(s.weights_bytes, Some(671e9));
    // 8 × 141 GB × 0.9.
    assert!((s.usable_memory_bytes.unwrap() - 8.0 * 141e9 * 0.9).abs() < 1.0);
    assert!(s.ttft_p99_s.unwrap() <= 2.0 && s.tpot_p99_s.unwrap() <= 0.080, "{s:?}");
    assert!(s.tokens_per_s.unwrap() > s.demand_tokens_per_s.unwrap());
    assert!(s.energy_per_token_j.unwrap() > 0.0);
}

/// A DeepSeek-R1 service left to the planner on four DGX H200 nodes, with `reasoning`
/// tokens per request: its report.
fn planned(name: &str, reasoning: u32) -> ServiceReport {
    let text = format!(
        "import std.nvidia.{{DGX_H200}}\nimport std.models.{{DeepSeek_R1}}\n\nrack R {{\n  units = 48 U\n  node n: DGX_H200\n}}\n\n\
         site s {{\n  building b {{\n    hall h {{\n      row r {{\n        rack k[1..16]: R\n      }}\n    }}\n  }}\n}}\n\n\
         inference reasoner {{\n  model = DeepSeek_R1\n  precision = fp8\n  kv_precision = fp8\n  placement = s.b.h\n\
         load {{ arrival = 2 req/s, prompt = 2000 tok, reasoning = {reasoning} tok, output = 500 tok }}\n\
         slo {{ ttft_p99 <= 2 s, tpot_p99 <= 80 ms }}\n}}\n"
    );
    let (codes, report, rendered) = check_text(name, &text);
    assert!(codes.is_empty(), "{rendered}");
    only_service(&report).clone()
}

#[test]
fn the_planner_chooses_a_layout_and_test_time_scaling_raises_the_gpus_needed() {
    let base = planned("plan-base", 4000);
    assert_eq!(base.chosen, Some(true), "{base:?}");
    assert!(base.mode.is_some() && base.decode.is_some() && base.suggested_layout.is_some(), "{base:?}");
    // The chosen layout is what the service asks for, and it meets the SLOs.
    assert_eq!(Some(base.gpus_requested), base.gpus_needed);
    assert!(base.tpot_p99_s.unwrap() <= 0.080 && base.ttft_p99_s.unwrap() <= 2.0, "{base:?}");
    let doubled = planned("plan-doubled", 8000);
    let ratio = doubled.gpus_needed.unwrap() as f64 / base.gpus_needed.unwrap() as f64;
    assert!(
        (1.3..=2.7).contains(&ratio),
        "doubling reasoning multiplied the GPUs needed by {ratio}: {} → {}",
        base.gpus_needed.unwrap(),
        doubled.gpus_needed.unwrap()
    );
}

#[test]
fn a_4000_token_deepseek_prompt_takes_more_than_a_millisecond_everywhere() {
    for example in ["campus", "r1-h200"] {
        let text = std::fs::read_to_string(format!("../examples/{example}.fabric")).unwrap();
        let (_, report, _) = check_text(example, &text);
        for s in &report.services {
            assert!(s.prefill_s.unwrap() > 0.05, "{example}: prefill of {} takes {:?}", s.name, s.prefill_s);
        }
    }
}

#[test]
fn every_e07xx_names_its_assumptions() {
    let mut seen = 0;
    for path in fabric_tests::ui_fixtures() {
        let checked = fabric_cli::check_file(&path).unwrap();
        // E0708 and E0709 are about how a layout is written, not estimates.
        let estimates = |code: &str| code.starts_with("E07") && !["E0708", "E0709"].contains(&code);
        for d in checked.diagnostics.iter().filter(|d| estimates(d.code.as_str())) {
            seen += 1;
            assert!(
                d.notes.iter().any(|n| n.starts_with("assumed (docs/slo-model.md)") || n.starts_with("every replica needs")),
                "{} in {} names no assumption: {:?}",
                d.code,
                path.display(),
                d.notes
            );
        }
    }
    assert!(seen >= 7, "only {seen} E07xx diagnostics among the fixtures");
}
