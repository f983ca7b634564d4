//! The Fabric language server: the compiler's salsa database served over LSP with
//! tower-lsp-server, started by `fabric lsp` on stdio.
//!
//! Requests and notifications run concurrently; the state sits behind one mutex that no
//! handler holds across an `.await`, so edits apply in the order they arrive and a request
//! sees a consistent database. Edits set salsa inputs at once; diagnostics are analysed at
//! once on a snapshot of the database, off the lock (requests are answered meanwhile), and
//! a newer edit cancels that analysis (salsa unwinds its queries) and makes its publication
//! stale.
//! A panic in a feature is caught and answered as an internal error: the server keeps
//! serving. Logs go to the client (`window/logMessage`), never to stdout.

pub mod client;
pub mod features;
pub mod position;
pub mod workspace;

use position::Encoding;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};
use workspace::{Workspace, uri_key};

pub use transport::MAX_MESSAGE_BYTES;

/// Serves LSP on stdin and stdout until the client exits.
pub fn run() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let (service, socket) = LspService::new(Backend::new);
        let (reader, writer) = tokio::io::duplex(1 << 16);
        let (server_out, server_out_reader) = tokio::io::duplex(1 << 16);
        let stdout: transport::Output = Arc::new(tokio::sync::Mutex::new(Box::new(tokio::io::stdout())));
        tokio::spawn(transport::screen(tokio::io::stdin(), writer, stdout.clone()));
        let forward = tokio::spawn(transport::forward(server_out_reader, stdout));
        Server::new(reader, server_out, socket).serve(service).await;
        // The server's last answers are still on their way to stdout.
        let _ = forward.await;
    });
    // The stdin reader may sit in a blocking read the runtime cannot cancel: do not wait for it.
    runtime.shutdown_background();
    Ok(())
}

pub mod transport;

/// The server.
pub struct Backend {
    client: Client,
    ws: Arc<Mutex<Workspace>>,
    /// Per document, the newest edit's number: a publication for an older one is stale.
    generations: Arc<Mutex<HashMap<String, u64>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Backend {
    /// A server that talks to `client`.
    pub fn new(client: Client) -> Backend {
        Backend { client, ws: Arc::default(), generations: Arc::default() }
    }

    /// Runs `f` on the workspace; a panic becomes an internal error.
    fn with<T>(&self, f: impl FnOnce(&mut Workspace) -> T) -> Result<T> {
        let mut ws = lock(&self.ws);
        std::panic::catch_unwind(AssertUnwindSafe(|| f(&mut ws))).map_err(|_| {
            let mut e = Error::internal_error();
            e.message = "the Fabric language server failed on this request; it keeps serving".into();
            e
        })
    }

    /// Runs `f` with the file key and byte offset of a position; `None` when the document
    /// is not open.
    fn at<T>(&self, doc: &TextDocumentPositionParams, f: impl FnOnce(&mut Workspace, &str, u32) -> Option<T>) -> Result<Option<T>> {
        let Some(key) = uri_key(&doc.text_document.uri) else { return Ok(None) };
        self.with(|ws| {
            let d = ws.docs.get(&key)?;
            let offset = d.index.offset(&d.text, doc.position);
            f(ws, &key, offset)
        })
    }

    /// Publishes diagnostics for every open document, each analysed on a snapshot off the
    /// workspace lock (requests go on meanwhile). A newer edit cancels it: setting the
    /// database's inputs makes salsa unwind the snapshot's queries, and a publication for
    /// an older edit is dropped as stale.
    fn schedule(&self) {
        let keys: Vec<String> = lock(&self.ws).docs.keys().cloned().collect();
        for key in keys {
            let generation = {
                let mut g = lock(&self.generations);
                let n = g.entry(key.clone()).or_insert(0);
                *n += 1;
                *n
            };
            let (client, ws, generations) = (self.client.clone(), self.ws.clone(), self.generations.clone());
            tokio::spawn(async move {
                let stale = {
                    let key = key.clone();
                    move || lock(&generations).get(&key).copied() != Some(generation)
                };
                // Cancelled without a newer edit of this document (another document's
                // project was loaded meanwhile, which also sets inputs): analyse again.
                for _ in 0..MAX_ANALYSIS_ATTEMPTS {
                    let prepared = {
                        let mut ws = lock(&ws);
                        if stale() {
                            return;
                        }
                        let Some(doc) = ws.docs.get(&key) else { return };
                        let (uri, version) = (doc.uri.clone(), doc.version);
                        let analysis = std::panic::catch_unwind(AssertUnwindSafe(|| features::diagnostics::prepare(&mut ws, &key)));
                        (uri, version, analysis)
                    };
                    let (uri, version, analysis) = prepared;
                    let outcome = match analysis {
                        Ok(Some(analysis)) => {
                            tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(|| analysis.run())))
                                .await
                                .unwrap_or_else(|e| Err(Box::new(e.to_string())))
                        }
                        Ok(None) => Ok(Vec::new()),
                        Err(panic) => Err(panic),
                    };
                    match outcome {
                        Ok(diagnostics) if !stale() => return client.publish_diagnostics(uri, diagnostics, Some(version)).await,
                        Ok(_) => return,
                        Err(payload) if payload.is::<salsa::Cancelled>() => continue,
                        Err(_) => return client.log_message(MessageType::ERROR, format!("checking {} failed", uri.as_str())).await,
                    }
                }
            });
        }
    }
}

/// How often one edit's analysis is started again after being cancelled by something other
/// than a newer edit of its document.
const MAX_ANALYSIS_ATTEMPTS: usize = 8;

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        #[allow(deprecated)] // root_uri is the fallback for clients without workspace folders
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.clone())
            .or(params.root_uri.clone())
            .and_then(|u| u.to_file_path().map(|p| p.into_owned()));
        let text_caps = params.capabilities.text_document.as_ref();
        let markdown_hover = text_caps
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .is_some_and(|f| f.contains(&MarkupKind::Markdown));
        let markdown_completion = text_caps
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.documentation_format.as_ref())
            .is_some_and(|f| f.contains(&MarkupKind::Markdown));
        let stdlib = workspace::write_stdlib().ok();
        {
            let mut ws = lock(&self.ws);
            ws.encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
            ws.root = root;
            ws.stdlib_dir = stdlib.as_ref().map(|f| f.path().to_path_buf());
            ws.stdlib_folder = stdlib;
            ws.markdown_hover = markdown_hover;
            ws.markdown_completion = markdown_completion;
        }
        let legend = SemanticTokensLegend { token_types: features::TOKEN_TYPES.to_vec(), token_modifiers: vec![] };
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 { PositionEncodingKind::UTF8 } else { PositionEncodingKind::UTF16 }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), ":".into(), " ".into()]),
                    ..CompletionOptions::default()
                }),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    ..SignatureHelpOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend,
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: Default::default(),
                })),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo { name: "fabric".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.client.log_message(MessageType::INFO, format!("fabric language server {} ready", env!("CARGO_PKG_VERSION"))).await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let opened = self.with(|ws| ws.open(doc.uri.clone(), doc.text, doc.version)).ok().flatten();
        if opened.is_none() {
            self.client.log_message(MessageType::WARNING, format!("not a file: {}", doc.uri.as_str())).await;
            return;
        }
        self.schedule();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let changed =
            self.with(|ws| ws.change(&params.text_document.uri, params.text_document.version, params.content_changes)).ok().flatten();
        if changed.is_some() {
            self.schedule();
        }
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        self.schedule();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let _ = self.with(|ws| ws.close(&uri));
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
        self.schedule();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let _ = self.with(|ws| {
            for change in &params.changes {
                if let Some(key) = uri_key(&change.uri) {
                    ws.reload(&key);
                }
            }
        });
        self.schedule();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.at(&params.text_document_position_params, |ws, key, offset| {
            let mut hover = features::hover(ws, key, offset)?;
            if !ws.markdown_hover
                && let HoverContents::Markup(m) = &mut hover.contents
            {
                m.kind = MarkupKind::PlainText;
            }
            Some(hover)
        })
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.at(&params.text_document_position, |ws, key, offset| {
            let mut items = features::completion(ws, key, offset);
            if !ws.markdown_completion {
                for item in &mut items {
                    if let Some(Documentation::MarkupContent(m)) = item.documentation.take() {
                        item.documentation = Some(Documentation::String(m.value));
                    }
                }
            }
            Some(CompletionResponse::Array(items))
        })
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        self.at(&params.text_document_position_params, |ws, key, offset| features::signature_help(ws, key, offset))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        self.at(&params.text_document_position_params, |ws, key, offset| {
            features::definition(ws, key, offset).map(GotoDefinitionResponse::Scalar)
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let include = params.context.include_declaration;
        self.at(&params.text_document_position, |ws, key, offset| Some(features::references(ws, key, offset, include)))
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        match self.at(&params, |ws, key, offset| Some(features::prepare_rename(ws, key, offset)))? {
            Some(Ok((range, placeholder))) => Ok(Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder })),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new_name = params.new_name;
        match self.at(&params.text_document_position, |ws, key, offset| Some(features::rename(ws, key, offset, &new_name)))? {
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let Some(key) = uri_key(&params.text_document.uri) else { return Ok(None) };
        self.with(|ws| Some(DocumentSymbolResponse::Nested(features::document_symbols(ws, &key))))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        self.with(|ws| Some(WorkspaceSymbolResponse::Flat(features::workspace_symbols(ws, &params.query))))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(key) = uri_key(&params.text_document.uri) else { return Ok(None) };
        self.with(|ws| features::formatting(ws, &key))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(key) = uri_key(&params.text_document.uri) else { return Ok(None) };
        self.with(|ws| Some(features::inlay_hints(ws, &key)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(key) = uri_key(&uri) else { return Ok(None) };
        self.with(|ws| Some(features::code_actions(ws, &key, &params.context.diagnostics)))
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let Some(key) = uri_key(&params.text_document.uri) else { return Ok(None) };
        self.with(|ws| Some(SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data: features::semantic_tokens(ws, &key) })))
    }
}
