//! The Fabric language server. Empty until the language server issue: it will serve the
//! compiler's salsa database over LSP with tower-lsp-server, started by `fabric lsp`.
