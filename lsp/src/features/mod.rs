//! The language features over the compiler's queries: diagnostics, hover, completion,
//! definitions, references, rename, symbols, formatting, inlay hints, code actions,
//! semantic tokens and signature help. Each takes the workspace and a file key, and answers
//! in LSP types; none panics on a half-typed file or an out-of-range position.

mod code_actions;
mod common;
mod completion;
mod definition;
pub mod diagnostics;
mod document_symbols;
mod formatting;
mod hover;
mod inlay_hints;
mod references;
mod rename;
mod semantic_tokens;
mod signature_help;
mod workspace_symbols;

pub use code_actions::code_actions;
pub use common::{Def, def_at};
pub use completion::completion;
pub use definition::definition;
pub use diagnostics::diagnostics;
pub use document_symbols::document_symbols;
pub use formatting::formatting;
pub use hover::hover;
pub use inlay_hints::inlay_hints;
pub use references::references;
pub use rename::{prepare_rename, rename};
pub use semantic_tokens::{TOKEN_TYPES, semantic_tokens};
pub use signature_help::signature_help;
pub use workspace_symbols::workspace_symbols;
