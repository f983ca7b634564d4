//! `textDocument/completion`: kinds, fields, types (adding their import), units and plant
//! paths.

use super::common::*;
use crate::workspace::Workspace;
use fabric_core::plant::InstanceId;
use fabric_core::resolve::Program;
use fabric_core::schema::{Kind, Role, SCHEMAS, ValueType};
use fabric_core::source::Project;
use fabric_core::units::{Dim, display_units};
use fabric_syntax::ast::Member;
use std::collections::BTreeMap;
use tower_lsp_server::ls_types::*;

/// Completion at `offset`, from the text before it on its line and the enclosing block.
pub fn completion(ws: &mut Workspace, key: &str, offset: u32) -> Vec<CompletionItem> {
    let Some((project, file)) = open(ws, key) else { return Vec::new() };
    let text = file.text(&ws.db).clone();
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    let trimmed = line.trim_start();
    let enclosing = enclosing_kind(&text[..line_start]);
    let program = fabric_core::resolve::program(&ws.db, project);

    // `import std.` and `import std.nvidia.{`.
    if let Some(rest) = trimmed.strip_prefix("import ") {
        if let Some((module, _)) = rest.split_once(".{") {
            let names = stdlib_types(None).filter(|t| t.module == module.trim());
            return names.map(|t| item(&t.name, CompletionItemKind::CLASS, &t.detail(), t.doc.clone())).collect();
        }
        return fabric_core::stdlib::MODULES
            .iter()
            .map(|(m, _)| item(m, CompletionItemKind::MODULE, "standard library module", None))
            .collect();
    }
    // `rack k1: GB…`: types of the block's kind.
    if let Some(kind) = header_kind(trimmed) {
        return type_items(ws, program, &text, kind);
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    // `name = …` and `name <= …`: the field's type decides.
    if words.len() >= 2 && ["=", "<=", "<", ">=", ">"].contains(&words[1]) {
        let field = enclosing.and_then(|k| k.schema().field(words[0]));
        let Some(field) = field else { return Vec::new() };
        let after: Vec<&str> = words[2..].to_vec();
        let ends_with_space = line.ends_with(' ');
        match field.ty {
            ValueType::Quantity(dim) if after.first().is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit() || c == '-')) => {
                if after.len() == 1 && !ends_with_space && !after[0].chars().any(|c| c.is_ascii_alphabetic()) {
                    return Vec::new(); // still typing the number
                }
                return unit_items(dim);
            }
            ValueType::TypeOf(kind) if after.len() <= 1 => return type_items(ws, program, &text, kind),
            ValueType::Enum(options) if after.len() <= 1 => {
                return options.iter().map(|o| item(o, CompletionItemKind::ENUM_MEMBER, field.doc, None)).collect();
            }
            ValueType::Bool if after.len() <= 1 => {
                return ["true", "false"].iter().map(|o| item(o, CompletionItemKind::KEYWORD, field.doc, None)).collect();
            }
            ValueType::Path | ValueType::Target => return path_items(ws, project, line),
            _ => return Vec::new(),
        }
    }
    // A path after `.`.
    if line.ends_with('.') || line.rsplit(|c: char| c.is_whitespace() || c == '(' || c == ',').next().is_some_and(|w| w.contains('.')) {
        return path_items(ws, project, line);
    }
    // The start of a member: fields the block still lacks, blocks it may hold, keywords.
    if words.len() <= 1 {
        let mut items = Vec::new();
        match enclosing {
            Some(kind) => {
                let set = fields_set_in_block(&text, line_start);
                for f in kind.schema().fields {
                    if set.iter().any(|s| s == f.name) {
                        continue;
                    }
                    let mut it = item(f.name, CompletionItemKind::FIELD, &f.ty.describe(), Some(field_doc(kind, f)));
                    it.insert_text = Some(format!("{} {} ", f.name, if f.bound { "<=" } else { "=" }));
                    items.push(it);
                }
                for child in kind.schema().children {
                    items.push(item(child.name(), CompletionItemKind::KEYWORD, child.schema().doc, None));
                }
            }
            None => {
                for s in SCHEMAS.iter().filter(|s| s.role != Role::SubRecord) {
                    items.push(item(s.name, CompletionItemKind::KEYWORD, s.doc, None));
                }
                for k in ["import", "const", "assert"] {
                    items.push(item(k, CompletionItemKind::KEYWORD, "", None));
                }
            }
        }
        return items;
    }
    Vec::new()
}

fn item(label: &str, kind: CompletionItemKind, detail: &str, doc: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        documentation: doc.map(|d| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: d })),
        ..CompletionItem::default()
    }
}

/// The kind of a block header being typed after `:` (`rack k[1..2]: GB`).
fn header_kind(line: &str) -> Option<Kind> {
    let (head, after) = line.split_once(':')?;
    if after.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ' ')) {
        return None;
    }
    let mut words = head.split_whitespace();
    let kind = Kind::from_name(words.next()?)?;
    let name = words.next()?;
    if words.next().is_some() || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    Some(kind)
}

/// The byte offset of the innermost `{` still open at the end of `before`.
fn open_brace(before: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in before.bytes().enumerate().rev() {
        match b {
            b'}' => depth += 1,
            b'{' if depth > 0 => depth -= 1,
            b'{' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The kind of the innermost block open at the end of `before`.
fn enclosing_kind(before: &str) -> Option<Kind> {
    let i = open_brace(before)?;
    let line_start = before[..i].rfind('\n').map_or(0, |p| p + 1);
    // `import x.{` opens no block: its first word is no kind.
    Kind::from_name(before[line_start..i].split_whitespace().next()?)
}

/// Field names already set in the block around `line_start`.
fn fields_set_in_block(text: &str, line_start: usize) -> Vec<String> {
    let open = open_brace(&text[..line_start]).map_or(0, |i| i + 1);
    let mut depth = 0i32;
    let mut names = Vec::new();
    for line in text[open..].lines() {
        let t = line.trim();
        if depth == 0 {
            let mut words = t.split_whitespace();
            if let (Some(name), Some(op)) = (words.next(), words.next())
                && ["=", "<=", "<", ">=", ">"].contains(&op)
            {
                names.push(name.to_string());
            }
        }
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
        if depth < 0 {
            break;
        }
    }
    names
}

/// A type of the stdlib, for completion with its import.
struct StdType {
    name: String,
    module: String,
    kind: Kind,
    doc: Option<String>,
}

impl StdType {
    fn detail(&self) -> String {
        format!("{} type · {}", self.kind.name(), self.module)
    }
}

/// The stdlib's named top-level blocks of `kind` (every kind with `None`), parsed once per
/// process: the stdlib is compiled in and never changes.
fn stdlib_types(kind: Option<Kind>) -> impl Iterator<Item = &'static StdType> {
    static TYPES: std::sync::OnceLock<Vec<StdType>> = std::sync::OnceLock::new();
    let all = TYPES.get_or_init(|| {
        let mut out = Vec::new();
        for (module, text) in fabric_core::stdlib::MODULES {
            let parse = fabric_syntax::parse(text);
            for m in &parse.file.members {
                if let Member::Block(b) = m
                    && let (Some(name), Some(k)) = (&b.name, Kind::from_name(&b.kind.name))
                {
                    out.push(StdType { name: name.name.clone(), module: module.to_string(), kind: k, doc: b.doc.clone() });
                }
            }
        }
        out
    });
    all.iter().filter(move |t| kind.is_none_or(|want| want == t.kind))
}

/// Types of `kind`: the spec's own, and the stdlib's with the import they need.
fn type_items(ws: &Workspace, program: &Program, text: &str, kind: Kind) -> Vec<CompletionItem> {
    let mut items: BTreeMap<String, CompletionItem> = BTreeMap::new();
    for &id in &program.types {
        let d = program.decl(id);
        if d.kind != kind || d.file.key(&ws.db).starts_with("std.") {
            continue;
        }
        let name = d.name.clone().unwrap_or_default();
        items.insert(name.clone(), item(&name, CompletionItemKind::CLASS, &format!("{} type", kind.name()), d.doc.clone()));
    }
    let import_line = fabric_core::load::import_line(text);
    for t in stdlib_types(Some(kind)) {
        let mut it = item(&t.name, CompletionItemKind::CLASS, &t.detail(), t.doc.clone());
        let imported = text.lines().any(|l| l.trim_start().starts_with("import") && l.contains(&t.module) && l.contains(&t.name));
        if !imported {
            let at = Position::new(import_line, 0);
            it.additional_text_edits = Some(vec![TextEdit::new(Range::new(at, at), format!("import {}.{{{}}}\n", t.module, t.name))]);
        }
        items.entry(t.name.clone()).or_insert(it);
    }
    items.into_values().collect()
}

fn unit_items(dim: Dim) -> Vec<CompletionItem> {
    let mut units: Vec<&str> = display_units(dim).iter().map(|(u, _)| *u).collect();
    for (symbol, _, d) in fabric_core::units::UNITS {
        if *d == dim && !units.contains(symbol) {
            units.push(symbol);
        }
    }
    units.iter().map(|u| item(u, CompletionItemKind::UNIT, &dim.name(), None)).collect()
}

/// The next segments of the plant path being typed at the end of `line`.
fn path_items(ws: &Workspace, project: Project, line: &str) -> Vec<CompletionItem> {
    let word = line.rsplit(|c: char| c.is_whitespace() || c == '=' || c == '(' || c == ',').next().unwrap_or_default();
    let Some((prefix, _)) = word.rsplit_once('.') else {
        return Vec::new();
    };
    let plant = fabric_core::plant::plant(&ws.db, project);
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let depth = prefix.split('.').count();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        let path = plant.path(id);
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() != depth + 1 {
            continue;
        }
        let parent = segments[..depth].join(".");
        let matches = parent == prefix || strip_indices(&parent) == prefix;
        if matches {
            let name = strip_indices(segments[depth]);
            names.entry(name).or_insert_with(|| plant.kind(id).name().to_string());
        }
    }
    if names.is_empty() {
        for k in ["*", "**"] {
            names.insert(k.to_string(), "wildcard".to_string());
        }
    }
    names.into_iter().map(|(n, k)| item(&n, CompletionItemKind::FIELD, &k, None)).collect()
}

fn strip_indices(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}
