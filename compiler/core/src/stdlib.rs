//! The standard library, written in Fabric and compiled into the binary.

/// Every stdlib module: its import name and its source.
pub const MODULES: &[(&str, &str)] = &[
    ("std.nvidia", include_str!("../../../stdlib/std/nvidia.fabric")),
    ("std.optics", include_str!("../../../stdlib/std/optics.fabric")),
    ("std.models", include_str!("../../../stdlib/std/models.fabric")),
];

/// The source of the stdlib module `name` (`std.nvidia`).
pub fn module(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, src)| *src)
}

/// The module every spec loads: the cable media the fabric generator chooses from.
pub const PRELUDE: &str = "std.optics";

/// The default medium preference of a fabric (LANGUAGE.md section 7), names in [`PRELUDE`].
pub const DEFAULT_MEDIA: &[&str] = &["DAC", "LACC", "MMF_SR", "SMF_DR", "SMF_FR"];
