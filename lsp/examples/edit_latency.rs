//! Benchmark: edit-to-diagnostics latency of `fabric lsp` on a generated 10,000-line spec.
//!
//! ```sh
//! cargo build --release --bin fabric
//! cargo run --release -p fabric-lsp --example edit_latency -- target/release/fabric [LINES] [EDITS]
//! ```
//!
//! Writes a spec of about LINES lines (default 10,000: rack types, a site of rows of racks
//! and a fabric over them) into a temporary folder, opens it in the server, then sends
//! EDITS (default 40) incremental changes one at a time, each changing one rack type's power
//! limit, and times each from sending `didChange` to receiving the `publishDiagnostics` of
//! that version. The server has no debounce: a newer edit cancels the analysis of an older one.

use serde_json::json;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let fabric = args.get(1).map_or("target/release/fabric", String::as_str);
    let lines: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let edits: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(40);

    let dir = std::env::temp_dir().join(format!("fabric-edit-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (text, types) = generate(lines);
    let path = dir.join("big.fabric");
    std::fs::write(&path, &text).expect("write spec");
    let uri = format!("file://{}", path.display());

    let mut client = fabric_lsp::client::Client::start(fabric, Duration::from_secs(600));
    client.request("initialize", json!({ "processId": null, "capabilities": {} }));
    client.notify("initialized", json!({}));
    let opened = Instant::now();
    client.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "fabric", "version": 1, "text": text } }));
    wait_diagnostics(&mut client, 1);
    let first = opened.elapsed();

    let mut times = Vec::new();
    for i in 0..edits {
        // Change `power_limit = 40 kW` of one rack type: the whole plant's power is redone.
        let t = i % types;
        let line = text.lines().position(|l| l == format!("rack Rack{t} {{")).expect("rack type") + 2;
        let kw = 40 + (i % 7);
        let version = i as i64 + 2;
        let change = json!({
            "range": { "start": { "line": line, "character": 0 }, "end": { "line": line + 1, "character": 0 } },
            "text": format!("  power_limit = {kw} kW\n"),
        });
        let sent = Instant::now();
        client.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }));
        wait_diagnostics(&mut client, version);
        times.push(sent.elapsed());
    }
    client.request("shutdown", json!(null));
    client.notify("exit", json!(null));
    client.child.wait().ok();
    std::fs::remove_dir_all(&dir).ok();

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!("spec: {} lines, {} bytes; {} edits", text.lines().count(), text.len(), times.len());
    println!("open → first diagnostics: {:.1} ms", ms(first));
    println!("edit → diagnostics: median {:.1} ms, p90 {:.1} ms, max {:.1} ms", ms(pick(0.5)), ms(pick(0.9)), ms(pick(1.0)));
}

fn wait_diagnostics(client: &mut fabric_lsp::client::Client, version: i64) {
    let m = client.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version);
    let errors = m["params"]["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 0, "the generated spec has diagnostics: {m}");
    client.notifications.clear();
}

/// A spec of about `lines` lines: rack types of 5 lines each (a third of the file), and a
/// site whose rows hold racks of those types, with a fabric over their NICs. Returns the
/// text and the number of rack types.
fn generate(lines: usize) -> (String, usize) {
    let types = (lines / 3 / 6).max(1);
    let mut out = String::from("import std.nvidia.{DGX_B200, QM9700}\n\n");
    for t in 0..types {
        out.push_str(&format!("rack Rack{t} {{\n  units = 48 U\n  power_limit = 40 kW\n  node dgx: DGX_B200\n}}\n\n"));
    }
    out.push_str("rack Net {\n  units = 48 U\n  power_limit = 60 kW\n}\n\nsite campus {\n  building b1 {\n");
    let mut row = 0;
    let mut hall = 0;
    while out.lines().count() + 12 < lines {
        if row % 20 == 0 {
            if row > 0 {
                out.push_str("    }\n");
            }
            hall += 1;
            out.push_str(&format!("    hall h{hall} {{\n"));
        }
        row += 1;
        out.push_str(&format!("      row r{row} {{\n"));
        for k in 0..4 {
            out.push_str(&format!("        rack k{k}: Rack{}\n", (row * 4 + k) % types));
        }
        out.push_str("      }\n");
    }
    out.push_str("    }\n    hall net {\n      row n1 {\n        rack n[1..60]: Net\n      }\n    }\n  }\n}\n\n");
    out.push_str("fabric backend {\n  topology = fat_tree\n  tiers = 3\n  endpoints = campus.**.nic\n  leaf = QM9700\n  spine = QM9700\n  core = QM9700\n  spine_racks = campus.b1.net.n1.n\n}\n");
    (out, types)
}
