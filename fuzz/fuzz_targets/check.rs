//! The whole pipeline on one in-memory file: resolve, elaborate, generate the network, run
//! every check, and, when the spec has no errors, write every artifact into a sink.
#![no_main]

use fabric_core::db::Database;
use fabric_core::load::FileSystem;
use fabric_core::source::Limits;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};

struct One(String);

impl FileSystem for One {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        if path == Path::new("/spec/main.fabric") { Ok(self.0.clone()) } else { Err(std::io::ErrorKind::NotFound.into()) }
    }
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        Ok(path.to_path_buf())
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut database = Database::default();
    // Small instance limit: the fuzzer looks for crashes, not for large campuses.
    let limits = Limits { max_instances: 20_000 };
    let Ok(project) = database.load_project(Path::new("/spec/main.fabric"), &One(text), limits) else { return };
    let diagnostics = fabric_core::pipeline::check(&database, project);
    if diagnostics.iter().all(|d| d.severity != fabric_core::diagnostic::Severity::Error) {
        for file in fabric_emit::artifacts(&database, project, fabric_emit::Part::ALL) {
            fabric_emit::write(&database, project, &file, &mut std::io::sink()).expect("writing to a sink cannot fail");
        }
    }
});
