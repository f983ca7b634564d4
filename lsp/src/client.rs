//! A JSON-RPC client of `fabric lsp` over a child process's stdio: the one client the
//! end-to-end tests and the edit-latency benchmark speak to the server with. It is support
//! for tests and benchmarks, so it panics, with what it saw, where a test would fail.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// A running `fabric lsp` and the messages it sent.
pub struct Client {
    /// The server process.
    pub child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Messages seen while waiting for something else (notifications, mostly).
    pub notifications: Vec<Value>,
    /// How long any one answer may take before the client panics.
    pub patience: Duration,
}

impl Client {
    /// Starts `program lsp` with its stdio piped (stderr discarded).
    pub fn start(program: &str, patience: Duration) -> Client {
        let mut child = Command::new(program)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("fabric lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(value) = read_message(&mut reader) {
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, incoming: rx, next_id: 1, notifications: Vec::new(), patience }
    }

    /// Sends one message.
    pub fn send(&mut self, message: &Value) {
        self.send_raw(&serde_json::to_vec(message).expect("JSON"));
    }

    /// Sends `body` framed with its length, whatever it holds (for malformed-input tests).
    pub fn send_raw(&mut self, body: &[u8]) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write");
        self.stdin.write_all(body).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Writes `bytes` to the server as they are, framing and all.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// The next message `wanted` accepts; the others are kept in [`Client::notifications`]
    /// (a request from the server is answered with `null`, never left hanging).
    pub fn wait(&mut self, mut wanted: impl FnMut(&Value) -> bool) -> Value {
        let deadline = Instant::now() + self.patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if wanted(&m) => return m,
                Ok(m) => {
                    if m.get("id").is_some() && m.get("method").is_some() {
                        self.send(&json!({ "jsonrpc": "2.0", "id": m["id"], "result": null }));
                    }
                    self.notifications.push(m);
                }
                Err(RecvTimeoutError::Timeout) => panic!("no answer in {:?}; seen: {:#?}", self.patience, self.notifications),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
            }
        }
    }

    /// The next diagnostics published for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        m["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }
}

/// One framed message from `reader`; `None` at the end of the stream or on a broken frame.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
