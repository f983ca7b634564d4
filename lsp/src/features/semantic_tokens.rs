//! `textDocument/semanticTokens/full`: kinds, types, fields, numbers, strings, constants,
//! paths, operators and doc comments.

use super::common::*;
use crate::workspace::Workspace;
use fabric_core::source::SourceFile;
use fabric_syntax::ast::Member;
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

/// The semantic token types, in legend order.
pub const TOKEN_TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::COMMENT,
];

/// Semantic tokens: kinds and keywords, type names, fields, numbers with their units,
/// strings, constants, plant paths, operators and doc comments.
pub fn semantic_tokens(ws: &mut Workspace, key: &str) -> Vec<SemanticToken> {
    use fabric_syntax::lexer::Token;
    use logos::Logos;
    let Some((project, file)) = open(ws, key) else { return Vec::new() };
    let program = fabric_core::resolve::program(&ws.db, project);
    let text = file.text(&ws.db);
    let index = ws.index_of(file);
    let parse = fabric_core::source::parse_file(&ws.db, file);
    let mut kinds: HashMap<u32, u32> = HashMap::new(); // start offset → token type
    fn walk(members: &[Member], kinds: &mut HashMap<u32, u32>) {
        for m in members {
            match m {
                Member::Block(b) => {
                    kinds.insert(b.kind.span.start, 0);
                    if let Some(n) = &b.name {
                        kinds.insert(n.span.start, 1);
                    }
                    walk(b.body.as_deref().unwrap_or_default(), kinds);
                }
                Member::Field(f) => {
                    kinds.insert(f.name.span.start, 2);
                }
                Member::Bound(b) => {
                    kinds.insert(b.name.span.start, 2);
                }
                _ => {}
            }
        }
    }
    walk(&parse.file.members, &mut kinds);
    // A reference names a type when its target is a declaration's name, else a constant.
    let declared: std::collections::HashSet<(SourceFile, u32)> =
        program.decls.iter().filter(|d| d.name.is_some()).map(|d| (d.file, d.name_span.start)).collect();
    for r in program.references.iter().filter(|r| r.file == file) {
        let is_type = declared.contains(&(r.target_file, r.target_span.start));
        kinds.insert(r.span.start, if is_type { 1 } else { 5 });
    }
    let mut raw: Vec<(u32, u32, u32)> = Vec::new(); // start, end, type
    for (token, range) in Token::lexer(text).spanned() {
        let (start, end) = (range.start as u32, range.end as u32);
        let ty = match token {
            Ok(Token::DocComment(_)) => 8,
            Ok(Token::Number(_)) => 3,
            Ok(Token::Str(_)) => 4,
            Ok(Token::Import | Token::Const | Token::Assert | Token::True | Token::False | Token::And | Token::Or | Token::Not) => 0,
            Ok(Token::Ident(_)) => *kinds.get(&start).unwrap_or(&6),
            Ok(
                Token::Eq
                | Token::Le
                | Token::Lt
                | Token::Ge
                | Token::Gt
                | Token::EqEq
                | Token::NotEq
                | Token::Plus
                | Token::Minus
                | Token::Slash,
            ) => 7,
            _ => continue,
        };
        raw.push((start, end, ty));
    }
    let mut out = Vec::new();
    let (mut last_line, mut last_char) = (0u32, 0u32);
    for (start, end, ty) in raw {
        let a = index.position(text, start);
        let b = index.position(text, end);
        if a.line != b.line {
            continue; // tokens never span lines
        }
        let delta_line = a.line - last_line;
        let delta_start = if delta_line == 0 { a.character - last_char } else { a.character };
        out.push(SemanticToken { delta_line, delta_start, length: b.character - a.character, token_type: ty, token_modifiers_bitset: 0 });
        (last_line, last_char) = (a.line, a.character);
    }
    out
}
