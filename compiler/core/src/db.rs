//! The salsa database: source texts are inputs; parse, resolve, elaborate and check are
//! tracked queries, so a front end that changes one file re-runs only what depends on it.
//!
//! Loading (reading files, following imports, confining them to the project root) happens
//! outside the queries, in [`Database::load_project`], so that queries stay pure.

use crate::check::Budgets;
use crate::diagnostic::Diagnostic;
use crate::network::Network;
use crate::plant::Plant;
use crate::resolve::Program;
use fabric_syntax::ast::{ImportTarget, Member};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// Resolves names, imports, kinds and field values of the whole spec.
#[salsa::tracked]
pub fn program(db: &dyn salsa::Database, project: Project) -> Arc<Program> {
    Arc::new(crate::resolve::resolve(db, project))
}

/// Elaborates the resolved spec into the plant: every instance, placed.
#[salsa::tracked]
pub fn plant(db: &dyn salsa::Database, project: Project) -> Arc<Plant> {
    Arc::new(crate::plant::elaborate(program(db, project).clone(), project.limits(db)))
}

/// Generates the fabrics and campus links of the plant. Empty while earlier stages report
/// errors: a network generated from a broken spec would only add noise.
#[salsa::tracked]
pub fn network(db: &dyn salsa::Database, project: Project) -> Arc<Network> {
    if front_errors(db, project) {
        return Arc::new(Network::default());
    }
    Arc::new(crate::network::generate(plant(db, project)))
}

/// Runs the budget checks (power, latency, capacity, asserts) over the network.
#[salsa::tracked]
pub fn budgets(db: &dyn salsa::Database, project: Project) -> Arc<Budgets> {
    let network = network(db, project);
    if !network_built(db, project) {
        return Arc::new(Budgets::default());
    }
    Arc::new(crate::check::run(plant(db, project), network))
}

/// The devices, racks and locations a DCIM tool sees, with their names and positions.
/// Empty while earlier stages report errors.
#[salsa::tracked]
pub fn inventory(db: &dyn salsa::Database, project: Project) -> Arc<crate::inventory::Inventory> {
    if !network_built(db, project) {
        return Arc::new(crate::inventory::Inventory::default());
    }
    Arc::new(crate::inventory::build(plant(db, project), network(db, project)))
}

/// The Kubernetes view: nodes with hostnames and topology labels, services with their
/// replica shape. Empty while earlier stages report errors.
#[salsa::tracked]
pub fn cluster(db: &dyn salsa::Database, project: Project) -> Arc<crate::cluster::Cluster> {
    if !network_built(db, project) {
        return Arc::new(crate::cluster::Cluster::default());
    }
    Arc::new(crate::cluster::build(plant(db, project), network(db, project), inventory(db, project)))
}

/// The network as simulators see it: vertices, links, NVLink domains and the ASTRA-sim
/// hierarchy. Empty while earlier stages report errors.
#[salsa::tracked]
pub fn sim(db: &dyn salsa::Database, project: Project) -> Arc<crate::sim::SimGraph> {
    if !network_built(db, project) {
        return Arc::new(crate::sim::SimGraph::default());
    }
    Arc::new(crate::sim::build(plant(db, project), network(db, project)))
}

/// Whether the front end found no error and every fabric could be generated: the stages
/// after the network run only then.
fn network_built(db: &dyn salsa::Database, project: Project) -> bool {
    !front_errors(db, project) && !network(db, project).diagnostics.iter().any(|d| d.severity == crate::diagnostic::Severity::Error)
}

/// Whether parsing, resolution or elaboration found an error.
fn front_errors(db: &dyn salsa::Database, project: Project) -> bool {
    let program = program(db, project);
    let is_error = |d: &Diagnostic| d.severity == crate::diagnostic::Severity::Error;
    program.files.iter().any(|&f| !parse_file(db, f).errors.is_empty())
        || program.diagnostics.iter().any(is_error)
        || plant(db, project).diagnostics.iter().any(is_error)
}

/// Every diagnostic of the spec, sorted by file and position.
#[salsa::tracked]
pub fn check(db: &dyn salsa::Database, project: Project) -> Vec<Diagnostic> {
    let program = program(db, project);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for &file in &program.files {
        diagnostics.extend(crate::resolve::syntax_diagnostics(db, file));
    }
    diagnostics.extend(program.diagnostics.iter().cloned());
    diagnostics.extend(plant(db, project).diagnostics.iter().cloned());
    diagnostics.extend(network(db, project).diagnostics.iter().cloned());
    diagnostics.extend(budgets(db, project).diagnostics.iter().cloned());
    diagnostics.extend(inventory(db, project).diagnostics.iter().cloned());
    diagnostics.extend(cluster(db, project).diagnostics.iter().cloned());
    diagnostics.sort_by(|a, b| {
        (a.primary.file.display_path(db), a.primary.span.start, a.code).cmp(&(
            b.primary.file.display_path(db),
            b.primary.span.start,
            b.code,
        ))
    });
    diagnostics.dedup();
    diagnostics
}

/// Reads files for the loader; the real file system or an in-memory one for tests.
pub trait FileSystem {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> std::io::Result<String>;
    /// The path with symlinks resolved.
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf>;
}

/// The operating system's file system.
pub struct OsFileSystem;

impl FileSystem for OsFileSystem {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// The database every front end uses.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    executed: Arc<Mutex<Vec<String>>>,
}

impl Default for Database {
    fn default() -> Self {
        let executed: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = executed.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut log) = sink.lock()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        Database { storage, executed }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

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
    /// The names of the queries executed since the last call (for incrementality tests).
    pub fn take_executed(&self) -> Vec<String> {
        self.executed.lock().map(|mut log| std::mem::take(&mut *log)).unwrap_or_default()
    }

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
