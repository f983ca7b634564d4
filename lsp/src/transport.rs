//! The stdio transport around tower-lsp-server, which ends the session at the first message
//! it cannot decode. [`screen`] reads the client's messages and passes on only well-formed
//! JSON-RPC 2.0; it answers the rest itself with the JSON-RPC error (`-32700` parse error,
//! `-32600` invalid request) and recovers its framing after a bad `Content-Length`.
//! [`forward`] copies the server's messages to stdout whole, so the two writers never
//! interleave. What is dropped is logged on stderr.

use serde_json::{Value, json};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The largest message the server reads (a 50 MB document and its JSON escaping fit).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Where whole messages go: stdout, shared by the server's answers and the screen's.
pub type Output = Arc<tokio::sync::Mutex<Box<dyn AsyncWrite + Unpin + Send>>>;

/// Writes one framed message.
async fn send(output: &Output, body: &[u8]) -> bool {
    let mut out = output.lock().await;
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    out.write_all(header.as_bytes()).await.is_ok() && out.write_all(body).await.is_ok() && out.flush().await.is_ok()
}

/// The `Content-Length` of a header line, if it is one; a header that follows the end of a
/// body with no line break (the framing was lost) is found inside the line.
fn content_length(line: &str) -> Option<Option<usize>> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("content-length")?;
    let value = line[at..].split_once(':')?.1.trim();
    Some(value.parse().ok())
}

/// What is wrong with a message, if anything: the JSON-RPC error code, the message, and
/// the id to answer with (null where it cannot be read). `None` for a well-formed request,
/// notification or response.
pub fn invalid(body: &[u8]) -> Option<(i64, String, Value)> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Some((-32700, "Parse error: the message is not JSON".to_string(), Value::Null));
    };
    let Some(object) = v.as_object() else {
        return Some((-32600, "Invalid Request: the message is not a JSON object".to_string(), Value::Null));
    };
    let id = object.get("id");
    // tower-lsp-server's ids are i64: a larger number would end its stream.
    let id_ok = id.is_none_or(|id| id.is_null() || id.is_string() || id.is_i64());
    let answer_id = if id_ok { id.cloned().unwrap_or(Value::Null) } else { Value::Null };
    let problem = if object.get("jsonrpc") != Some(&json!("2.0")) {
        Some("`jsonrpc` must be \"2.0\"")
    } else if !id_ok {
        Some("`id` must be a string, a 64-bit integer or null")
    } else if let Some(method) = object.get("method") {
        if !method.is_string() {
            Some("`method` must be a string")
        } else if object.get("params").is_some_and(|p| !p.is_object() && !p.is_array() && !p.is_null()) {
            Some("`params` must be an object, an array or null")
        } else {
            None
        }
    } else if id.is_none() || object.contains_key("result") == object.contains_key("error") {
        Some("a response needs an `id` and one of `result` and `error`")
    } else {
        None
    };
    problem.map(|p| (-32600, format!("Invalid Request: {p}"), answer_id))
}

/// Passes the client's well-formed messages from `input` to the server (`to_server`),
/// answers malformed ones on `output`, and drops messages over [`MAX_MESSAGE_BYTES`].
pub async fn screen(input: impl AsyncRead + Unpin, mut to_server: impl AsyncWrite + Unpin, output: Output) {
    let mut input = BufReader::new(input);
    loop {
        // Headers: `Name: value` lines up to a blank line. Lines that are not headers (the
        // rest of a body whose length was unreadable) are skipped until a header appears.
        let mut length: Option<Option<usize>> = None;
        let mut headers = 0usize;
        loop {
            // Bytes, not text: a body cut mid-character must not end the session.
            let mut raw = Vec::new();
            match input.read_until(b'\n', &mut raw).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end();
            if line.is_empty() {
                if headers > 0 {
                    break;
                }
                continue;
            }
            if let Some(l) = content_length(line) {
                length = Some(l);
                headers += 1;
            } else if headers > 0 && line.contains(':') {
                headers += 1;
            } else {
                eprintln!("fabric lsp: skipped {} bytes that are not a message header", line.len());
            }
        }
        let Some(Some(length)) = length else {
            eprintln!("fabric lsp: dropped a message without a valid Content-Length");
            continue;
        };
        if length > MAX_MESSAGE_BYTES {
            eprintln!("fabric lsp: dropped a message of {length} bytes (the limit is {MAX_MESSAGE_BYTES})");
            let mut rest = (&mut input).take(length as u64);
            if tokio::io::copy(&mut rest, &mut tokio::io::sink()).await.is_err() {
                return;
            }
            continue;
        }
        let mut body = vec![0u8; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        match invalid(&body) {
            None => {
                let header = format!("Content-Length: {length}\r\n\r\n");
                if to_server.write_all(header.as_bytes()).await.is_err() || to_server.write_all(&body).await.is_err() {
                    return;
                }
            }
            Some((code, message, id)) => {
                eprintln!("fabric lsp: answered a malformed message ({length} bytes): {message}");
                let answer = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
                if !send(&output, answer.to_string().as_bytes()).await {
                    return;
                }
            }
        }
    }
}

/// Copies the server's messages from `server` to `output`, each whole.
pub async fn forward(server: impl AsyncRead + Unpin, output: Output) {
    let mut server = BufReader::new(server);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match server.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(l) = content_length(line) {
                length = l;
            }
        }
        let Some(length) = length else { continue };
        let mut body = vec![0u8; length];
        if server.read_exact(&mut body).await.is_err() || !send(&output, &body).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_messages_pass_and_the_rest_get_their_error() {
        let ok = |s: &str| assert_eq!(invalid(s.as_bytes()), None, "{s}");
        ok(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#);
        ok(r#"{"jsonrpc":"2.0","id":"a","method":"shutdown"}"#);
        ok(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        ok(r#"{"jsonrpc":"2.0","id":3,"result":null}"#);
        let bad = |s: &str, code: i64, id: Value| {
            let (c, _, i) = invalid(s.as_bytes()).unwrap_or_else(|| panic!("{s} passed"));
            assert_eq!((c, i), (code, id), "{s}");
        };
        bad("{ not json", -32700, Value::Null);
        bad("[1, 2]", -32600, Value::Null);
        bad("{}", -32600, Value::Null);
        bad(r#"{"jsonrpc":"1.0","id":5,"method":"x"}"#, -32600, json!(5));
        bad(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#, -32600, Value::Null);
        bad(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#, -32600, Value::Null);
        bad(r#"{"jsonrpc":"2.0","id":7,"method":42}"#, -32600, json!(7));
        bad(r#"{"jsonrpc":"2.0","id":8,"method":"x","params":3}"#, -32600, json!(8));
        bad(r#"{"jsonrpc":"2.0","id":9}"#, -32600, json!(9));
        bad(r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"x"}"#, -32600, Value::Null);
    }

    #[test]
    fn a_header_glued_to_the_end_of_a_body_is_found() {
        assert_eq!(content_length("Content-Length: 52"), Some(Some(52)));
        assert_eq!(content_length(r#"{"x":1}Content-Length: 12"#), Some(Some(12)));
        assert_eq!(content_length("Content-Length: abc"), Some(None));
        assert_eq!(content_length("Content-Type: x"), None);
    }
}
