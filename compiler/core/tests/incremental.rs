//! Salsa as the backbone: editing one file of a multi-file spec re-runs only the queries
//! that depend on it.

use fabric_core::db::Database;
use fabric_core::load::FileSystem;
use fabric_core::pipeline::check;
use fabric_core::plant::plant;
use fabric_core::source::Limits;
use fabric_core::source::parse_file;
use salsa::Setter;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

struct MemoryFs(HashMap<PathBuf, String>);

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.0.get(path).cloned().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        Ok(path.to_path_buf())
    }
}

fn spec() -> MemoryFs {
    let mut files = HashMap::new();
    files.insert(
        PathBuf::from("/spec/main.fabric"),
        "import \"racks.fabric\"\nimport \"halls.fabric\"\nsite campus { building b1 { hall h1: GpuHall } }\n".to_string(),
    );
    files.insert(PathBuf::from("/spec/racks.fabric"), "rack GpuRack { units = 42 U\n power_limit = 40 kW }\n".to_string());
    files.insert(
        PathBuf::from("/spec/halls.fabric"),
        "import \"racks.fabric\"\nhall GpuHall { row r[1..2] { rack k[1..4]: GpuRack } }\n".to_string(),
    );
    MemoryFs(files)
}

#[test]
fn editing_one_file_reruns_only_what_depends_on_it() {
    let fs = spec();
    let mut db = Database::default();
    let project = db.load_project(Path::new("/spec/main.fabric"), &fs, Limits::default()).unwrap();
    assert!(check(&db, project).is_empty());
    assert_eq!(plant(&db, project).instances.len(), 1 + 1 + 1 + 2 + 8);
    let first = db.take_executed();
    // The three files and std.optics, which every spec loads for the fabric generator.
    assert_eq!(first.iter().filter(|q| q.starts_with("parse_file")).count(), 4, "{first:?}");

    // Nothing changed: nothing runs again.
    assert!(check(&db, project).is_empty());
    assert_eq!(db.take_executed(), Vec::<String>::new());

    // Edit racks.fabric only.
    let files = project.files(&db).clone();
    let racks = files
        .values()
        .find_map(|slot| match slot {
            fabric_core::source::FileSlot::Loaded(f) if f.key(&db).ends_with("racks.fabric") => Some(*f),
            _ => None,
        })
        .unwrap();
    racks.set_text(&mut db).to("rack GpuRack { units = 48 U\n power_limit = 40 ms }\n".to_string());
    let diagnostics = check(&db, project).clone();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code.as_str(), "E0302");
    let rerun = db.take_executed();
    let parsed: Vec<&String> = rerun.iter().filter(|q| q.starts_with("parse_file")).collect();
    assert_eq!(parsed.len(), 1, "only racks.fabric is parsed again: {rerun:?}");
    assert!(parsed[0].contains(&format!("{:?}", salsa::plumbing::AsId::as_id(&racks))), "{rerun:?}");
    assert!(rerun.iter().any(|q| q.starts_with("program")), "{rerun:?}");

    // The other files' parses are still cached: asking for them runs nothing.
    for slot in files.values() {
        if let fabric_core::source::FileSlot::Loaded(f) = slot {
            let _ = parse_file(&db, *f);
        }
    }
    assert_eq!(db.take_executed(), Vec::<String>::new());
}
