//! The Fabric compiler's semantic core: the salsa database, units of measure, name
//! resolution and kinds, elaboration into the plant, and the diagnostics model.
//!
//! ```
//! use fabric_core::{db::Database, pipeline::check, plant::plant, source::Limits};
//! # use fabric_core::load::FileSystem;
//! # struct Mem; impl FileSystem for Mem {
//! #   fn read(&self, _: &std::path::Path) -> std::io::Result<String> {
//! #     Ok("site s { building b { hall h { row r { rack k[1..4]: R } } } }\nrack R { units = 42 U }".into()) }
//! #   fn canonicalize(&self, p: &std::path::Path) -> std::io::Result<std::path::PathBuf> { Ok(p.to_path_buf()) } }
//! let mut db = Database::default();
//! let project = db.load_project("/spec/main.fabric".as_ref(), &Mem, Limits::default()).unwrap();
//! assert!(check(&db, project).is_empty());
//! assert_eq!(plant(&db, project).instances.len(), 8);
//! ```
//!
//! Data flows one way: text → syntax tree ([`fabric_syntax`]) → [`resolve::Program`] →
//! [`plant::Plant`] → [`network::Network`] → [`check::Budgets`] and [`inventory::Inventory`] →
//! diagnostics; each stage's salsa query sits beside it, and [`pipeline`] gates the stages
//! after the plant on the ones before having no errors.

pub mod check;
pub mod cluster;
pub mod db;
pub mod diagnostic;
pub mod fmt;
pub mod inventory;
pub mod load;
pub mod network;
pub mod pipeline;
pub mod plant;
pub mod resolve;
pub mod scenario;
pub mod schema;
pub mod sim_graph;
pub mod sim_workloads;
pub mod source;
pub mod stdlib;
pub mod units;
