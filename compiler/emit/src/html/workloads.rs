//! Services and training jobs: each service's layout and figures against its SLO, TPOT and
//! throughput against batch, GPUs needed against reasoning tokens (test-time scaling); each
//! job's figures and the parts of its step time.

use super::draw::{Series, bars, chart};
use super::{Page, anchor, escape};
use fabric_core::units::{Dim, format_quantity, group_thousands};
use std::fmt::Write;

impl Page<'_> {
    pub(super) fn services(&self, out: &mut String) {
        if self.report.services.is_empty() {
            return;
        }
        out.push_str("<section id=\"services\"><h2>Inference services</h2>");
        for s in &self.report.services {
            let _ = write!(out, "<figure id=\"{}\"><h3>{}</h3>", anchor("service", &s.name), escape(&s.name));
            let t = |v: Option<f64>| v.map_or("-".to_string(), |v| format_quantity(v, Dim::TIME));
            let judge = |v: Option<f64>, limit: Option<f64>| match (v, limit) {
                (Some(v), Some(l)) if v > l * (1.0 + 1e-9) => " class=\"bad\"",
                (Some(_), Some(_)) => " class=\"good\"",
                _ => "",
            };
            let layout = match (s.mode, &s.prefill, &s.decode) {
                (Some("disaggregated"), Some(p), Some(d)) => format!(
                    "disaggregated: prefill {} × {} GPUs (tp {}, dp {}, ep {}), decode {} × {} GPUs (tp {}, dp {}, ep {})",
                    p.replicas,
                    p.gpus_per_replica,
                    p.parallelism.tp,
                    p.parallelism.dp,
                    p.parallelism.ep,
                    d.replicas,
                    d.gpus_per_replica,
                    d.parallelism.tp,
                    d.parallelism.dp,
                    d.parallelism.ep
                ),
                (Some(_), _, Some(d)) => {
                    format!(
                        "aggregated: {} × {} GPUs (tp {}, pp {}, dp {}, ep {})",
                        d.replicas, d.gpus_per_replica, d.parallelism.tp, d.parallelism.pp, d.parallelism.dp, d.parallelism.ep
                    )
                }
                _ => "not estimated".to_string(),
            };
            let _ = write!(
                out,
                "<p>{}{}</p><table><tr><th>GPUs placed</th><th>asked</th><th>needed</th><th>TTFT p99</th><th>TPOT p99</th><th>tokens/s (load)</th><th>energy/token</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td{}>{} (SLO {})</td><td{}>{} (SLO {})</td><td>{} ({})</td><td>{}</td></tr></table>",
                escape(&layout),
                if s.chosen == Some(true) { ", chosen by the planner" } else { "" },
                group_thousands(u128::from(s.gpus_placed)),
                group_thousands(u128::from(s.gpus_requested)),
                s.gpus_needed.map_or("-".to_string(), |n| group_thousands(u128::from(n))),
                judge(s.ttft_p99_s, s.slo.ttft_p99_s),
                t(s.ttft_p99_s),
                t(s.slo.ttft_p99_s),
                judge(s.tpot_p99_s, s.slo.tpot_p99_s),
                t(s.tpot_p99_s),
                t(s.slo.tpot_p99_s),
                s.tokens_per_s.map_or("-".to_string(), |v| group_thousands(v.round() as u128)),
                s.demand_tokens_per_s.map_or("-".to_string(), |v| group_thousands(v.round() as u128)),
                s.energy_per_token_j.map_or("-".to_string(), |v| format_quantity(v, Dim::ENERGY_PER_TOKEN)),
            );
            out.push_str("<div class=\"grid\">");
            if !s.batch_curve.is_empty() {
                let tpot = Series {
                    name: "TPOT",
                    colour: "#e6550d",
                    points: s.batch_curve.iter().map(|p| (f64::from(p.batch), p.tpot_s)).collect(),
                };
                let throughput = Series {
                    name: "output tokens/s",
                    colour: "#3182bd",
                    points: s.batch_curve.iter().map(|p| (f64::from(p.batch), p.tokens_per_s)).collect(),
                };
                let fmt = |axis: usize, v: f64| match axis {
                    0 => group_thousands(v.round() as u128),
                    1 => format_quantity(v, Dim::TIME),
                    _ => group_thousands(v.round() as u128),
                };
                let limit = s.slo.tpot_p99_s.map(|l| (l, "TPOT SLO"));
                out.push_str(
                    &chart("TPOT and throughput against batch", "sequences per decode group", &tpot, Some(&throughput), limit, &fmt)
                        .to_string(),
                );
            }
            if s.reasoning_scaling.first().is_some_and(|p| p.reasoning_tokens <= 0.0) {
                out.push_str("<p>The load has no reasoning tokens: no test-time scaling to draw.</p>");
            } else if !s.reasoning_scaling.is_empty() {
                let items: Vec<(String, f64, String)> = s
                    .reasoning_scaling
                    .iter()
                    .map(|p| {
                        let label = format!("{}× ({} tok)", p.factor, group_thousands(p.reasoning_tokens.round() as u128));
                        match p.gpus_needed {
                            Some(n) => (label, n as f64, format!("{} GPUs", group_thousands(u128::from(n)))),
                            None => (label, 0.0, "no replica count meets the SLOs".to_string()),
                        }
                    })
                    .collect();
                out.push_str(&bars("test-time scaling: GPUs the layout as laid out needs", &items, "#fd8d3c").to_string());
            }
            out.push_str("</div></figure>");
        }
        out.push_str("</section>");
    }

    pub(super) fn training(&self, out: &mut String) {
        if self.report.training.is_empty() {
            return;
        }
        out.push_str("<section id=\"training\"><h2>Training jobs</h2>");
        for j in &self.report.training {
            let _ = write!(out, "<figure id=\"{}\"><h3>{}</h3>", anchor("training", &j.name), escape(&j.name));
            let layout = j.parallelism.map_or("-".to_string(), |p| {
                format!(
                    "tp {} pp {} dp {} ep {} cp {} vp {}{}",
                    p.tp,
                    p.pp,
                    p.dp,
                    p.ep,
                    p.cp,
                    p.vp,
                    if j.chosen { " (chosen)" } else { "" }
                )
            });
            let _ = write!(
                out,
                "<table><tr><th>GPUs</th><th>layout</th><th>step</th><th>MFU</th><th>time to train</th><th>borrowed GPUs</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
                group_thousands(u128::from(j.gpus)),
                escape(&layout),
                j.step_time_s.map_or("-".to_string(), |v| format_quantity(v, Dim::TIME)),
                j.mfu.map_or("-".to_string(), |m| format!("{:.1} %", m * 100.0)),
                j.time_to_train_s.map_or("-".to_string(), |v| format!("{:.1} d", v / 86_400.0)),
                group_thousands(u128::from(j.borrowed_gpus))
            );
            if let Some(p) = &j.step_parts_s {
                let parts = [
                    ("compute", p.compute),
                    ("pipeline bubble", p.bubble),
                    ("tensor-parallel", p.tensor_parallel),
                    ("pipeline sends", p.pipeline),
                    ("data-parallel", p.data_parallel),
                    ("expert all-to-all", p.expert_parallel),
                ];
                let items: Vec<(String, f64, String)> =
                    parts.iter().map(|(n, v)| (n.to_string(), *v, format_quantity(*v, Dim::TIME))).collect();
                out.push_str(&bars("step time, part by part", &items, "#6baed6").to_string());
            }
            out.push_str("</figure>");
        }
        out.push_str("</section>");
    }
}
