//! `fabric build`: writes a checked spec's artifact tree into OUT atomically.
//!
//! The tree is written into a fresh folder beside OUT (`.<name>.fabric-build-<pid>`), every
//! file flushed to disk, and only then put in OUT's place: on Linux by an atomic exchange of
//! the two folders (`renameat2(RENAME_EXCHANGE)`), elsewhere by two renames. A build that
//! fails, is interrupted or is killed leaves OUT as it was; a killed build's leftover folder
//! is removed by the next build into the same OUT.
//!
//! Overwrite rules: OUT may be missing, an empty folder, or a folder an earlier build wrote
//! (it holds [`MARKER`] and nothing the marker does not list); any other folder is replaced
//! only with `--force`; a file is never replaced; OUT may not hold, even through symlinks,
//! any file the build read (the spec and every file it imports, resolved).

use fabric_emit::{self as emit, Part};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file that marks a folder as written by `fabric build`, listing the artifacts.
pub const MARKER: &str = ".fabric-build";

/// What to build and where.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The output folder.
    pub out: PathBuf,
    /// The parts to emit (report.json is always written).
    pub parts: Vec<Part>,
    /// Replace a non-empty OUT that no build wrote.
    pub force: bool,
    /// How artifacts are made (the ASTRA-sim workloads' NPU limit).
    pub emit: emit::Options,
}

/// Why a build wrote nothing.
#[derive(Debug)]
pub enum BuildError {
    /// OUT may not be written, with the reason and a hint.
    Refused {
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
    },
    /// Reading or writing failed; OUT is unchanged.
    Io {
        /// What was being done.
        context: String,
        /// The error.
        error: io::Error,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Refused { message, .. } => f.write_str(message),
            BuildError::Io { context, error } => write!(f, "{context}: {error}"),
        }
    }
}

impl std::error::Error for BuildError {}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> BuildError {
    let context = context.into();
    move |error| BuildError::Io { context, error }
}

/// One written artifact.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Written {
    /// Its path relative to OUT.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Lexically normalised absolute form of `path` (no symlinks resolved, `..` applied).
fn absolute(path: &Path) -> io::Result<PathBuf> {
    let joined = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    Ok(fabric_core::load::normalize(&joined))
}

/// Checks the overwrite rules for OUT, given the spec's entry file and every file the build
/// read (paths as loaded; each is resolved through symlinks before the comparison).
pub fn check_out(spec: &Path, read: &[PathBuf], options: &BuildOptions) -> Result<PathBuf, BuildError> {
    let out = absolute(&options.out).map_err(io_err("cannot resolve the output folder"))?;
    if out.file_name().is_none() {
        return Err(BuildError::Refused {
            message: format!("`{}` cannot be an output folder", options.out.display()),
            help: "name a folder of its own, for example `-o out`".into(),
        });
    }
    let real_out = fs::canonicalize(&out).unwrap_or_else(|_| out.clone());
    // The spec's folder as given and as resolved, and every file read, resolved: a
    // symlinked spec or import must not lead the build to replace the folder it lives in.
    let spec_dir = spec.parent().map(Path::to_path_buf).unwrap_or_default();
    let spec_dir = fs::canonicalize(if spec_dir.as_os_str().is_empty() { Path::new(".") } else { &spec_dir })
        .map_err(io_err(format!("cannot resolve the folder of `{}`", spec.display())))?;
    let mut guarded: Vec<(PathBuf, String)> = vec![(spec_dir, "holds the spec itself".to_string())];
    for file in std::iter::once(spec).chain(read.iter().map(PathBuf::as_path)) {
        if let Ok(real) = fs::canonicalize(file) {
            guarded.push((real, format!("holds `{}`, which the build reads", file.display())));
        }
    }
    // (A file given as OUT is refused below as not a folder.)
    if let Some((_, why)) = guarded.iter().find(|(p, _)| !out.is_file() && (p.starts_with(&real_out) || p.starts_with(&out))) {
        return Err(BuildError::Refused {
            message: format!("`{}` {why}; a build replaces its whole output folder", options.out.display()),
            help: "write the artifacts to a folder of their own, for example `-o out`".into(),
        });
    }
    match fs::symlink_metadata(&out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(format!("cannot read `{}`", options.out.display()))(e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(BuildError::Refused {
                message: format!("`{}` exists and is not a folder", options.out.display()),
                help: "remove it, or name another output folder".into(),
            });
        }
        Ok(_) => {
            let mut entries = fs::read_dir(&out).map_err(io_err(format!("cannot read `{}`", options.out.display())))?;
            let empty = entries.next().is_none();
            if !empty && !out.join(MARKER).is_file() && !options.force {
                return Err(BuildError::Refused {
                    message: format!("`{}` is not empty and was not written by `fabric build`", options.out.display()),
                    help: "pass --force to replace it, or name another output folder".into(),
                });
            }
            if !empty
                && !options.force
                && let Some(extra) = unlisted(&out)
            {
                return Err(BuildError::Refused {
                    message: format!(
                        "`{}` holds `{}`, which no build wrote (its {MARKER} does not list it)",
                        options.out.display(),
                        extra.display()
                    ),
                    help: "move that file out, pass --force to replace the folder anyway, or name another output folder".into(),
                });
            }
        }
    }
    Ok(out)
}

/// The first file under `out` (a build's output) that its marker does not list, if any: a
/// folder is replaced without `--force` only when it holds exactly what a build wrote.
fn unlisted(out: &Path) -> Option<PathBuf> {
    let marker = fs::read_to_string(out.join(MARKER)).ok()?;
    let mut lines = marker.lines();
    if lines.next() != Some("fabric-build/1") {
        return Some(PathBuf::from(MARKER));
    }
    let listed: std::collections::BTreeSet<&str> = lines.collect();
    let mut stack = vec![PathBuf::new()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(out.join(&dir)) else { return Some(dir) };
        for entry in entries.flatten() {
            let rel = dir.join(entry.file_name());
            let Ok(kind) = entry.file_type() else { return Some(rel) };
            if kind.is_dir() {
                stack.push(rel);
            } else if rel.as_os_str() != MARKER && !listed.contains(rel.to_string_lossy().as_ref()) {
                return Some(rel);
            }
        }
    }
    None
}

/// Removes folders that killed builds into `out` left behind (their process is gone).
fn sweep_leftovers(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(prefix).and_then(|p| p.split('-').next()).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = if cfg!(target_os = "linux") { Path::new(&format!("/proc/{pid}")).exists() } else { true };
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The staging folder, removed when the build ends: after a failure it holds the partial
/// tree, after an exchange the previous one, after a plain rename nothing.
struct Staging {
    path: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Memory a build takes per plant instance, as measured (docs/reliability.md): 1,000,000
/// instances (100,000 DGX H100 racks) build with 914 MB peak.
pub const BUILD_BYTES_PER_INSTANCE: u64 = 1_000;

/// Memory a build takes per generated cable, as measured: the 131,072-GPU campus (about
/// 300,000 instances and 1.6 million cables) builds with 846 MiB peak.
pub const BUILD_BYTES_PER_CABLE: u64 = 400;

/// The address space a build needs beyond its resident peak (thread stacks, allocator
/// arenas, mapped files): a build is refused where its estimate times this exceeds the
/// process's address-space limit.
pub const ADDRESS_SPACE_FACTOR: u64 = 2;

/// The memory a build of `checked` is estimated to take at its peak, bytes.
pub fn memory_needed(checked: &crate::Checked) -> u64 {
    let plant = fabric_core::plant::plant(&checked.db, checked.project);
    let network = fabric_core::pipeline::network(&checked.db, checked.project);
    100_000_000 + plant.instances.len() as u64 * BUILD_BYTES_PER_INSTANCE + network.cables.len() as u64 * BUILD_BYTES_PER_CABLE
}

/// The process's address-space limit (`ulimit -v`), where one is set.
pub fn address_space_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::As).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Why a build of `checked` would not fit this process's memory, if it would not: the
/// allocator aborts a process that runs out of address space, so a build that cannot fit is
/// refused before it starts.
pub fn memory_problem(checked: &crate::Checked) -> Option<(u64, u64)> {
    let limit = address_space_limit()?;
    let needed = memory_needed(checked);
    (needed.saturating_mul(ADDRESS_SPACE_FACTOR) > limit).then_some((needed, limit))
}

/// Writes the artifacts of a checked spec into OUT atomically. `progress` is called before
/// each artifact with its path (from the writer threads); returning an error stops the
/// build and leaves OUT unchanged. Artifacts are written by one thread per core (at most
/// four), each with its own handle on the database, whose queries were all computed by
/// the check: the files are independent, and each is the same bytes whatever thread
/// writes it.
pub fn build(
    checked: &crate::Checked,
    spec: &Path,
    options: &BuildOptions,
    progress: &(dyn Fn(&str) -> io::Result<()> + Sync),
) -> Result<Vec<Written>, BuildError> {
    let read: Vec<PathBuf> = checked.project.files(&checked.db).keys().filter(|k| !k.starts_with("std.")).map(PathBuf::from).collect();
    let out = check_out(spec, &read, options)?;
    let parent = out.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    fs::create_dir_all(&parent).map_err(io_err(format!("cannot create `{}`", parent.display())))?;
    let prefix = format!(".{name}.fabric-build-");
    sweep_leftovers(&parent, &prefix);
    // A name taken by another build is tried again with the next number; any other error
    // (a read-only file system, no permission) is the answer at once.
    let mut staging_path = None;
    for n in 0..100u32 {
        let candidate = parent.join(format!("{prefix}{}-{n}", std::process::id()));
        match fs::create_dir(&candidate) {
            Ok(()) => {
                staging_path = Some(candidate);
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(BuildError::Io { context: format!("cannot create a staging folder in `{}`", parent.display()), error });
            }
        }
    }
    let staging_path = staging_path.ok_or_else(|| BuildError::Io {
        context: format!("cannot create a staging folder in `{}`", parent.display()),
        error: io::Error::other("100 names are taken by other builds"),
    })?;
    let staging = Staging { path: staging_path };
    let artifacts = emit::artifacts_with(&checked.db, checked.project, &options.parts, &options.emit);
    // The queries every emitter reads, computed once here rather than raced for.
    let _ = (fabric_core::pipeline::inventory(&checked.db, checked.project), fabric_core::pipeline::cluster(&checked.db, checked.project));
    if options.parts.contains(&emit::Part::Sim) {
        let _ = fabric_core::pipeline::sim_graph(&checked.db, checked.project);
        let _ = fabric_core::sim_workloads::workloads(&checked.db, checked.project, options.emit.astra_max_npus);
    }
    let results: Vec<std::sync::Mutex<Option<Result<u64, BuildError>>>> = artifacts.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let project = checked.project;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let db = checked.db.clone();
            let (artifacts, results, next, failed, staging) = (&artifacts, &results, &next, &failed, &staging);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= artifacts.len() || failed.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    let artifact = artifacts[i].as_str();
                    let outcome = progress(artifact).map_err(io_err("build stopped")).and_then(|()| {
                        let path = staging.path.join(artifact);
                        if let Some(dir) = path.parent() {
                            fs::create_dir_all(dir).map_err(io_err(format!("cannot create `{}`", dir.display())))?;
                        }
                        let mut file = fs::File::create(&path).map_err(io_err(format!("cannot create `{}`", path.display())))?;
                        emit::write_with(&db, project, artifact, &options.emit, &mut file)
                            .map_err(io_err(format!("cannot write `{artifact}`")))?;
                        #[cfg(unix)]
                        if artifact.ends_with(".sh") {
                            use std::os::unix::fs::PermissionsExt;
                            file.set_permissions(fs::Permissions::from_mode(0o755))
                                .map_err(io_err(format!("cannot write `{artifact}`")))?;
                        }
                        file.sync_all().map_err(io_err(format!("cannot write `{artifact}`")))?;
                        Ok(file.metadata().map(|m| m.len()).unwrap_or(0))
                    });
                    if outcome.is_err() {
                        failed.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    let mut written = Vec::new();
    for (artifact, slot) in artifacts.iter().zip(results) {
        match slot.into_inner().ok().flatten() {
            Some(Ok(bytes)) => written.push(Written { path: artifact.clone(), bytes }),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(BuildError::Io { context: format!("cannot write `{artifact}`"), error: io::Error::other("not written") });
            }
        }
    }
    let mut marker = fs::File::create(staging.path.join(MARKER)).map_err(io_err("cannot write the build marker"))?;
    let mut text = String::from("fabric-build/1\n");
    for w in &written {
        text.push_str(&w.path);
        text.push('\n');
    }
    marker.write_all(text.as_bytes()).and_then(|()| marker.sync_all()).map_err(io_err("cannot write the build marker"))?;
    progress("").map_err(io_err("build stopped"))?;
    replace(&staging.path, &out).map_err(io_err(format!("cannot move the new artifacts into `{}`", options.out.display())))?;
    Ok(written)
}

/// Puts `new` in `out`'s place; afterwards `new` is gone or holds the previous `out`.
fn replace(new: &Path, out: &Path) -> io::Result<()> {
    if !out.exists() {
        return fs::rename(new, out);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // Filesystems without RENAME_EXCHANGE fall back to two renames.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let old = new.with_extension("old");
    fs::rename(out, &old)?;
    if let Err(e) = fs::rename(new, out) {
        let _ = fs::rename(&old, out);
        return Err(e);
    }
    // `new` now names nothing; hand the previous tree to the caller's clean-up.
    fs::rename(&old, new)
}
