//! Loading a spec: reading files through a [`FileSystem`], following imports breadth first
//! and confining them to the project root, and the keys imports are known by. Loading runs
//! outside the queries, so that the queries stay pure.

use crate::db::Database;
use crate::source::{FileSlot, Limits, MAX_FILES, MAX_IMPORT_DEPTH, Project, SourceFile, parse_file};
use fabric_syntax::ast::{ImportTarget, Member};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Reads at most one byte more than a source file may hold ([`fabric_syntax::MAX_FILE_BYTES`]),
/// so that an endless input (`/dev/zero`, a runaway pipe) ends in E0901 after 16 MiB instead
/// of filling memory; invalid UTF-8 is an error, as `read_to_string`'s.
pub fn read_limited(reader: impl std::io::Read) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(fabric_syntax::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > fabric_syntax::MAX_FILE_BYTES {
        // Too large either way: the parser reports E0901 on the length alone.
        return Ok(String::from_utf8_lossy(&bytes).into_owned() + " ");
    }
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Reads a file with [`read_limited`].
pub fn read_file(path: &Path) -> std::io::Result<String> {
    read_limited(std::fs::File::open(path)?)
}

/// Reads files for the loader; the real file system or an in-memory one for tests.
pub trait FileSystem {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> std::io::Result<String>;
    /// Whether `path` is a regular file (symlinks followed): an import of anything else
    /// (a FIFO, a device, a socket) is refused rather than read, which could block forever.
    fn is_regular_file(&self, path: &Path) -> bool {
        let _ = path;
        true
    }
    /// The path with symlinks resolved.
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf>;
}

/// The operating system's file system.
pub struct OsFileSystem;

impl FileSystem for OsFileSystem {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        read_file(path)
    }
    fn is_regular_file(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.is_file())
    }
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// The real file system with the texts of some files replaced (an editor's open buffers,
/// or a file the command line has read already), keyed by [`file_key`].
pub struct OverlayFileSystem<'a, T: AsRef<str>> {
    /// The replaced texts by file key.
    pub open: &'a BTreeMap<String, T>,
}

impl<T: AsRef<str>> FileSystem for OverlayFileSystem<'_, T> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.open.get(&file_key(path)) {
            Some(text) => Ok(text.as_ref().to_string()),
            None => read_file(path),
        }
    }
    fn is_regular_file(&self, path: &Path) -> bool {
        self.open.contains_key(&file_key(path)) || std::fs::metadata(path).is_ok_and(|m| m.is_file())
    }
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        let key = file_key(path);
        if self.open.contains_key(&key) {
            return Ok(PathBuf::from(key));
        }
        std::fs::canonicalize(path)
    }
}

/// The key the loader gives a file at `path`: its canonical path where it exists, else the
/// path made absolute and normalised.
pub fn file_key(path: &Path) -> String {
    match std::fs::canonicalize(path) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(_) => {
            let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
            normalize(&absolute).to_string_lossy().into_owned()
        }
    }
}

/// Lexically normalises a path: removes `.` and folds `..` (never above the root).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The key of the module an import names: the longest stdlib module in `path`.
pub fn module_key(path: &[String]) -> Option<(String, usize)> {
    (1..=path.len()).rev().map(|n| (path[..n].join("."), n)).find(|(key, _)| crate::stdlib::module(key).is_some())
}

impl Database {
    /// Loads a spec from its entry file and everything it imports.
    /// Errors only when the entry file itself cannot be read.
    pub fn load_project(&mut self, entry: &Path, fs: &dyn FileSystem, limits: Limits) -> std::io::Result<Project> {
        let text = fs.read(entry)?;
        let canonical = fs.canonicalize(entry)?;
        let entry_file = SourceFile::new(self, canonical.to_string_lossy().into_owned(), entry.to_string_lossy().into_owned(), text);
        let project = Project::new(self, entry_file, BTreeMap::new(), limits);
        self.discover(project, fs);
        Ok(project)
    }

    /// Follows the imports of every loaded file and loads what is new; call after edits.
    pub fn discover(&mut self, project: Project, fs: &dyn FileSystem) {
        use salsa::Setter;
        let entry = project.entry(self);
        let root = Path::new(entry.key(self)).parent().map(Path::to_path_buf).unwrap_or_default();
        let canonical_root = fs.canonicalize(&root).unwrap_or_else(|_| root.clone());
        let mut files = project.files(self).clone();
        // Breadth first, so that a file's depth is its shortest import chain.
        let mut queue = std::collections::VecDeque::from([(entry, 0usize)]);
        // The media the fabric generator chooses from by default live in std.optics, which
        // every spec therefore loads (its names are in scope only where imported).
        let prelude = files
            .entry(crate::stdlib::PRELUDE.to_string())
            .or_insert_with(|| {
                let text = crate::stdlib::module(crate::stdlib::PRELUDE).unwrap_or_default().to_string();
                FileSlot::Loaded(SourceFile::new(&*self, crate::stdlib::PRELUDE.to_string(), "<stdlib>/std/optics.fabric".into(), text))
            })
            .clone();
        if let FileSlot::Loaded(f) = prelude {
            queue.push_back((f, 0));
        }
        let mut seen = std::collections::HashSet::new();
        while let Some((file, depth)) = queue.pop_front() {
            if !seen.insert(file) {
                continue;
            }
            let key = PathBuf::from(file.key(self));
            let display = PathBuf::from(file.display_path(self));
            let imports: Vec<ImportTarget> = parse_file(self, file)
                .file
                .members
                .iter()
                .filter_map(|m| match m {
                    Member::Import(import) => Some(import.target.clone()),
                    _ => None,
                })
                .collect();
            for target in imports {
                match target {
                    ImportTarget::Module { path, .. } => {
                        let names: Vec<String> = path.iter().map(|i| i.name.clone()).collect();
                        if let Some((module, _)) = module_key(&names) {
                            let slot = files.entry(module.clone()).or_insert_with(|| {
                                let text = crate::stdlib::module(&module).unwrap_or_default().to_string();
                                let display = format!("<stdlib>/{}.fabric", module.replace('.', "/"));
                                FileSlot::Loaded(SourceFile::new(&*self, module.clone(), display, text))
                            });
                            if let FileSlot::Loaded(f) = slot {
                                queue.push_back((*f, depth + 1));
                            }
                        }
                    }
                    ImportTarget::File { path, .. } => {
                        if !key.is_absolute() {
                            continue; // the stdlib imports no files
                        }
                        let import_key = normalize(&key.parent().unwrap_or(Path::new("")).join(&path));
                        let key_text = import_key.to_string_lossy().into_owned();
                        if let Some(slot) = files.get(&key_text) {
                            if let FileSlot::Loaded(f) = slot {
                                queue.push_back((*f, depth + 1));
                            }
                            continue;
                        }
                        let inside = import_key.starts_with(&root)
                            && fs.canonicalize(&import_key).map_or(true, |real| real.starts_with(&canonical_root));
                        let slot = if !inside {
                            FileSlot::OutsideRoot
                        } else if depth + 1 > MAX_IMPORT_DEPTH {
                            FileSlot::TooDeep
                        } else if files.len() >= MAX_FILES {
                            FileSlot::TooMany
                        } else if let meta = std::fs::metadata(&import_key)
                            && (meta.as_ref().is_ok_and(|m| m.is_dir()) || !fs.is_regular_file(&import_key))
                        {
                            let what = match meta {
                                Ok(m) if m.is_dir() => "it is a folder, not a file",
                                Ok(_) => "it is not a regular file (a FIFO, a device or a socket), which could block the check",
                                Err(e) if e.kind() == std::io::ErrorKind::NotFound => "No such file or directory (os error 2)",
                                Err(_) => "it cannot be read",
                            };
                            FileSlot::Missing(what.to_string())
                        } else {
                            match fs.read(&import_key) {
                                Ok(text) => {
                                    let shown = normalize(&display.parent().unwrap_or(Path::new("")).join(&path));
                                    let f = SourceFile::new(&*self, key_text.clone(), shown.to_string_lossy().into_owned(), text);
                                    queue.push_back((f, depth + 1));
                                    FileSlot::Loaded(f)
                                }
                                Err(e) => FileSlot::Missing(e.to_string()),
                            }
                        };
                        files.insert(key_text, slot);
                    }
                }
            }
        }
        if &files != project.files(self) {
            project.set_files(self).to(files);
        }
    }
}

/// The key of a file imported as `path` from the file with key `from`.
pub fn file_import_key(from: &str, path: &str) -> String {
    let base = std::path::Path::new(from).parent().unwrap_or(std::path::Path::new(""));
    normalize(&base.join(path)).to_string_lossy().into_owned()
}

/// The line where a new `import` goes: after the file's leading blank lines, comments and
/// imports (0-based).
pub fn import_line(text: &str) -> u32 {
    text.lines().take_while(|l| l.trim().is_empty() || l.trim_start().starts_with("//") || l.trim_start().starts_with("import")).count()
        as u32
}

/// The byte offset of [`import_line`]: where an inserted `import` line starts.
pub fn import_offset(text: &str) -> u32 {
    let line = import_line(text) as usize;
    text.split_inclusive('\n').take(line).map(str::len).sum::<usize>() as u32
}
