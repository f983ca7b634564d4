//! The language server's features on any document and any position: open, edit with an
//! arbitrary range, then diagnostics, hover, completion, definition, references, symbols,
//! semantic tokens, inlay hints, signature help and formatting. None may panic.
#![no_main]

use fabric_lsp::features;
use fabric_lsp::workspace::Workspace;
use libfuzzer_sys::fuzz_target;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, body) = data.split_at(4);
    let text = String::from_utf8_lossy(body).into_owned();
    let dir = std::env::temp_dir().join("fabric-fuzz-lsp");
    let _ = std::fs::create_dir_all(&dir);
    let Some(uri) = Uri::from_file_path(dir.join("doc.fabric")) else { return };
    let mut ws = Workspace::default();
    let Some(key) = ws.open(uri.clone(), text.clone(), 1) else { return };
    let offset = u32::from(head[0]) * text.len() as u32 / 255;
    let line = u32::from(head[1] % 16);
    let character = u32::from(head[2]);
    ws.change(
        &uri,
        2,
        vec![TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(line, character), Position::new(line, character.saturating_add(u32::from(head[3] % 8))))),
            range_length: None,
            text: "x".into(),
        }],
    );
    let _ = features::diagnostics(&mut ws, &key);
    let _ = features::hover(&mut ws, &key, offset);
    let _ = features::completion(&mut ws, &key, offset);
    let _ = features::definition(&mut ws, &key, offset);
    let _ = features::references(&mut ws, &key, offset, true);
    let _ = features::prepare_rename(&mut ws, &key, offset);
    let _ = features::document_symbols(&mut ws, &key);
    let _ = features::semantic_tokens(&mut ws, &key);
    let _ = features::inlay_hints(&mut ws, &key);
    let _ = features::signature_help(&ws, &key, offset);
    let _ = features::formatting(&mut ws, &key);
});
