//! The compiler's inputs, at the bottom of every layer: source files, the project that
//! groups them, the limits on a spec's work, and the parse query. Nothing here depends on
//! anything above fabric-syntax.

pub use inputs::{Project, SourceFile};

/// The salsa inputs; the accessors salsa generates are documented on the fields.
mod inputs {
    #![allow(missing_docs)]
    use super::{FileSlot, Limits};
    use std::collections::BTreeMap;

    /// One source file: its key (normalised absolute path, or `std.<module>`), the path shown
    /// to users, and its text.
    #[salsa::input(debug)]
    pub struct SourceFile {
        /// Identity for import resolution: a normalised absolute path, or `std.nvidia`.
        #[returns(ref)]
        pub key: String,
        /// The path shown in diagnostics.
        #[returns(ref)]
        pub display_path: String,
        /// The file's text.
        #[returns(ref)]
        pub text: String,
    }

    /// A spec: its entry file, every file loaded for it by key, and its limits.
    #[salsa::input(debug)]
    pub struct Project {
        /// The file given on the command line or opened in the editor.
        #[returns(copy)]
        pub entry: SourceFile,
        /// Every file reached through imports, by key.
        #[returns(ref)]
        pub files: BTreeMap<String, FileSlot>,
        /// Limits.
        #[returns(copy)]
        pub limits: Limits,
    }
}

/// What loading an imported file gave.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FileSlot {
    /// The file, read.
    Loaded(SourceFile),
    /// It could not be read; the reason.
    Missing(String),
    /// It lies outside the project root (directly or through a symlink).
    OutsideRoot,
    /// It would be imported more than [`MAX_IMPORT_DEPTH`] files deep.
    TooDeep,
    /// The spec already has [`MAX_FILES`] files.
    TooMany,
}

/// The longest chain of file imports from the entry file (E0905).
pub const MAX_IMPORT_DEPTH: usize = 64;

/// The most files one spec may load, the stdlib's included (E0906).
pub const MAX_FILES: usize = 1000;

/// Limits on the work a spec may ask for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Limits {
    /// Most instances elaboration may create (LANGUAGE.md: default 10 million).
    pub max_instances: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_instances: 10_000_000 }
    }
}

/// Parses one file.
#[salsa::tracked]
pub fn parse_file(db: &dyn salsa::Database, file: SourceFile) -> fabric_syntax::Parse {
    fabric_syntax::parse(file.text(db))
}
