//! Structured inputs that byte mutation does not reach (issue 23): a spec generated from a
//! few fuzzed parameters, in one of the shapes that once took the compiler cubic time, all
//! its memory or a wait forever: long chains of derived types, thousands of named
//! siblings, huge, tiny and negative numbers in any field, enormous loads, and (on a real
//! file system) imports through symlink loops and FIFOs. Each is checked end to end; a
//! panic is a crash and a slow input a libFuzzer timeout (`-timeout=20`: the instrumented build runs about ten times slower, and the shapes stop at 10,000 types and 20,000 siblings).
#![no_main]

use fabric_core::db::Database;
use fabric_core::load::OsFileSystem;
use fabric_core::source::Limits;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;
use std::path::Path;

/// A number as the fuzzer picks it: ordinary, huge, tiny, negative or zero.
#[derive(Arbitrary, Debug)]
enum Num {
    Small(u16),
    Negative(u16),
    Huge(u8),
    Tiny(u8),
    Fraction(u16, u16),
    Zero,
}

impl Num {
    fn text(&self) -> String {
        match self {
            Num::Small(n) => n.to_string(),
            Num::Negative(n) => format!("-{n}"),
            Num::Huge(e) => format!("1e{}", u32::from(*e) * 2),
            Num::Tiny(e) => format!("1e-{}", u32::from(*e) * 2),
            Num::Fraction(a, b) => format!("{a}.{b}"),
            Num::Zero => "0".to_string(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Shape {
    /// `gpu T1: T0 { }` … `gpu Tn: Tn-1 { }`, optionally closed into a cycle.
    TypeChain { length: u16, cycle: bool },
    /// A rack with `count` individually named nodes, some names repeated.
    Siblings { count: u16, repeat_every: u8 },
    /// A small plant and service whose fields take fuzzed numbers.
    Numbers { values: Vec<Num>, racks: Num, gpus_per_replica: Num, arrival: Num },
    /// Files on disk: an import through a symlink loop, a FIFO, a folder, or a missing file.
    Disk { import: u8, depth: u8 },
}

const FIELDS: &[(&str, &str)] = &[
    ("power_limit", "kW"),
    ("units", "U"),
    ("power", "W"),
    ("memory", "GB"),
    ("nvlink_bw", "Gb/s"),
    ("speed", "Gb/s"),
    ("pue", ""),
    ("prompt", "tok"),
    ("output", "tok"),
];

fn spec(shape: &Shape) -> String {
    let mut s = String::new();
    match shape {
        Shape::TypeChain { length, cycle } => {
            let n = usize::from(*length % 10_000) + 1;
            s.push_str("gpu T0 {\n  memory = 80 GB\n}\n");
            for i in 1..n {
                let _ = writeln!(s, "gpu T{i}: T{} {{ }}", i - 1);
            }
            if *cycle {
                let _ = writeln!(s, "gpu T0x: T{} {{ }}\ngpu T0: T0x {{ }}", n - 1);
            }
        }
        Shape::Siblings { count, repeat_every } => {
            s.push_str("rack R {\n  units = 42 U\n");
            for i in 0..usize::from(*count % 20_000) {
                let name = if *repeat_every > 0 && i % usize::from(*repeat_every) == 0 { 0 } else { i };
                let _ = writeln!(s, "  node n{name} {{ units = 1 U }}");
            }
            s.push_str("}\nsite s { building b { hall h { row r { rack k: R } } } }\n");
        }
        Shape::Numbers { values, racks, gpus_per_replica, arrival } => {
            s.push_str("import std.nvidia.{DGX_H100}\nimport std.models.{Llama_3_1_70B}\n");
            s.push_str("rack R {\n");
            for (i, v) in values.iter().take(FIELDS.len()).enumerate() {
                let (field, unit) = FIELDS[i];
                let _ = writeln!(s, "  {field} = {} {unit}", v.text());
            }
            s.push_str("  node n: DGX_H100\n}\n");
            let _ = writeln!(s, "site s {{ building b {{ hall h {{ row r {{ rack k[1..{}]: R }} }} }} }}", racks.text());
            let _ = writeln!(
                s,
                "inference chat {{\n  model = Llama_3_1_70B\n  precision = fp8\n  placement = s\n  gpus_per_replica = {}\n  replicas = 1\n  load {{\n    arrival = {} req/s\n    prompt = 1000 tok\n    output = 100 tok\n  }}\n  slo {{\n    tpot_p99 <= 100 ms\n  }}\n}}",
                gpus_per_replica.text(),
                arrival.text()
            );
        }
        Shape::Disk { .. } => {}
    }
    s
}

/// Writes the Disk shape's files into `dir` and returns the entry file.
#[cfg(unix)]
fn disk(dir: &Path, import: u8, depth: u8) -> std::path::PathBuf {
    let main = dir.join("main.fabric");
    let target = match import % 4 {
        0 => {
            // A folder that links to itself, `depth` levels down.
            let mut d = dir.join("loop");
            std::fs::create_dir_all(&d).ok();
            std::os::unix::fs::symlink(dir, d.join("again")).ok();
            for _ in 0..depth % 8 {
                d = d.join("again");
            }
            d.join("main")
        }
        1 => {
            let fifo = dir.join("pipe.fabric");
            let path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("no NUL in a temp path");
            // SAFETY: a valid C string; mkfifo only creates the node.
            unsafe { libc_mkfifo(path.as_ptr(), 0o600) };
            dir.join("pipe")
        }
        2 => {
            std::fs::create_dir_all(dir.join("folder.fabric")).ok();
            dir.join("folder")
        }
        _ => dir.join("missing"),
    };
    // A file import names the file by its path (`import "loop/again/main.fabric"`).
    let relative = target.strip_prefix(dir).unwrap_or(&target).to_string_lossy().into_owned();
    std::fs::write(&main, format!("import \"{relative}.fabric\"\n")).ok();
    main
}

#[cfg(unix)]
unsafe extern "C" {
    #[link_name = "mkfifo"]
    fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
}

fuzz_target!(|shape: Shape| {
    let mut database = Database::default();
    let limits = Limits { max_instances: 200_000 };
    #[cfg(unix)]
    if let Shape::Disk { import, depth } = shape {
        let dir = std::env::temp_dir().join(format!("fabric-fuzz-shapes-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).ok();
        let main = disk(&dir, import, depth);
        if let Ok(project) = database.load_project(&main, &OsFileSystem, limits) {
            let _ = fabric_core::pipeline::check(&database, project);
        }
        std::fs::remove_dir_all(&dir).ok();
        return;
    }
    let text = spec(&shape);
    let dir = std::env::temp_dir().join(format!("fabric-fuzz-shapes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok();
    let main = dir.join("main.fabric");
    if std::fs::write(&main, &text).is_err() {
        return;
    }
    if let Ok(project) = database.load_project(&main, &OsFileSystem, limits) {
        let _ = fabric_core::pipeline::check(&database, project);
        let _ = fabric_core::fmt::format(&text);
    }
    std::fs::remove_dir_all(&dir).ok();
});
