//! Units of measure: dimensions as exponent vectors over the base dimensions of
//! LANGUAGE.md section 3, the unit table with prefixes and aliases, and formatting.
//!
//! Every quantity is stored in SI base units (seconds, metres, joules, bits, FLOP, tokens,
//! requests, rack units) as an `f64`; `1000 W == 1 kW` holds because both are 1000.0.
//! Comparisons allow a relative error of 1e-9 so that decimal fractions compare as written.

use std::fmt;

/// Names of the base dimensions, in exponent-vector order.
pub const BASE_NAMES: [&str; 8] = ["time", "length", "energy", "information", "operations", "tokens", "requests", "rack space"];
/// SI symbols of the base dimensions, in exponent-vector order.
pub const BASE_SYMBOLS: [&str; 8] = ["s", "m", "J", "b", "FLOP", "tok", "req", "U"];

/// A dimension: the exponent of each base dimension.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, PartialOrd, Ord)]
pub struct Dim(pub [i8; 8]);

impl Dim {
    /// A plain number (ratio, count).
    pub const NONE: Dim = Dim([0; 8]);
    /// Time.
    pub const TIME: Dim = Dim([1, 0, 0, 0, 0, 0, 0, 0]);
    /// Length.
    pub const LENGTH: Dim = Dim([0, 1, 0, 0, 0, 0, 0, 0]);
    /// Energy.
    pub const ENERGY: Dim = Dim([0, 0, 1, 0, 0, 0, 0, 0]);
    /// Information (bits).
    pub const INFORMATION: Dim = Dim([0, 0, 0, 1, 0, 0, 0, 0]);
    /// Operations (FLOP).
    pub const OPERATIONS: Dim = Dim([0, 0, 0, 0, 1, 0, 0, 0]);
    /// Tokens.
    pub const TOKENS: Dim = Dim([0, 0, 0, 0, 0, 1, 0, 0]);
    /// Requests.
    pub const REQUESTS: Dim = Dim([0, 0, 0, 0, 0, 0, 1, 0]);
    /// Rack space (U).
    pub const RACK_SPACE: Dim = Dim([0, 0, 0, 0, 0, 0, 0, 1]);
    /// Power: energy per time.
    pub const POWER: Dim = Dim([-1, 0, 1, 0, 0, 0, 0, 0]);
    /// Data rate: information per time.
    pub const DATA_RATE: Dim = Dim([-1, 0, 0, 1, 0, 0, 0, 0]);
    /// Compute rate: operations per time.
    pub const COMPUTE_RATE: Dim = Dim([-1, 0, 0, 0, 1, 0, 0, 0]);
    /// Token rate.
    pub const TOKEN_RATE: Dim = Dim([-1, 0, 0, 0, 0, 1, 0, 0]);
    /// Request rate.
    pub const REQUEST_RATE: Dim = Dim([-1, 0, 0, 0, 0, 0, 1, 0]);
    /// Delay per length (`us/km`).
    pub const DELAY_PER_LENGTH: Dim = Dim([1, -1, 0, 0, 0, 0, 0, 0]);
    /// Energy per token.
    pub const ENERGY_PER_TOKEN: Dim = Dim([0, 0, 1, 0, 0, -1, 0, 0]);
    /// Information per token (KV cache bytes per token).
    pub const INFORMATION_PER_TOKEN: Dim = Dim([0, 0, 0, 1, 0, -1, 0, 0]);
    /// Compute per token (attention FLOPs per token of context).
    pub const FLOP_PER_TOKEN: Dim = Dim([0, 0, 0, 0, 1, -1, 0, 0]);

    /// The product dimension (exponents add).
    pub fn times(self, other: Dim) -> Dim {
        let mut e = self.0;
        for (a, b) in e.iter_mut().zip(other.0) {
            *a = a.saturating_add(b);
        }
        Dim(e)
    }

    /// The quotient dimension (exponents subtract).
    pub fn per(self, other: Dim) -> Dim {
        let mut e = self.0;
        for (a, b) in e.iter_mut().zip(other.0) {
            *a = a.saturating_sub(b);
        }
        Dim(e)
    }

    /// Whether this is a plain number.
    pub fn is_none(self) -> bool {
        self == Dim::NONE
    }

    /// The name users know (`power`), or a product of base dimensions.
    pub fn name(self) -> String {
        if let Some((_, name, _)) = NAMED.iter().find(|(d, _, _)| *d == self) {
            return (*name).to_string();
        }
        self.compose(&BASE_NAMES, " × ", "/")
    }

    /// The SI unit of this dimension as machine outputs use it (`W`, `b/s`, `s/m`).
    pub fn si_unit(self) -> String {
        if let Some((_, _, unit)) = NAMED.iter().find(|(d, _, _)| *d == self) {
            return (*unit).to_string();
        }
        self.compose(&BASE_SYMBOLS, "·", "/")
    }

    fn compose(self, names: &[&str; 8], times: &str, per: &str) -> String {
        let part = |positive: bool| {
            let mut parts = Vec::new();
            for (i, &e) in self.0.iter().enumerate() {
                let e = if positive { e } else { -e };
                if e == 1 {
                    parts.push(names[i].to_string());
                } else if e > 1 {
                    parts.push(format!("{}^{}", names[i], e));
                }
            }
            parts.join(times)
        };
        let (num, den) = (part(true), part(false));
        match (num.is_empty(), den.is_empty()) {
            (true, true) => "number".into(),
            (false, true) => num,
            (true, false) => format!("1{per}{den}"),
            (false, false) => format!("{num}{per}{den}"),
        }
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Dimensions with names, and their SI units.
const NAMED: &[(Dim, &str, &str)] = &[
    (Dim::NONE, "number", ""),
    (Dim::TIME, "time", "s"),
    (Dim::LENGTH, "length", "m"),
    (Dim::ENERGY, "energy", "J"),
    (Dim::INFORMATION, "information", "b"),
    (Dim::OPERATIONS, "compute", "FLOP"),
    (Dim::TOKENS, "tokens", "tok"),
    (Dim::REQUESTS, "requests", "req"),
    (Dim::RACK_SPACE, "rack space", "U"),
    (Dim::POWER, "power", "W"),
    (Dim::DATA_RATE, "data rate", "b/s"),
    (Dim::COMPUTE_RATE, "compute rate", "FLOP/s"),
    (Dim::TOKEN_RATE, "token rate", "tok/s"),
    (Dim::REQUEST_RATE, "request rate", "req/s"),
    (Dim::DELAY_PER_LENGTH, "delay per length", "s/m"),
    (Dim::ENERGY_PER_TOKEN, "energy per token", "J/tok"),
    (Dim::INFORMATION_PER_TOKEN, "information per token", "b/tok"),
    (Dim::FLOP_PER_TOKEN, "compute per token", "FLOP/tok"),
    (Dim([-1, 0, 0, 0, 0, 0, 0, 0]), "frequency", "1/s"),
];

/// A unit: how many SI base units one of it is, and its dimension.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Unit {
    /// Size of one unit in SI base units.
    pub factor: f64,
    /// The unit's dimension.
    pub dim: Dim,
}

const KIB: f64 = 8.0 * 1024.0;

/// Every unit symbol with its size and dimension (LANGUAGE.md section 3).
pub const UNITS: &[(&str, f64, Dim)] = &[
    ("W", 1.0, Dim::POWER),
    ("kW", 1e3, Dim::POWER),
    ("MW", 1e6, Dim::POWER),
    ("GW", 1e9, Dim::POWER),
    ("J", 1.0, Dim::ENERGY),
    ("kJ", 1e3, Dim::ENERGY),
    ("MJ", 1e6, Dim::ENERGY),
    ("GJ", 1e9, Dim::ENERGY),
    ("Wh", 3600.0, Dim::ENERGY),
    ("kWh", 3.6e6, Dim::ENERGY),
    ("MWh", 3.6e9, Dim::ENERGY),
    ("GWh", 3.6e12, Dim::ENERGY),
    ("ps", 1e-12, Dim::TIME),
    ("ns", 1e-9, Dim::TIME),
    ("us", 1e-6, Dim::TIME),
    ("µs", 1e-6, Dim::TIME),
    ("ms", 1e-3, Dim::TIME),
    ("s", 1.0, Dim::TIME),
    ("min", 60.0, Dim::TIME),
    ("h", 3600.0, Dim::TIME),
    ("d", 86400.0, Dim::TIME),
    // The Julian year, 365.25 days.
    ("yr", 31_557_600.0, Dim::TIME),
    ("mm", 1e-3, Dim::LENGTH),
    ("cm", 1e-2, Dim::LENGTH),
    ("m", 1.0, Dim::LENGTH),
    ("km", 1e3, Dim::LENGTH),
    ("b", 1.0, Dim::INFORMATION),
    ("Kb", 1e3, Dim::INFORMATION),
    ("Mb", 1e6, Dim::INFORMATION),
    ("Gb", 1e9, Dim::INFORMATION),
    ("Tb", 1e12, Dim::INFORMATION),
    ("Pb", 1e15, Dim::INFORMATION),
    ("B", 8.0, Dim::INFORMATION),
    ("KB", 8e3, Dim::INFORMATION),
    ("MB", 8e6, Dim::INFORMATION),
    ("GB", 8e9, Dim::INFORMATION),
    ("TB", 8e12, Dim::INFORMATION),
    ("PB", 8e15, Dim::INFORMATION),
    ("KiB", KIB, Dim::INFORMATION),
    ("MiB", KIB * 1024.0, Dim::INFORMATION),
    ("GiB", KIB * 1024.0 * 1024.0, Dim::INFORMATION),
    ("TiB", KIB * 1024.0 * 1024.0 * 1024.0, Dim::INFORMATION),
    ("Mbps", 1e6, Dim::DATA_RATE),
    ("Gbps", 1e9, Dim::DATA_RATE),
    ("Tbps", 1e12, Dim::DATA_RATE),
    ("FLOP", 1.0, Dim::OPERATIONS),
    ("GFLOP", 1e9, Dim::OPERATIONS),
    ("TFLOP", 1e12, Dim::OPERATIONS),
    ("PFLOP", 1e15, Dim::OPERATIONS),
    ("EFLOP", 1e18, Dim::OPERATIONS),
    ("TFLOPS", 1e12, Dim::COMPUTE_RATE),
    ("PFLOPS", 1e15, Dim::COMPUTE_RATE),
    ("EFLOPS", 1e18, Dim::COMPUTE_RATE),
    ("tok", 1.0, Dim::TOKENS),
    ("req", 1.0, Dim::REQUESTS),
    ("U", 1.0, Dim::RACK_SPACE),
    ("%", 0.01, Dim::NONE),
];

/// Looks up one unit symbol.
pub fn atom(symbol: &str) -> Option<Unit> {
    UNITS.iter().find(|(s, _, _)| *s == symbol).map(|&(_, factor, dim)| Unit { factor, dim })
}

/// A unit expression that could not be read.
#[derive(Clone, PartialEq, Debug)]
pub struct UnknownUnit {
    /// The symbol that is not a unit.
    pub symbol: String,
    /// Byte offset of the symbol inside the unit expression.
    pub offset: usize,
    /// The closest known unit, if one is close.
    pub suggestion: Option<&'static str>,
}

/// Reads a unit expression `atom ('/' atom)*` such as `Gb/s` or `us/km`.
pub fn parse_unit(text: &str) -> Result<Unit, UnknownUnit> {
    let mut unit = Unit { factor: 1.0, dim: Dim::NONE };
    let mut offset = 0;
    for (i, symbol) in text.split('/').enumerate() {
        let Some(a) = atom(symbol) else {
            return Err(UnknownUnit { symbol: symbol.to_string(), offset, suggestion: suggest_unit(symbol) });
        };
        if i == 0 {
            unit = a;
        } else {
            unit = Unit { factor: unit.factor / a.factor, dim: unit.dim.per(a.dim) };
        }
        offset += symbol.len() + 1;
    }
    Ok(unit)
}

fn suggest_unit(symbol: &str) -> Option<&'static str> {
    if let Some((s, _, _)) = UNITS.iter().find(|(s, _, _)| s.eq_ignore_ascii_case(symbol)) {
        return Some(s);
    }
    UNITS.iter().map(|(s, _, _)| (strsim::levenshtein(s, symbol), *s)).filter(|&(d, s)| d <= 1 && s.len() > 1).min().map(|(_, s)| s)
}

/// Whether two SI values are equal up to a relative error of 1e-9.
pub fn approx_eq(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Units used to print values of a dimension, largest first (also what the language server
/// completes after a number).
pub fn display_units(dim: Dim) -> &'static [(&'static str, f64)] {
    match dim {
        d if d == Dim::POWER => &[("GW", 1e9), ("MW", 1e6), ("kW", 1e3), ("W", 1.0)],
        d if d == Dim::ENERGY => &[("GWh", 3.6e12), ("MWh", 3.6e9), ("kWh", 3.6e6), ("kJ", 1e3), ("J", 1.0)],
        d if d == Dim::TIME => &[("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9), ("ps", 1e-12)],
        d if d == Dim::LENGTH => &[("km", 1e3), ("m", 1.0), ("cm", 1e-2), ("mm", 1e-3)],
        d if d == Dim::INFORMATION => &[("PB", 8e15), ("TB", 8e12), ("GB", 8e9), ("MB", 8e6), ("KB", 8e3), ("B", 8.0)],
        d if d == Dim::DATA_RATE => &[("Tb/s", 1e12), ("Gb/s", 1e9), ("Mb/s", 1e6), ("b/s", 1.0)],
        d if d == Dim::COMPUTE_RATE => &[("EFLOP/s", 1e18), ("PFLOP/s", 1e15), ("TFLOP/s", 1e12), ("FLOP/s", 1.0)],
        d if d == Dim::DELAY_PER_LENGTH => &[("us/km", 1e-9), ("ns/m", 1e-9)],
        _ => &[],
    }
}

/// Prints an SI value in a readable unit of its dimension: `20 MW`, `4.9 us/km`, `0.3`.
pub fn format_quantity(value: f64, dim: Dim) -> String {
    let units = display_units(dim);
    if value == 0.0 {
        return match units.iter().find(|(_, f)| *f == 1.0) {
            Some((symbol, _)) => format!("0 {symbol}"),
            None if dim.is_none() => "0".into(),
            None => format!("0 {}", dim.si_unit()),
        };
    }
    let chosen = units.iter().find(|(_, f)| value.abs() >= *f).or(units.last());
    match chosen {
        Some((symbol, factor)) => format!("{} {}", format_number(value / factor), symbol),
        None if dim.is_none() => format_number(value),
        None => format!("{} {}", format_number(value), dim.si_unit()),
    }
}

/// Prints a number with at most four significant decimals and no trailing zeros.
pub fn format_number(value: f64) -> String {
    if value != 0.0 && (value.abs() >= 1e15 || value.abs() < 1e-4) {
        return format!("{value:e}");
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.to_string() }
}

/// Prints a count with thousands separators: `10,368`.
pub fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_quantities_in_different_units() {
        let w = parse_unit("W").unwrap();
        let kw = parse_unit("kW").unwrap();
        assert!(approx_eq(1000.0 * w.factor, 1.0 * kw.factor));
        assert_eq!(1000.0 * w.factor, 1.0 * kw.factor);
        assert!(approx_eq(0.1 * kw.factor + 0.2 * kw.factor, 0.3 * kw.factor));
    }

    #[test]
    fn compound_units() {
        let gbps = parse_unit("Gb/s").unwrap();
        assert_eq!(gbps.dim, Dim::DATA_RATE);
        assert_eq!(gbps.factor, 1e9);
        assert_eq!(parse_unit("Gbps").unwrap(), gbps);
        let delay = parse_unit("us/km").unwrap();
        assert_eq!(delay.dim, Dim::DELAY_PER_LENGTH);
        assert!(approx_eq(delay.factor, 1e-9));
        assert_eq!(parse_unit("TFLOP/s").unwrap(), parse_unit("TFLOPS").unwrap());
        assert_eq!(parse_unit("tok/s").unwrap().dim, Dim::TOKEN_RATE);
        assert_eq!(parse_unit("%").unwrap(), Unit { factor: 0.01, dim: Dim::NONE });
        assert_eq!(parse_unit("µs").unwrap(), parse_unit("us").unwrap());
    }

    #[test]
    fn dimension_arithmetic_matches_the_language_examples() {
        // 1.8 km * 4.9 us/km is a time; 141 GB / 4.8 TB/s is a time.
        assert_eq!(Dim::LENGTH.times(Dim::DELAY_PER_LENGTH), Dim::TIME);
        assert_eq!(Dim::INFORMATION.per(Dim::DATA_RATE), Dim::TIME);
        assert_eq!(Dim::ENERGY.per(Dim::TIME), Dim::POWER);
    }

    #[test]
    fn names_and_suggestions() {
        assert_eq!(Dim::POWER.name(), "power");
        assert_eq!(Dim::POWER.times(Dim::TIME).name(), "energy");
        assert_eq!(Dim::POWER.times(Dim::LENGTH).name(), "length × energy/time");
        let err = parse_unit("Gb/sec").unwrap_err();
        assert_eq!((err.symbol.as_str(), err.offset), ("sec", 3));
        assert_eq!(parse_unit("kw").unwrap_err().suggestion, Some("kW"));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_quantity(20e6, Dim::POWER), "20 MW");
        assert_eq!(format_quantity(132_500.0, Dim::POWER), "132.5 kW");
        assert_eq!(format_quantity(4.9e-9, Dim::DELAY_PER_LENGTH), "4.9 us/km");
        assert_eq!(format_quantity(0.3, Dim::NONE), "0.3");
        assert_eq!(format_quantity(50e-6, Dim::TIME), "50 us");
    }

    proptest! {
        #[test]
        fn conversion_round_trips(value in -1e12f64..1e12, index in 0usize..UNITS.len()) {
            let (symbol, _, _) = UNITS[index];
            let unit = parse_unit(symbol).unwrap();
            let si = value * unit.factor;
            prop_assert!(approx_eq(si / unit.factor, value));
        }
    }
}
