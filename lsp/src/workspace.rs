//! What the server knows: the open documents (which override the files on disk), one salsa
//! project per open document with that document as its entry, and the workspace folder
//! whose `.fabric` files references and rename search. Every project shares one database,
//! and one `SourceFile` input per file key, so an edit sets one input and every project
//! that reaches the file re-runs only the queries that read it.

use crate::position::{Encoding, LineIndex};
use fabric_core::db::Database;
use fabric_core::source::FileSlot;
use fabric_core::source::Limits;
use fabric_core::source::Project;
use fabric_core::source::SourceFile;
use salsa::Setter;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

/// Most `.fabric` files of the workspace folder loaded for references and rename.
const MAX_WORKSPACE_FILES: usize = 2_000;

/// The most folders a workspace walk opens (a workspace at `/` would otherwise walk the
/// whole machine, /proc included).
const MAX_WORKSPACE_DIRS: usize = 10_000;

/// The `.fabric` files under `root`, in a bounded walk: each folder is entered once by its
/// real path (a symlink back to an ancestor is not followed again), hidden folders,
/// `target` and `node_modules` are skipped, and the walk stops at [`MAX_WORKSPACE_FILES`]
/// files or [`MAX_WORKSPACE_DIRS`] folders.
pub fn workspace_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    let mut opened = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(real) = std::fs::canonicalize(&dir) else { continue };
        if !seen.insert(real) {
            continue;
        }
        opened += 1;
        if opened > MAX_WORKSPACE_DIRS {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        // Depth first in name order: push in reverse so the first name is walked first.
        let mut subdirs = Vec::new();
        for path in entries {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                subdirs.push(path);
            } else if name.ends_with(".fabric") && path.metadata().is_ok_and(|m| m.is_file()) {
                // Regular files only: opening a FIFO would block the server.
                if files.len() >= MAX_WORKSPACE_FILES {
                    return files;
                }
                files.push(path);
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    files
}

/// One open document.
#[derive(Clone, Debug)]
pub struct Doc {
    /// Its URI as the client sent it.
    pub uri: Uri,
    /// Its text.
    pub text: String,
    /// The client's version.
    pub version: i32,
    /// Line starts, for positions.
    pub index: LineIndex,
}

impl AsRef<str> for Doc {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// The server's state.
pub struct Workspace {
    /// The compiler's database.
    pub db: Database,
    /// Open documents by file key.
    pub docs: BTreeMap<String, Doc>,
    /// Projects by entry file key.
    projects: BTreeMap<String, Project>,
    /// The workspace folder, if the client named one.
    pub root: Option<PathBuf>,
    /// The position encoding agreed with the client.
    pub encoding: Encoding,
    /// Where the stdlib is written as readable files, for go-to-definition.
    pub stdlib_dir: Option<PathBuf>,
    /// The private folder that holds them, removed when the server ends.
    pub stdlib_folder: Option<tempfile::TempDir>,
    /// Whether the client renders Markdown in hovers.
    pub markdown_hover: bool,
    /// Whether the client renders Markdown in completion documentation.
    pub markdown_completion: bool,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            db: Database::default(),
            docs: BTreeMap::new(),
            projects: BTreeMap::new(),
            root: None,
            encoding: Encoding::Utf16,
            stdlib_dir: None,
            stdlib_folder: None,
            markdown_hover: false,
            markdown_completion: false,
        }
    }
}

/// The key the compiler gives a file at `path` (see [`fabric_core::load::file_key`]).
pub fn key_of(path: &Path) -> String {
    fabric_core::load::file_key(path)
}

/// The file key of a URI; `None` for a URI that is not a file.
pub fn uri_key(uri: &Uri) -> Option<String> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| key_of(&p))
}

impl Workspace {
    /// Opens a document and loads its project.
    pub fn open(&mut self, uri: Uri, text: String, version: i32) -> Option<String> {
        let key = uri_key(&uri)?;
        let index = LineIndex::new(&text, self.encoding);
        self.docs.insert(key.clone(), Doc { uri, text: text.clone(), version, index });
        self.sync(&key, &text);
        self.project(&key);
        Some(key)
    }

    /// Applies a client's changes, in order; stale versions are dropped. Returns the key
    /// when the document changed.
    pub fn change(&mut self, uri: &Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Option<String> {
        let key = uri_key(uri)?;
        let doc = self.docs.get_mut(&key)?;
        if version <= doc.version {
            return None;
        }
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = doc.index.offset(&doc.text, range.start) as usize;
                    let end = (doc.index.offset(&doc.text, range.end) as usize).max(start);
                    doc.text.replace_range(start..end, &change.text);
                }
                None => doc.text = change.text,
            }
            doc.index = LineIndex::new(&doc.text, self.encoding);
        }
        doc.version = version;
        let text = doc.text.clone();
        self.sync(&key, &text);
        Some(key)
    }

    /// Closes a document: the file on disk counts again.
    pub fn close(&mut self, uri: &Uri) {
        let Some(key) = uri_key(uri) else { return };
        self.docs.remove(&key);
        self.projects.remove(&key);
        if let Ok(text) = std::fs::read_to_string(&key) {
            self.sync(&key, &text);
        }
    }

    /// Re-reads a file that changed on disk and is not open.
    pub fn reload(&mut self, key: &str) {
        if self.docs.contains_key(key) {
            return;
        }
        if let Ok(text) = std::fs::read_to_string(key) {
            self.sync(key, &text);
        }
    }

    /// Sets the text of every input that holds file `key`.
    fn sync(&mut self, key: &str, text: &str) {
        let mut files: Vec<SourceFile> = Vec::new();
        for &project in self.projects.values() {
            let entry = project.entry(&self.db);
            if entry.key(&self.db) == key {
                files.push(entry);
            }
            if let Some(FileSlot::Loaded(f)) = project.files(&self.db).get(key) {
                files.push(*f);
            }
        }
        files.dedup();
        for f in files {
            if f.text(&self.db) != text {
                f.set_text(&mut self.db).to(text.to_string());
            }
        }
    }

    /// The project whose entry is file `key`, loaded or brought up to date (new imports).
    pub fn project(&mut self, key: &str) -> Option<Project> {
        let fs = fabric_core::load::OverlayFileSystem { open: &self.docs };
        if let Some(&project) = self.projects.get(key) {
            self.db.discover(project, &fs);
            return Some(project);
        }
        let project = self.db.load_project(Path::new(key), &fs, Limits::default()).ok()?;
        self.projects.insert(key.to_string(), project);
        Some(project)
    }

    /// The input holding file `key` in `project`.
    pub fn file(&self, project: Project, key: &str) -> Option<SourceFile> {
        let entry = project.entry(&self.db);
        if entry.key(&self.db) == key {
            return Some(entry);
        }
        match project.files(&self.db).get(key) {
            Some(FileSlot::Loaded(f)) => Some(*f),
            _ => None,
        }
    }

    /// Every project a workspace-wide search covers: each open document's, and one per
    /// `.fabric` file under the workspace folder (bounded: [`workspace_files`]).
    pub fn all_projects(&mut self) -> Vec<Project> {
        let mut keys: Vec<String> = self.docs.keys().cloned().collect();
        if let Some(root) = self.root.clone() {
            keys.extend(workspace_files(&root).iter().map(|p| key_of(p)));
        }
        keys.sort();
        keys.dedup();
        keys.iter().filter_map(|k| self.project(k)).collect()
    }

    /// The URI of a file key: the open document's, a `file:` URI for files on disk, and
    /// the readable copy of a stdlib module.
    pub fn uri_of(&self, file: SourceFile) -> Option<Uri> {
        let key = file.key(&self.db);
        uri_for(key, self.docs.get(key.as_str()).map(|d| &d.uri), self.stdlib_dir.as_deref())
    }

    /// The line index of a file: the open document's, or one made from the input's text.
    pub fn index_of(&self, file: SourceFile) -> LineIndex {
        match self.docs.get(file.key(&self.db).as_str()) {
            Some(doc) => doc.index.clone(),
            None => LineIndex::new(file.text(&self.db), self.encoding),
        }
    }

    /// What an analysis needs to run without the workspace: a handle on the database and
    /// the open documents' URIs and line indexes. An edit to the workspace cancels the
    /// handle's running queries (salsa), so a stale analysis ends at its next query.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            db: self.db.clone(),
            docs: self.docs.iter().map(|(k, d)| (k.clone(), (d.uri.clone(), d.index.clone()))).collect(),
            stdlib_dir: self.stdlib_dir.clone(),
            encoding: self.encoding,
        }
    }
}

/// A file key's URI: the open document's, the readable copy of a stdlib module, or a
/// `file:` URI.
fn uri_for(key: &str, open: Option<&Uri>, stdlib_dir: Option<&Path>) -> Option<Uri> {
    if let Some(uri) = open {
        return Some(uri.clone());
    }
    if key.starts_with("std.") {
        return Uri::from_file_path(stdlib_dir?.join(format!("{}.fabric", key.replace('.', "/"))));
    }
    Uri::from_file_path(key)
}

/// The workspace as one analysis sees it, off the workspace lock ([`Workspace::snapshot`]).
pub struct Snapshot {
    /// A handle on the compiler's database.
    pub db: Database,
    docs: BTreeMap<String, (Uri, LineIndex)>,
    stdlib_dir: Option<PathBuf>,
    encoding: Encoding,
}

impl Snapshot {
    /// As [`Workspace::uri_of`].
    pub fn uri_of(&self, file: SourceFile) -> Option<Uri> {
        let key = file.key(&self.db);
        uri_for(key, self.docs.get(key.as_str()).map(|d| &d.0), self.stdlib_dir.as_deref())
    }

    /// As [`Workspace::index_of`].
    pub fn index_of(&self, file: SourceFile) -> LineIndex {
        match self.docs.get(file.key(&self.db).as_str()) {
            Some((_, index)) => index.clone(),
            None => LineIndex::new(file.text(&self.db), self.encoding),
        }
    }
}

/// Writes the stdlib modules as files (`std/nvidia.fabric`, …) so that editors can open
/// what go-to-definition points at, in a folder made for this server alone: created with a
/// name no one can predict, readable by its user only, and each file created new (never
/// through a symlink or over a file someone planted). Returns the folder, removed on drop.
pub fn write_stdlib() -> std::io::Result<tempfile::TempDir> {
    use std::io::Write;
    let mut builder = tempfile::Builder::new();
    builder.prefix("fabric-stdlib-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let folder = builder.tempdir()?;
    for (module, text) in fabric_core::stdlib::MODULES {
        let path = folder.path().join(format!("{}.fabric", module.replace('.', "/")));
        if let Some(parent) = path.parent() {
            std::fs::DirBuilder::new().recursive(true).create(parent)?;
        }
        std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?.write_all(text.as_bytes())?;
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Symlinks back to the workspace and to its parent are entered once each by their real
    /// path: the walk ends, lists each file once, and skips what is not a regular file.
    #[cfg(unix)]
    #[test]
    fn a_workspace_walk_follows_no_symlink_loop() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/spec.fabric"), "").unwrap();
        for (i, target) in [".", "..", "a", "a/b"].iter().enumerate() {
            std::os::unix::fs::symlink(root.join(target), root.join(format!("loop{i}"))).unwrap();
            std::os::unix::fs::symlink(root.join(target), root.join(format!("a/b/loop{i}"))).unwrap();
        }
        // A FIFO named like a spec is not listed: loading it would block the server.
        let fifo = std::process::Command::new("mkfifo").arg(root.join("a/pipe.fabric")).status();
        assert!(fifo.is_ok_and(|s| s.success()), "mkfifo runs");
        let files = workspace_files(&root);
        assert!(!files.iter().any(|f| f.ends_with("pipe.fabric")), "{files:?}");
        let real: std::collections::BTreeSet<_> = files.iter().map(|f| std::fs::canonicalize(f).unwrap()).collect();
        assert_eq!(real.len(), 1, "{files:?}");
        assert!(files.len() <= 2, "each folder once: {files:?}");
    }
}
