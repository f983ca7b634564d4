//! Network generation: from each `fabric` block, the fat tree's switches placed in racks,
//! every cable with both ends, its length, medium and optics; campus links between
//! buildings; and per-endpoint figures for routing (LANGUAGE.md sections 6 and 7).
//!
//! Everything is stored as arrays of small records linked by index: a cable is two ends
//! (an instance or a generated switch, and a port number), a length, a medium index and a
//! fabric index, so a 100,000-GPU campus needs no string per cable. Names are made only
//! when a diagnostic, report or artifact needs them.
//!
//! The fat-tree arithmetic (k = radix, d = leaf downlinks, u = leaf uplinks):
//! - leaves: per placement group (rack for `top_of_rack`, row for `end_of_row`; and per
//!   rail for `rail_optimized`), ceil(endpoints / d);
//! - 2 tiers: spines S, the fewest with S ≥ leaves × u / k and leaves × ceil(u / S) ≤ k
//!   (each leaf spreads its uplinks round-robin over the spines); buildable while
//!   leaves ≤ k, so at most k × d endpoints (k²/2 at 1:1);
//! - 3 tiers: pods of k/2 leaves, u spines per pod (leaf uplink j to the pod's spine j),
//!   k/2 uplinks per spine to core group j of C cores, the fewest with
//!   pods × ceil((k/2) / C) ≤ k; buildable while pods ≤ k, so at most k × k/2 × d
//!   endpoints (k³/4 at 1:1).

mod build;
mod campus;
mod fat_tree;
mod generator;
mod media;
mod model;
mod names;
mod placement;
pub mod route;

pub use build::{generate, network};
pub use campus::{cable_bps, end_building};
pub use fat_tree::fewest_upper;
pub use media::{STOCKED_LENGTHS_M, stocked_length};
pub use model::*;
pub use names::{cable_labels, end_name, fabric_building, rack_name, switch_name};
