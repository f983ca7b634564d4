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
    assert!(rendered.contains("(671 GB) do not fit a replica of 8 GPUs (576 GB usable)"), "{rendered}");
    // 671 GB + 738 MB of KV over 80 GB × 0.9 needs 10 GPUs: two whole DGX nodes.
    assert!(rendered.contains("help: use gpus_per_replica = 16 and replicas = 1"), "{rendered}");
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

/// GPUs needed by the campus example's service with `from` replaced by `to` in its load.
fn campus_gpus_needed(name: &str, from: &str, to: &str) -> f64 {
    let text = std::fs::read_to_string("../examples/campus.fabric").unwrap();
    assert!(text.contains(from), "campus.fabric no longer says {from}");
    let (codes, report, rendered) = check_text(name, &text.replacen(from, to, 1));
    assert!(codes.iter().all(|c| !c.starts_with("E07")), "{rendered}");
    only_service(&report).gpus_needed.unwrap() as f64
}

#[test]
fn test_time_scaling_roughly_doubles_the_gpus_needed() {
    let base = campus_gpus_needed("tts-base", "reasoning = 12000 tok", "reasoning = 12000 tok");
    let reasoning = campus_gpus_needed("tts-reasoning", "reasoning = 12000 tok", "reasoning = 24000 tok") / base;
    let samples = campus_gpus_needed("tts-samples", "samples = 1", "samples = 2") / base;
    assert!((1.7..=2.6).contains(&reasoning), "doubling reasoning multiplied the GPUs needed by {reasoning}");
    assert!((1.7..=2.6).contains(&samples), "doubling samples multiplied the GPUs needed by {samples}");
}

#[test]
fn every_e07xx_names_its_assumptions() {
    let mut seen = 0;
    for path in fabric_tests::ui_fixtures() {
        let checked = fabric_cli::check_file(&path).unwrap();
        for d in checked.diagnostics.iter().filter(|d| d.code.as_str().starts_with("E07")) {
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
