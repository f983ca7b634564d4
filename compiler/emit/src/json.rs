//! JSON in the layout large artifacts use: one element of each top-level array per line,
//! so that a 100,000-GPU scenario stays diffable and streams without a pretty-printer.

use std::io::{self, Write};

/// A JSON layout for large documents: compact, with a line break before each member of the
/// top-level object and each element of the arrays directly inside it, so that a
/// scenario's vertices and links are one per line: a third of the pretty-printed size,
/// still diffable line by line, and written as it is serialized.
#[derive(Default)]
pub struct LinesFormatter {
    depth: usize,
}

impl serde_json::ser::Formatter for LinesFormatter {
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        w.write_all(if self.depth == 0 { b"\n}" } else { b"}" })
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth == 1 { w.write_all(b"\n") } else { Ok(()) }
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        w.write_all(if self.depth == 1 { b"\n]" } else { b"]" })
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth == 2 { w.write_all(b"\n") } else { Ok(()) }
    }
}

/// Writes `value` as JSON in the [`LinesFormatter`] layout, with a final line break.
pub fn write_json_lines<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, LinesFormatter::default());
    value.serialize(&mut serializer)?;
    out.write_all(b"\n")
}
