//! `fabric lsp` end to end: the real binary spoken to over stdio with JSON-RPC, through a
//! whole session on a two-file workspace (initialize, didOpen, publishDiagnostics, hover,
//! completion, definition, references, rename, formatting, a didChange that clears the
//! diagnostic, shutdown, exit), and a second session of malformed and unknown requests.

use serde_json::{Value, json};
use std::process::Child;
use std::time::{Duration, Instant};

/// How long any one answer may take before the test fails (never reached when healthy).
const PATIENCE: Duration = Duration::from_secs(120);

type Session = fabric_lsp::client::Client;

/// A server started from the binary under test.
fn start() -> Session {
    Session::start(env!("CARGO_BIN_EXE_fabric"), PATIENCE)
}

fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// A server initialized on a fresh folder holding `spec.fabric` with `text`, open: the
/// session, the document's URI, its first diagnostics, and the folder (kept alive).
fn open_one(text: &str) -> (Session, String, Vec<Value>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let path = root.join("spec.fabric");
    std::fs::write(&path, text).expect("write");
    let doc = uri(&path);
    let mut s = start();
    s.request("initialize", json!({ "processId": null, "rootUri": uri(&root), "capabilities": {} }));
    s.notify("initialized", json!({}));
    s.notify("textDocument/didOpen", json!({ "textDocument": { "uri": doc, "languageId": "fabric", "version": 1, "text": text } }));
    let diagnostics = s.diagnostics(&doc);
    (s, doc, diagnostics, dir)
}

/// The first quick fix offered for the diagnostics of `code`, with the one diagnostic.
fn quick_fix(s: &mut Session, doc: &str, diagnostics: &[Value], code: &str) -> (Value, Value) {
    let found: Vec<Value> = diagnostics.iter().filter(|d| d["code"] == code).cloned().collect();
    assert_eq!(found.len(), 1, "{diagnostics:#?}");
    let actions = s.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": doc }, "range": found[0]["range"], "context": { "diagnostics": found } }),
    );
    (actions["result"][0].clone(), found[0].clone())
}

/// Ends a session the way a client does.
fn close(mut s: Session) {
    let shutdown = s.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    s.notify("exit", json!(null));
    assert!(wait_exit(&mut s.child).success());
}

const RACKS: &str = "import std.nvidia.{DGX_H200}

/// One DGX H200 in an air-cooled rack.
rack DgxRack {
  units = 48 U
  power_limit = 15 kW
  node dgx: DGX_H200
}
";

const MAIN: &str = "import \"racks.fabric\"

site lab {
  building b1 {
    hall h1 {
      row r1 {
        rack k1: DgxRack
        rack k2: DgxRack
      }
    }
  }
  pue = 1.3 kW
}
";

/// Where `needle` starts in `text`, as an LSP position (ASCII text: UTF-16 = bytes).
fn pos(text: &str, needle: &str, nth: usize) -> Value {
    let at = text.match_indices(needle).nth(nth).map(|(i, _)| i).expect("needle in text");
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": col })
}

#[test]
fn a_whole_session_over_stdio() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    std::fs::write(root.join("racks.fabric"), RACKS).expect("write");
    std::fs::write(root.join("main.fabric"), MAIN).expect("write");
    let (main_uri, racks_uri) = (uri(&root.join("main.fabric")), uri(&root.join("racks.fabric")));
    let mut s = start();

    let init = s.request("initialize", json!({ "processId": null, "rootUri": uri(&root), "capabilities": {} }));
    let caps = &init["result"]["capabilities"];
    for cap in
        ["hoverProvider", "completionProvider", "definitionProvider", "referencesProvider", "renameProvider", "documentFormattingProvider"]
    {
        assert!(!caps[cap].is_null(), "{cap} missing: {caps}");
    }
    assert_eq!(caps["positionEncoding"], "utf-16");
    s.notify("initialized", json!({}));

    s.notify("textDocument/didOpen", json!({ "textDocument": { "uri": main_uri, "languageId": "fabric", "version": 1, "text": MAIN } }));
    let diagnostics = s.diagnostics(&main_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "E0302");
    assert_eq!(diagnostics[0]["range"]["start"], pos(MAIN, "1.3 kW", 0));

    // Hover on a type's use: its doc and where it is declared.
    let hover = s.request("textDocument/hover", json!({ "textDocument": { "uri": main_uri }, "position": pos(MAIN, "DgxRack", 0) }));
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("rack DgxRack") && text.contains("One DGX H200 in an air-cooled rack."), "{hover}");

    // Definition across files.
    let def = s.request("textDocument/definition", json!({ "textDocument": { "uri": main_uri }, "position": pos(MAIN, "DgxRack", 1) }));
    assert_eq!(def["result"]["uri"], racks_uri, "{def}");
    assert_eq!(def["result"]["range"]["start"], pos(RACKS, "DgxRack", 0));

    // Completion of a block's type after `:`, with the stdlib's racks and the import they need.
    let typing = MAIN.replace("        rack k2: DgxRack\n", "        rack k2: DgxRack\n        rack k3: GB\n");
    s.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": main_uri, "version": 2 }, "contentChanges": [{ "text": typing }] }),
    );
    let at = pos(&typing, "GB", 0);
    let at = json!({ "line": at["line"], "character": at["character"].as_u64().unwrap_or(0) + 2 });
    let completion = s.request("textDocument/completion", json!({ "textDocument": { "uri": main_uri }, "position": at }));
    let labels: Vec<&str> = completion["result"].as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
    for want in ["GB200_NVL72", "GB300_NVL72", "DgxRack"] {
        assert!(labels.contains(&want), "{want} not offered: {labels:?}");
    }
    assert!(!labels.contains(&"DGX_H200"), "a node type offered for a rack: {labels:?}");
    let gb200 = completion["result"].as_array().expect("items").iter().find(|i| i["label"] == "GB200_NVL72").expect("GB200");
    assert_eq!(gb200["additionalTextEdits"][0]["newText"], "import std.nvidia.{GB200_NVL72}\n");

    // The fix clears the diagnostic.
    let fixed = MAIN.replace("1.3 kW", "1.3");
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": main_uri, "version": 3 }, "contentChanges": [{ "text": fixed }] }));
    let diagnostics = loop {
        let d = s.diagnostics(&main_uri);
        if d.iter().all(|d| d["code"] != "E0302") {
            break d;
        }
    };
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");

    // Hover on a rack instance: its IT power against its limit.
    let hover = s.request("textDocument/hover", json!({ "textDocument": { "uri": main_uri }, "position": pos(&fixed, "k1", 0) }));
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("`lab.b1.h1.r1.k1`: IT power 10.2 kW of its 15 kW limit (4.8 kW headroom, 68 %)"), "{text}");

    // References and rename reach both files.
    let refs = s.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": main_uri }, "position": pos(&fixed, "DgxRack", 0), "context": { "includeDeclaration": true } }),
    );
    let refs = refs["result"].as_array().expect("locations").clone();
    assert_eq!(refs.len(), 3, "{refs:#?}");
    assert_eq!(refs.iter().filter(|r| r["uri"] == racks_uri).count(), 1);
    let prepare =
        s.request("textDocument/prepareRename", json!({ "textDocument": { "uri": main_uri }, "position": pos(&fixed, "DgxRack", 0) }));
    assert_eq!(prepare["result"]["placeholder"], "DgxRack", "{prepare}");
    let rename = s.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": main_uri }, "position": pos(&fixed, "DgxRack", 0), "newName": "H200Rack" }),
    );
    let changes = &rename["result"]["changes"];
    assert_eq!(changes[&main_uri].as_array().map(Vec::len), Some(2), "{rename}");
    assert_eq!(changes[&racks_uri].as_array().map(Vec::len), Some(1), "{rename}");
    assert!(changes[&main_uri].as_array().expect("edits").iter().all(|e| e["newText"] == "H200Rack"));
    let refused = s.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": main_uri }, "position": pos(&fixed, "DgxRack", 0), "newName": "9x" }),
    );
    assert!(refused["error"].is_object(), "{refused}");

    // Formatting: one edit that gives the canonical layout.
    let messy = fixed.replace("  pue = 1.3", "  pue=1.3");
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": main_uri, "version": 4 }, "contentChanges": [{ "text": messy }] }));
    let edits = s.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": main_uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits["result"][0]["newText"], fixed, "{edits}");

    // Document symbols follow the plant hierarchy.
    let symbols = s.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": main_uri } }));
    assert_eq!(symbols["result"][0]["name"], "lab", "{symbols}");
    assert_eq!(symbols["result"][0]["children"][0]["name"], "b1");

    let shutdown = s.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    s.notify("exit", json!(null));
    let status = wait_exit(&mut s.child);
    assert!(status.success(), "exit status {status:?}");
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn malformed_and_unknown_requests_get_answers_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let path = root.join("broken.fabric");
    let broken = "site lab {\n  building b1 {\n    hall h1 { row r1 { rack k1: \n";
    std::fs::write(&path, broken).expect("write");
    let doc = uri(&path);
    let mut s = start();
    s.request("initialize", json!({ "processId": null, "rootUri": uri(&root), "capabilities": {} }));
    s.notify("initialized", json!({}));
    s.send_raw(b"{ this is not json");
    let unknown = s.request("fabric/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    s.notify("textDocument/didOpen", json!({ "textDocument": { "uri": doc, "languageId": "fabric", "version": 1, "text": broken } }));
    assert!(!s.diagnostics(&doc).is_empty());
    // Positions far outside the document, on a file that does not parse.
    for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/signatureHelp"] {
        let answer = s.request(method, json!({ "textDocument": { "uri": doc }, "position": { "line": 999, "character": 999 } }));
        assert!(answer.get("result").is_some(), "{method}: {answer}");
    }
    let hints = s.request("textDocument/inlayHint", json!({ "textDocument": { "uri": doc }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } } }));
    assert!(hints.get("result").is_some(), "{hints}");
    let tokens = s.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": doc } }));
    assert!(tokens["result"]["data"].is_array(), "{tokens}");
    // A request about a document never opened.
    let other = s.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.fabric" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(other["result"], Value::Null, "{other}");
    let shutdown = s.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none());
    s.notify("exit", json!(null));
    assert!(wait_exit(&mut s.child).success());
}

/// Messages that are JSON but not JSON-RPC, and a header whose length cannot be read, each
/// get the JSON-RPC error (or are skipped) and the session goes on (issue 23, item 17).
#[test]
fn malformed_json_rpc_is_answered_and_framing_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let mut s = start();
    s.request("initialize", json!({ "processId": null, "rootUri": uri(&root), "capabilities": {} }));
    s.notify("initialized", json!({}));
    let error_for = |s: &mut Session, id: Value| s.wait(|m| m["id"] == id && m.get("error").is_some());
    for (body, id, code) in [
        ("{}", Value::Null, -32600),
        (r#"{"jsonrpc":"1.0","id":9001,"method":"shutdown"}"#, json!(9001), -32600),
        (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"}"#, Value::Null, -32600),
        (r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#, Value::Null, -32600),
        (r#"{"jsonrpc":"2.0","id":9002,"method":42}"#, json!(9002), -32600),
        ("[1]", Value::Null, -32600),
        ("{ not json", Value::Null, -32700),
    ] {
        s.send_raw(body.as_bytes());
        let answer = error_for(&mut s, id.clone());
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }
    // A header whose length is not a number, its body, and the next message glued to it.
    let next = r#"{"jsonrpc":"2.0","id":9003,"method":"fabric/noSuchMethod","params":{}}"#;
    let glued = format!("Content-Length: abc\r\n\r\n{{\"jsonrpc\":\"2.0\"}}Content-Length: {}\r\n\r\n{next}", next.len());
    s.send_bytes(glued.as_bytes());
    let answer = s.wait(|m| m["id"] == json!(9003));
    assert_eq!(answer["error"]["code"], -32601, "the glued message was read: {answer}");
    // Still serving.
    let hover = s.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///none.fabric" }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(hover.get("result").is_some(), "{hover}");
    let shutdown = s.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none());
    s.notify("exit", json!(null));
    assert!(wait_exit(&mut s.child).success());
}

#[test]
fn a_rack_over_its_limit_gets_a_quick_fix_that_raises_it() {
    let text = std::fs::read_to_string("../../examples/errors/E0401-gb300-rack-over-132kw.fabric").expect("example");
    let (mut s, doc, diagnostics, _dir) = open_one(&text);
    let (action, diagnostic) = quick_fix(&mut s, &doc, &diagnostics, "E0401");
    // 133.6 kW × 1.05 = 140.3 kW, rounded up.
    assert_eq!(action["title"], "Raise the limit to 141 kW (IT power + 5 % headroom)", "{action}");
    let edit = &action["edit"]["changes"][&doc][0];
    assert_eq!(edit["newText"], "141 kW");
    assert_eq!(edit["range"], diagnostic["range"], "the fix replaces the limit the diagnostic points at");
    close(s);
}

/// The server's resident memory in KiB (Linux).
fn rss_kib(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

#[test]
fn ten_thousand_rapid_changes_a_50_mb_document_and_cancelled_requests() {
    let (mut s, doc, diagnostics, dir) = open_one("rack R {\n  units = 42 U\n}\n");
    assert!(diagnostics.is_empty());
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    let before = rss_kib(&s.child);

    // 10,000 edits as fast as the pipe takes them, each inserting one comment character.
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": doc, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 0 } }, "text": "//" }] }));
    for version in 3..10_003 {
        s.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": doc, "version": version }, "contentChanges": [{ "range": { "start": { "line": 3, "character": 2 }, "end": { "line": 3, "character": 2 } }, "text": "x" }] }),
        );
    }
    let last = s.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 10_002);
    assert_eq!(last["params"]["diagnostics"], json!([]));
    let hover = s.request("textDocument/hover", json!({ "textDocument": { "uri": doc }, "position": { "line": 0, "character": 6 } }));
    assert!(hover["result"]["contents"]["value"].as_str().is_some_and(|v| v.contains("rack R")), "{hover}");
    if let (Some(before), Some(after)) = (before, rss_kib(&s.child)) {
        // Keeping every version of the text alone would take 50 MB.
        assert!(after < before + 32 * 1024, "memory grew from {before} KiB to {after} KiB over 10,000 edits");
    }

    // A cancelled request is answered (a result or RequestCancelled) and the server goes on.
    let id = 900_001;
    s.send(&json!({ "jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": { "textDocument": { "uri": doc }, "position": { "line": 0, "character": 6 } } }));
    s.notify("$/cancelRequest", json!({ "id": id }));
    let answer = s.wait(|m| m["id"] == id);
    assert!(answer.get("result").is_some() || answer["error"]["code"] == -32800, "{answer}");

    // A 50 MB document: refused as too large (E0901), and the server keeps serving.
    let big_path = root.join("big.fabric");
    let big_uri = uri(&big_path);
    let big = format!("rack R {{\n  units = 42 U\n}}\n{}", "// padding padding padding padding padding padding\n".repeat(1_000_000));
    assert!(big.len() > 50_000_000);
    s.notify("textDocument/didOpen", json!({ "textDocument": { "uri": big_uri, "languageId": "fabric", "version": 1, "text": big } }));
    let diagnostics = s.diagnostics(&big_uri);
    assert_eq!(diagnostics.iter().map(|d| d["code"].clone()).collect::<Vec<_>>(), [json!("E0901")]);
    let hover = s.request("textDocument/hover", json!({ "textDocument": { "uri": doc }, "position": { "line": 0, "character": 6 } }));
    assert!(hover["result"].is_object(), "{hover}");

    close(s);
}

#[test]
fn missing_required_fields_get_a_quick_fix_that_adds_them() {
    let (mut s, doc, diagnostics, _dir) = open_one("import std.models.{DeepSeek_R1}\n\ninference agents {\n  model = DeepSeek_R1\n}\n");
    let (action, _) = quick_fix(&mut s, &doc, &diagnostics, "E0211");
    assert_eq!(action["title"], "Add `precision`, `placement`", "{action}");
    let edit = &action["edit"]["changes"][&doc][0];
    assert_eq!(edit["range"]["start"], json!({ "line": 4, "character": 0 }), "inserted before the closing brace's line");
    assert_eq!(edit["newText"], "  precision = \n  placement = \n");
    close(s);
}

/// Diagnostics are analysed off the workspace lock: a request that needs only the syntax
/// tree (document symbols), sent while the campus example (about 0.7 s to check in a debug
/// build) is being re-analysed after an edit, is answered before that edit's diagnostics
/// are published; and the edit's diagnostics still arrive (issue 23, item 19). (A request
/// that needs the network waits for it: salsa computes a query once for every handle.)
#[test]
fn requests_are_answered_while_an_edit_is_analysed() {
    let text = std::fs::read_to_string("../../examples/campus.fabric").expect("example");
    let (mut s, doc, diagnostics, _dir) = open_one(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    // One rack fewer in a row: the plant, the network and every budget are analysed again.
    let at = text.find("rack k[1..16]").expect("the campus has rows of 16 racks");
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + "rack k[1..".len();
    let change = json!({ "range": { "start": { "line": line, "character": column }, "end": { "line": line, "character": column + 2 } }, "text": "15" });
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": doc, "version": 2 }, "contentChanges": [change] }));
    std::thread::sleep(Duration::from_millis(100));
    let id = 777_001;
    s.send_raw(
        json!({ "jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": doc } } })
            .to_string()
            .as_bytes(),
    );
    // The first of the two to arrive.
    let first = s.wait(|m| m["id"] == json!(id) || (m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2));
    assert_eq!(first["id"], json!(id), "the request waited for the analysis: {first}");
    let published = s.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2);
    assert!(published["params"]["diagnostics"].is_array(), "{published}");
    close(s);
}
