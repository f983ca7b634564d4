//! Syntax of the Fabric language: the logos lexer, the lalrpop parser with error recovery,
//! and the syntax tree with a span on every node.
//!
//! ```
//! let parse = fabric_syntax::parse("rack NetworkRack { units = 48 U }");
//! assert!(parse.errors.is_empty());
//! assert_eq!(parse.file.members.len(), 1);
//! ```
//!
//! Parsing never fails: a broken file yields a tree of everything that could be read plus
//! one [`SyntaxError`] per problem, which the language server relies on.

mod actions;
pub mod ast;
pub mod error;
pub mod lexer;
pub mod parser;

// Generated from grammar.lalrpop by scripts/gen-parser and committed, so that lalrpop and
// its dependencies are not built with every build; a test checks it matches the grammar.
#[rustfmt::skip]
#[allow(clippy::all, clippy::unwrap_used, unused, missing_docs)]
mod grammar;

pub use ast::Span;
pub use error::{Parse, SyntaxError, SyntaxErrorKind};
pub use parser::{MAX_EXPRESSION_DEPTH, MAX_FILE_BYTES, MAX_NESTING, parse, parse_expr};
