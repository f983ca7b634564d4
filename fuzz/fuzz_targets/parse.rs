//! The lexer and parser: any text gives a tree and errors, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parse = fabric_syntax::parse(&text);
    // Every error's span lies inside the text.
    for e in &parse.errors {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= text.len(), "{e:?}");
    }
});
