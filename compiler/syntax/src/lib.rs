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

pub mod ast;
pub mod lexer;
pub mod parser;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::unwrap_used, unused, missing_docs)]
    grammar,
    "/grammar.rs"
);

pub use ast::Span;
pub use parser::{MAX_FILE_BYTES, Parse, SyntaxError, parse, parse_expr};
