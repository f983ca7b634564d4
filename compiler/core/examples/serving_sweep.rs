//! Prints the serving model's decode throughput against batch for the fixed-layout cases of
//! docs/slo-model.md's calibration, beside AIConfigurator's figures for the same layouts:
//! `cargo run -p fabric-core --example serving_sweep`.
//!
//! The TPOT here is the saturated one AIConfigurator's `estimate` reports: the decode step
//! plus each step's share of the prompts that refill the batch (one prompt per `output`
//! steps per sequence).

use fabric_core::check::slo::model::{Assumptions, GpuFigures, Links, Load, ModelFigures, Parallelism, Pool, Speculation};

/// A fixed-layout case: name, model, GPU, layout, prompt and output tokens, and
/// AIConfigurator's (batch, TPOT ms) points.
type Case = (&'static str, ModelFigures, GpuFigures, Parallelism, f64, f64, Vec<(u32, f64)>);

fn main() {
    let h100 = GpuFigures { memory_bytes: 80e9, memory_bw: 3.35e12, flops: 1.979e15, power_w: 700.0 };
    let h200 = GpuFigures { memory_bytes: 141e9, memory_bw: 4.8e12, flops: 1.979e15, power_w: 700.0 };
    let nvlink = Links { nvlink_bw: 450e9, domain_gpus: 8.0, nic_bw: 50e9, net_latency_s: 5e-6 };
    let assumptions = Assumptions { memory_utilization: 0.9, compute_efficiency: 0.4, bandwidth_efficiency: 0.8 };
    let ds = ModelFigures {
        params: 671e9,
        active_params: 37e9,
        bytes_per_param: 1.0,
        kv_bytes_per_token: 35_136.0,
        layers: 61.0,
        hidden_size: 7168.0,
        experts: 256.0,
        experts_per_token: 8.0,
        kv_heads: 1.0,
        attention_flops: 16_990_208.0,
        prefill_attention_flops: 4_997_120.0,
    };
    let llama70 = ModelFigures {
        params: 70e9,
        active_params: 70e9,
        bytes_per_param: 1.0,
        kv_bytes_per_token: 163_840.0,
        layers: 80.0,
        hidden_size: 8192.0,
        experts: 0.0,
        experts_per_token: 0.0,
        kv_heads: 8.0,
        attention_flops: 2_621_440.0,
        prefill_attention_flops: 2_621_440.0,
    };
    let cases: Vec<Case> = vec![
        (
            "DeepSeek-V3 8xH200 tp8 ep8, 4000/500",
            ds,
            h200,
            Parallelism { tp: 8, pp: 1, dp: 1, ep: 8 },
            4000.0,
            500.0,
            vec![(1, 7.113), (8, 15.966), (32, 30.867), (64, 45.353), (128, 68.336), (256, 110.478)],
        ),
        (
            "DeepSeek-V3 8xH200 dp8 ep8, 4000/500",
            ds,
            h200,
            Parallelism { tp: 1, pp: 1, dp: 8, ep: 8 },
            4000.0,
            500.0,
            vec![(1, 18.115), (4, 25.868), (8, 36.813), (16, 53.593), (32, 85.958)],
        ),
        (
            "Llama 3.1 70B 8xH100 tp8, 2000/500",
            llama70,
            h100,
            Parallelism { tp: 8, pp: 1, dp: 1, ep: 1 },
            2000.0,
            500.0,
            vec![(1, 6.805), (8, 8.071), (32, 13.669), (64, 20.322), (128, 32.145), (256, 54.535)],
        ),
        (
            "Llama 3.1 70B 4xH100 tp4, 2000/500",
            llama70,
            h100,
            Parallelism { tp: 4, pp: 1, dp: 1, ep: 1 },
            2000.0,
            500.0,
            vec![(1, 9.843), (8, 11.179), (32, 17.448), (64, 25.370), (128, 41.352), (256, 72.828)],
        ),
        (
            "Llama 3.1 70B 2xH100 tp2, 2000/500",
            llama70,
            h100,
            Parallelism { tp: 2, pp: 1, dp: 1, ep: 1 },
            2000.0,
            500.0,
            vec![(1, 16.146), (8, 18.257), (32, 27.277), (64, 38.713), (128, 62.014)],
        ),
    ];
    for (name, model, gpu, layout, prompt, output, aic) in cases {
        let pool = Pool { model, gpu, layout, links: nvlink, assumptions, speculation: Speculation::default() };
        let load = Load { arrival: 0.0, prompt, reasoning: 0.0, output, samples: 1.0, prefix_cache_hit: 0.0 };
        let prefill = pool.prefill(&load).total_s;
        println!("{name}: prefill {:.1} ms, max batch {}", prefill * 1e3, pool.memory(&load).max_batch);
        for (batch, aic_ms) in aic {
            let step = pool.step(f64::from(batch), &load);
            let tpot = step.per_token_s + f64::from(batch) * prefill / output;
            println!(
                "  batch {batch:>4}: step {:6.1} ms (mem {:5.1}, compute {:5.1}, comm {:4.1}, fixed {:4.1}), saturated TPOT {:6.1} ms vs AIC {aic_ms:6.1} ms, ratio {:.2}",
                step.total_s * 1e3,
                step.memory_s * 1e3,
                step.compute_s * 1e3,
                step.comm_s * 1e3,
                step.overhead_s * 1e3,
                tpot * 1e3,
                tpot * 1e3 / aic_ms
            );
        }
    }
}
