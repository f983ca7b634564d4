//! The Fabric grammar for tree-sitter: [`LANGUAGE`] for a `tree_sitter::Parser`, and the
//! queries editors use ([`HIGHLIGHTS_QUERY`], [`FOLDS_QUERY`], [`INDENTS_QUERY`]).
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&tree_sitter_fabric::LANGUAGE.into()).unwrap();
//! let tree = parser.parse("rack R {\n  units = 48 U\n}\n", None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_fabric() -> *const ();
}

/// The tree-sitter language of Fabric.
// SAFETY: `tree_sitter_fabric` is the generated parser's constructor, which returns a
// pointer to a static `TSLanguage`, as `LanguageFn` requires.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_fabric) };

/// Highlighting (nvim-treesitter capture names).
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

/// Folds.
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

/// Indentation (nvim-treesitter capture names).
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");
