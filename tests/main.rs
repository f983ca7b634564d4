//! The end-to-end tests, one module per subject, built as one test binary.

// Test helpers panic on a broken fixture, like the tests that call them.
#![allow(clippy::unwrap_used)]

mod astra;
mod budgets;
mod cabling;
mod examples;
mod fmt;
mod html;
mod kubernetes;
mod registry;
mod scenarios;
mod sim;
mod slo;
mod slo_validation;
mod tidy;
mod training;
mod training_validation;
mod ui;
