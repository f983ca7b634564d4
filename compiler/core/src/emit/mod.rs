//! Artifacts emitted from the checked model. Emitters read the figures the checks
//! computed and never re-derive them.

pub mod report;
