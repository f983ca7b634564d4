//! Byte offsets (what the compiler's spans hold) to LSP positions and back, in the position
//! encoding the client and server agreed on: UTF-8 where the client offers it, else UTF-16
//! (the protocol's default). Positions past a line's end clamp to it; lines past the end of
//! the text clamp to its end, so an out-of-range request never panics.

use tower_lsp_server::ls_types::{Position, Range};

/// How `character` in a position counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    /// Bytes.
    Utf8,
    /// UTF-16 code units.
    Utf16,
}

/// Line starts of a text, for converting positions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
    encoding: Encoding,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str, encoding: Encoding) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        LineIndex { starts, encoding }
    }

    /// The position of byte `offset` of `text`.
    pub fn position(&self, text: &str, offset: u32) -> Position {
        let offset = (offset as usize).min(text.len());
        let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0) as u32;
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line] as usize;
        let before = &text[start..offset as usize];
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    /// The range of bytes `start..end` of `text`.
    pub fn range(&self, text: &str, start: u32, end: u32) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of `position` in `text`, clamped to the text.
    pub fn offset(&self, text: &str, position: Position) -> u32 {
        let Some(&start) = self.starts.get(position.line as usize) else { return text.len() as u32 };
        let end = self.starts.get(position.line as usize + 1).map_or(text.len(), |&e| e as usize - 1);
        let line = &text[start as usize..end.max(start as usize)];
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i as u32;
            }
            units += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_code_units_and_utf8_bytes() {
        let text = "a = \"é𝄞\" x\nb";
        let utf16 = LineIndex::new(text, Encoding::Utf16);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(utf16.position(text, x), Position::new(0, 10)); // é is 1 unit, 𝄞 is 2
        assert_eq!(utf16.offset(text, Position::new(0, 10)), x);
        let utf8 = LineIndex::new(text, Encoding::Utf8);
        assert_eq!(utf8.position(text, x), Position::new(0, x));
        assert_eq!(utf8.offset(text, Position::new(1, 0)), text.len() as u32 - 1);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let index = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(9, 0)), 5);
        assert_eq!(index.position(text, 99), Position::new(1, 2));
    }
}
