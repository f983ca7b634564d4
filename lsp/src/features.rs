//! The language features over the compiler's queries: diagnostics, hover, completion,
//! definitions, references, rename, symbols, formatting, inlay hints, code actions,
//! semantic tokens and signature help. Each takes the workspace and a file key, and answers
//! in LSP types; none panics on a half-typed file or an out-of-range position.

use crate::workspace::Workspace;
use fabric_core::diagnostic::{Diagnostic as FabricDiagnostic, Severity, codes};
use fabric_core::plant::InstanceId;
use fabric_core::resolve::{DeclId, Program, Value};
use fabric_core::schema::{Kind, Role, SCHEMAS, ValueType};
use fabric_core::source::Project;
use fabric_core::source::SourceFile;
use fabric_core::units::{Dim, display_units, format_quantity};
use fabric_syntax::Span;
use fabric_syntax::ast::{Block, Member};
use std::collections::{BTreeMap, HashMap};
use tower_lsp_server::ls_types::*;

/// A definition: the file and the span of its name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Def {
    /// Its file.
    pub file: SourceFile,
    /// Its name.
    pub span: Span,
}

/// The diagnostics of file `key` as its own project sees them.
pub fn diagnostics(ws: &mut Workspace, key: &str) -> Vec<Diagnostic> {
    let Some(project) = ws.project(key) else { return Vec::new() };
    let Some(file) = ws.file(project, key) else { return Vec::new() };
    let all = fabric_core::pipeline::check(&ws.db, project);
    all.iter().filter(|d| d.primary.file == file).map(|d| to_lsp(ws, d)).collect()
}

/// One compiler diagnostic as LSP sees it: its notes and help follow the message.
fn to_lsp(ws: &Workspace, d: &FabricDiagnostic) -> Diagnostic {
    let index = ws.index_of(d.primary.file);
    let text = d.primary.file.text(&ws.db);
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            let uri = ws.uri_of(l.file)?;
            let range = ws.index_of(l.file).range(l.file.text(&ws.db), l.span.start, l.span.end);
            Some(DiagnosticRelatedInformation { location: Location::new(uri, range), message: l.message.clone() })
        })
        .collect();
    Diagnostic {
        range: index.range(text, d.primary.span.start, d.primary.span.end),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("fabric".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: Some(serde_json::json!({
            "help": d.help,
            "fix": d.suggestion.as_ref().and_then(|f| {
                let uri = ws.uri_of(f.file)?;
                let range = ws.index_of(f.file).range(f.file.text(&ws.db), f.span.start, f.span.end);
                Some(serde_json::json!({ "title": f.title, "uri": uri.as_str(), "range": range, "newText": f.replacement }))
            }),
        })),
        ..Diagnostic::default()
    }
}

/// The project of `key` and its input for the file.
fn open(ws: &mut Workspace, key: &str) -> Option<(Project, SourceFile)> {
    let project = ws.project(key)?;
    Some((project, ws.file(project, key)?))
}

/// What the name at `offset` refers to: a use of a declared name, or a declaration's name.
pub fn def_at(ws: &mut Workspace, key: &str, offset: u32) -> Option<(Def, Span)> {
    let (project, file) = open(ws, key)?;
    let program = fabric_core::resolve::program(&ws.db, project);
    if let Some(r) = program.references.iter().find(|r| r.file == file && contains(r.span, offset)) {
        return Some((Def { file: r.target_file, span: r.target_span }, r.span));
    }
    for d in &program.decls {
        if d.file == file && d.name.is_some() && contains(d.name_span, offset) {
            return Some((Def { file, span: d.name_span }, d.name_span));
        }
    }
    let parse = fabric_core::source::parse_file(&ws.db, file);
    for m in &parse.file.members {
        if let Member::Const(c) = m
            && contains(c.name.span, offset)
        {
            return Some((Def { file, span: c.name.span }, c.name.span));
        }
    }
    None
}

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// The declaration whose name is at `def`.
fn decl_of(program: &Program, def: Def) -> Option<DeclId> {
    (0..program.decls.len()).map(|i| DeclId(i as u32)).find(|&id| {
        let d = program.decl(id);
        d.file == def.file && d.name_span == def.span
    })
}

/// Go to definition: a name's declaration, an import's file or module.
pub fn definition(ws: &mut Workspace, key: &str, offset: u32) -> Option<Location> {
    if let Some((def, _)) = def_at(ws, key, offset) {
        return location(ws, def.file, def.span);
    }
    let (project, file) = open(ws, key)?;
    let parse = fabric_core::source::parse_file(&ws.db, file);
    for m in &parse.file.members {
        let Member::Import(import) = m else { continue };
        if !contains(import.span, offset) {
            continue;
        }
        let target_key = match &import.target {
            fabric_syntax::ast::ImportTarget::File { path, .. } => fabric_core::load::file_import_key(file.key(&ws.db), path),
            fabric_syntax::ast::ImportTarget::Module { path, .. } => {
                let names: Vec<String> = path.iter().map(|i| i.name.clone()).collect();
                fabric_core::load::module_key(&names)?.0
            }
        };
        let target = match project.files(&ws.db).get(&target_key) {
            Some(fabric_core::source::FileSlot::Loaded(f)) => *f,
            _ => return None,
        };
        return location(ws, target, Span::new(0, 0));
    }
    None
}

fn location(ws: &Workspace, file: SourceFile, span: Span) -> Option<Location> {
    let uri = ws.uri_of(file)?;
    Some(Location::new(uri, ws.index_of(file).range(file.text(&ws.db), span.start, span.end)))
}

/// Every use of the definition at `offset` across the workspace, with the definition
/// itself where asked.
pub fn references(ws: &mut Workspace, key: &str, offset: u32, include_declaration: bool) -> Vec<Location> {
    let Some((def, _)) = def_at(ws, key, offset) else { return Vec::new() };
    let def_key = def.file.key(&ws.db).clone();
    let mut found: Vec<(String, Span, SourceFile)> = Vec::new();
    if include_declaration {
        found.push((def_key.clone(), def.span, def.file));
    }
    for project in ws.all_projects() {
        let program = fabric_core::resolve::program(&ws.db, project);
        for r in &program.references {
            if r.target_span == def.span && r.target_file.key(&ws.db) == &def_key {
                found.push((r.file.key(&ws.db).clone(), r.span, r.file));
            }
        }
    }
    found.sort_by(|a, b| (&a.0, a.1.start).cmp(&(&b.0, b.1.start)));
    found.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    found.into_iter().filter_map(|(_, span, file)| location(ws, file, span)).collect()
}

/// The range and current name of what can be renamed at `offset`; `Err` with the reason
/// where nothing can.
pub fn prepare_rename(ws: &mut Workspace, key: &str, offset: u32) -> Result<(Range, String), String> {
    let Some((def, at)) = def_at(ws, key, offset) else { return Err("no declared name here".into()) };
    if def.file.key(&ws.db).starts_with("std.") {
        return Err("standard library names cannot be renamed".into());
    }
    let (_, file) = open(ws, key).ok_or("file not loaded")?;
    let text = file.text(&ws.db);
    let name = text.get(at.start as usize..at.end as usize).unwrap_or_default().to_string();
    Ok((ws.index_of(file).range(text, at.start, at.end), name))
}

/// The edits that rename the definition at `offset` and every use of it to `new_name`.
pub fn rename(ws: &mut Workspace, key: &str, offset: u32, new_name: &str) -> Result<WorkspaceEdit, String> {
    prepare_rename(ws, key, offset)?;
    let valid = new_name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["import", "const", "assert", "true", "false", "and", "or", "not"].contains(&new_name)
        && Kind::from_name(new_name).is_none();
    if !valid {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for loc in references(ws, key, offset, true) {
        changes.entry(loc.uri).or_default().push(TextEdit::new(loc.range, new_name.to_string()));
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}

/// Hover: a declaration with its doc, source and computed power; a field's or kind's
/// schema; a number in SI units; the explanation of a diagnostic's code.
pub fn hover(ws: &mut Workspace, key: &str, offset: u32) -> Option<Hover> {
    let (project, file) = open(ws, key)?;
    let mut parts: Vec<String> = Vec::new();
    let mut range: Option<Span> = None;
    if let Some((def, at)) = def_at(ws, key, offset) {
        let program = fabric_core::resolve::program(&ws.db, project);
        range = Some(at);
        match decl_of(program, def) {
            Some(id) => parts.push(describe_decl(ws, project, program, id)),
            None => {
                if let Some(c) = program.consts.iter().find(|c| c.file == def.file && contains(c.span, def.span.start)) {
                    let mut s = format!("```fabric\nconst {}\n```\n= {}", c.name, describe_value(program, &c.value));
                    if let Some(doc) = &c.doc {
                        s.push_str(&format!("\n\n{doc}"));
                    }
                    parts.push(s);
                }
            }
        }
    } else if let Some((text, span)) = syntax_hover(ws, file, offset) {
        parts.push(text);
        range = Some(span);
    }
    for d in fabric_core::pipeline::check(&ws.db, project).iter().filter(|d| d.primary.file == file && contains(d.primary.span, offset)) {
        let explanation = d.code.explanation();
        let first = explanation.split("\n\n").nth(1).unwrap_or_default();
        parts.push(format!("**{}**: {}\n\n{first}\n\n`fabric explain {}` tells more.", d.code, codes::title(d.code), d.code));
    }
    if parts.is_empty() {
        return None;
    }
    let text = file.text(&ws.db);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: parts.join("\n\n---\n\n") }),
        range: range.map(|s| ws.index_of(file).range(text, s.start, s.end)),
    })
}

/// A declaration: its header, doc, where it is defined, its fields, and for instances the
/// IT power of each against its limit.
fn describe_decl(ws: &Workspace, project: Project, program: &Program, id: DeclId) -> String {
    let d = program.decl(id);
    let name = d.name.clone().unwrap_or_default();
    let base = d.base.and_then(|b| program.decl(b).name.clone()).map(|b| format!(": {b}")).unwrap_or_default();
    let mut out = format!("```fabric\n{} {name}{base}\n```", d.kind.name());
    if let Some(doc) = &d.doc {
        out.push_str(&format!("\n{doc}"));
    }
    let at = fabric_core::diagnostic::line_column(d.file.text(&ws.db), d.name_span.start);
    out.push_str(&format!(
        "\n\n{} {} at `{}:{}`",
        if d.is_type { "Type" } else { "Instance" },
        d.kind.name(),
        d.file.display_path(&ws.db),
        at.line
    ));
    let mut fields: Vec<String> = Vec::new();
    for f in d.kind.schema().fields {
        if let Some((_, v)) = program.field_set(id, f.name) {
            fields.push(format!("- `{}` = {}", f.name, describe_value(program, &v.value)));
        }
    }
    if !fields.is_empty() {
        out.push_str("\n\n");
        out.push_str(&fields.join("\n"));
    }
    if !d.is_type {
        let plant = fabric_core::plant::plant(&ws.db, project);
        let budgets = fabric_core::pipeline::budgets(&ws.db, project);
        let instances: Vec<InstanceId> =
            (0..plant.instances.len()).map(|i| InstanceId(i as u32)).filter(|&i| plant.get(i).decl == id).collect();
        let mut lines = Vec::new();
        for &i in instances.iter().take(8) {
            let it = budgets.power.it_power_w.get(i.0 as usize).copied().unwrap_or(0.0);
            let limit = plant.field(i, "power_limit").and_then(|f| f.number());
            let w = |x: f64| format_quantity(x, Dim::POWER);
            lines.push(match limit {
                Some(l) => format!(
                    "- `{}`: IT power {} of its {} limit ({} headroom, {:.0} %)",
                    plant.path(i),
                    w(it),
                    w(l),
                    w(l - it),
                    if l > 0.0 { 100.0 * it / l } else { 0.0 }
                ),
                None if it > 0.0 => format!("- `{}`: IT power {}", plant.path(i), w(it)),
                None => continue,
            });
        }
        if instances.len() > 8 {
            lines.push(format!("- … {} more", instances.len() - 8));
        }
        if !lines.is_empty() {
            out.push_str("\n\n");
            out.push_str(&lines.join("\n"));
        }
    }
    out
}

fn describe_value(program: &Program, value: &Value) -> String {
    match value {
        Value::Number { value, dim } => format!("`{}`", format_quantity(*value, *dim)),
        Value::Bool(b) => format!("`{b}`"),
        Value::Str(s) => format!("`\"{s}\"`"),
        Value::Symbol(s) => format!("`{s}`"),
        Value::Type(id) => format!("`{}`", program.decl(*id).name.clone().unwrap_or_default()),
        Value::Path(p) => format!("`{p}`"),
        other => other.describe(program),
    }
}

/// Hover from the syntax alone: a block's kind, a field or bound name, a number.
fn syntax_hover(ws: &Workspace, file: SourceFile, offset: u32) -> Option<(String, Span)> {
    let parse = fabric_core::source::parse_file(&ws.db, file);
    let mut chain: Vec<&Block> = Vec::new();
    let mut members: &[Member] = &parse.file.members;
    loop {
        let mut next = None;
        for m in members {
            match m {
                Member::Block(b) if contains(b.span, offset) => {
                    if contains(b.kind.span, offset) {
                        let kind = Kind::from_name(&b.kind.name)?;
                        let s = kind.schema();
                        return Some((format!("```fabric\n{}\n```\n{}\n\n{}", s.name, s.doc, field_list(kind)), b.kind.span));
                    }
                    chain.push(b);
                    next = b.body.as_deref();
                }
                Member::Field(f) if contains(f.name.span, offset) => {
                    let kind = chain.last().and_then(|b| Kind::from_name(&b.kind.name))?;
                    let schema = kind.schema().field(&f.name.name)?;
                    return Some((field_doc(kind, schema), f.name.span));
                }
                Member::Bound(b) if contains(b.name.span, offset) => {
                    let kind = chain.last().and_then(|b| Kind::from_name(&b.kind.name))?;
                    let schema = kind.schema().field(&b.name.name)?;
                    return Some((field_doc(kind, schema), b.name.span));
                }
                _ => {}
            }
        }
        match next {
            Some(body) => members = body,
            None => break,
        }
    }
    // A number with its unit.
    use logos::Logos;
    let text = file.text(&ws.db);
    for (token, range) in fabric_syntax::lexer::Token::lexer(text).spanned() {
        if range.start as u32 > offset {
            break;
        }
        if let Ok(fabric_syntax::lexer::Token::Number(n)) = token
            && (range.end as u32) >= offset
        {
            let unit = n.unit?;
            let parsed = fabric_core::units::parse_unit(unit).ok()?;
            let si = n.value * parsed.factor;
            return Some((
                format!(
                    "{} {unit} = {} ({})",
                    fabric_core::units::format_number(n.value),
                    format_quantity(si, parsed.dim),
                    parsed.dim.name()
                ),
                Span::new(range.start as u32, range.end as u32),
            ));
        }
    }
    None
}

fn field_doc(kind: Kind, f: &fabric_core::schema::FieldSchema) -> String {
    let mut s = format!("```fabric\n{}.{}\n```\n{} — {}", kind.name(), f.name, f.doc, f.ty.describe());
    if f.required {
        s.push_str(" (required)");
    }
    if let Some(d) = f.default {
        s.push_str(&format!(" (default {})", default_text(f.ty, d)));
    }
    s
}

fn default_text(ty: ValueType, d: fabric_core::schema::Default) -> String {
    match (ty, d) {
        (ValueType::Quantity(dim), fabric_core::schema::Default::Number(n)) => format_quantity(n, dim),
        (_, fabric_core::schema::Default::Number(n)) => fabric_core::units::format_number(n),
        (_, fabric_core::schema::Default::Text(t)) => t.to_string(),
        (_, fabric_core::schema::Default::Bool(b)) => b.to_string(),
    }
}

fn field_list(kind: Kind) -> String {
    kind.schema().fields.iter().map(|f| format!("- `{}`: {}", f.name, f.ty.describe())).collect::<Vec<_>>().join("\n")
}

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
            ValueType::Path => return path_items(ws, project, line),
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

/// The line where a new `import` goes: after the file's leading comments and imports.
fn import_line(text: &str) -> u32 {
    text.lines().take_while(|l| l.trim().is_empty() || l.trim_start().starts_with("//") || l.trim_start().starts_with("import")).count()
        as u32
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
    let import_line = import_line(text);
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

/// The plant hierarchy as document symbols: every block with its children.
pub fn document_symbols(ws: &mut Workspace, key: &str) -> Vec<DocumentSymbol> {
    let Some((_, file)) = open(ws, key) else { return Vec::new() };
    let parse = fabric_core::source::parse_file(&ws.db, file);
    let text = file.text(&ws.db);
    let index = ws.index_of(file);
    symbols(&parse.file.members, text, &index)
}

#[allow(deprecated)] // DocumentSymbol::deprecated is required by the type
fn symbols(members: &[Member], text: &str, index: &crate::position::LineIndex) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    for m in members {
        let (name, detail, kind, span, selection, children) = match m {
            Member::Block(b) => {
                let kind = Kind::from_name(&b.kind.name);
                let name = b.name.as_ref().map_or_else(|| b.kind.name.clone(), |n| n.name.clone());
                let detail = match &b.base {
                    Some(base) => format!("{}: {base}", b.kind.name),
                    None => b.kind.name.clone(),
                };
                let symbol_kind = match kind.map(|k| k.schema().role) {
                    Some(Role::Type) if b.base.is_none() || b.body.is_some() => SymbolKind::CLASS,
                    Some(Role::SubRecord) => SymbolKind::STRUCT,
                    _ => SymbolKind::OBJECT,
                };
                let selection = b.name.as_ref().map_or(b.kind.span, |n| n.span);
                let children = b.body.as_deref().map(|body| symbols(body, text, index)).unwrap_or_default();
                (name, detail, symbol_kind, b.span, selection, children)
            }
            Member::Const(c) => (c.name.name.clone(), "const".to_string(), SymbolKind::CONSTANT, c.span, c.name.span, Vec::new()),
            Member::Field(f) => (f.name.name.clone(), "field".to_string(), SymbolKind::FIELD, f.span, f.name.span, Vec::new()),
            _ => continue,
        };
        out.push(DocumentSymbol {
            name,
            detail: Some(detail),
            kind,
            tags: None,
            deprecated: None,
            range: index.range(text, span.start, span.end),
            selection_range: index.range(text, selection.start, selection.end),
            children: (!children.is_empty()).then_some(children),
        });
    }
    out
}

/// Types and top-level instances whose name contains `query`, across the workspace.
#[allow(deprecated)] // SymbolInformation::deprecated is required by the type
pub fn workspace_symbols(ws: &mut Workspace, query: &str) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let mut out: BTreeMap<(String, u32), SymbolInformation> = BTreeMap::new();
    for project in ws.all_projects() {
        let program = fabric_core::resolve::program(&ws.db, project);
        for id in program.types.iter().chain(&program.roots) {
            let d = program.decl(*id);
            let Some(name) = &d.name else { continue };
            if d.file.key(&ws.db).starts_with("std.") || !name.to_lowercase().contains(&query) {
                continue;
            }
            let Some(location) = location(ws, d.file, d.name_span) else { continue };
            out.insert(
                (d.file.key(&ws.db).clone(), d.name_span.start),
                SymbolInformation {
                    name: name.clone(),
                    kind: if d.is_type { SymbolKind::CLASS } else { SymbolKind::OBJECT },
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: Some(d.kind.name().to_string()),
                },
            );
        }
    }
    out.into_values().collect()
}

/// The whole-document edit that formats it; `None` when it is formatted or does not parse.
pub fn formatting(ws: &mut Workspace, key: &str) -> Option<Vec<TextEdit>> {
    let doc = ws.docs.get(key)?;
    let formatted = fabric_core::fmt::format(&doc.text).ok()?;
    if formatted == doc.text {
        return Some(Vec::new());
    }
    let end = doc.index.position(&doc.text, doc.text.len() as u32);
    Some(vec![TextEdit::new(Range::new(Position::new(0, 0), end), formatted)])
}

/// Inlay hints: the IT power and headroom of every site, building, hall, row and rack
/// instance at its closing brace, and each campus link's one-way latency.
pub fn inlay_hints(ws: &mut Workspace, key: &str) -> Vec<InlayHint> {
    let Some((project, file)) = open(ws, key) else { return Vec::new() };
    let program = fabric_core::resolve::program(&ws.db, project);
    let plant = fabric_core::plant::plant(&ws.db, project);
    let budgets = fabric_core::pipeline::budgets(&ws.db, project);
    let text = file.text(&ws.db);
    let index = ws.index_of(file);
    let mut by_decl: HashMap<DeclId, Vec<InstanceId>> = HashMap::new();
    for i in 0..plant.instances.len() {
        let id = InstanceId(i as u32);
        if matches!(plant.kind(id), Kind::Site | Kind::Building | Kind::Hall | Kind::Row | Kind::Rack) {
            by_decl.entry(plant.get(id).decl).or_default().push(id);
        }
    }
    let mut hints = Vec::new();
    let w = |x: f64| format_quantity(x, Dim::POWER);
    for (decl, instances) in &by_decl {
        let d = program.decl(*decl);
        if d.file != file || budgets.power.it_power_w.is_empty() {
            continue;
        }
        // The most loaded instance of an array speaks for it.
        let worst = instances.iter().copied().max_by(|a, b| {
            let head = |i: InstanceId| {
                let it = budgets.power.it_power_w.get(i.0 as usize).copied().unwrap_or(0.0);
                plant.field(i, "power_limit").and_then(|f| f.number()).map_or(-it, |l| it - l)
            };
            head(*a).total_cmp(&head(*b))
        });
        let Some(worst) = worst else { continue };
        let it = budgets.power.it_power_w.get(worst.0 as usize).copied().unwrap_or(0.0);
        let label = match plant.field(worst, "power_limit").and_then(|f| f.number()) {
            Some(l) => format!("IT {} of {} ({} headroom)", w(it), w(l), w(l - it)),
            None => format!("IT {}", w(it)),
        };
        let label = if instances.len() > 1 { format!("{label}, worst of {}", instances.len()) } else { label };
        hints.push(hint(index.position(text, d.span.end), label));
    }
    for link in &budgets.latencies {
        let Some(d) = program.roots.iter().map(|&r| program.decl(r)).find(|d| {
            d.kind == Kind::Link
                && d.file == file
                && d.fields.iter().any(|f| f.name == "from" && matches!(&f.value, Value::Path(p) if p.to_string() == link.from))
                && d.fields.iter().any(|f| f.name == "to" && matches!(&f.value, Value::Path(p) if p.to_string() == link.to))
        }) else {
            continue;
        };
        hints.push(hint(index.position(text, d.span.end), format!("one-way {}", format_quantity(link.worst_one_way_s, Dim::TIME))));
    }
    hints.sort_by_key(|h| (h.position.line, h.position.character));
    hints
}

fn hint(position: Position, label: String) -> InlayHint {
    InlayHint {
        position,
        label: InlayHintLabel::String(format!(" {label}")),
        kind: None,
        text_edits: None,
        tooltip: None,
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}

/// Quick fixes: apply a "did you mean", add the import a diagnostic names.
pub fn code_actions(ws: &mut Workspace, key: &str, uri: &Uri, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    let Some(doc) = ws.docs.get(key) else { return out };
    for d in diagnostics {
        // A fix the compiler made: applied as is.
        if let Some(fix) = d.data.as_ref().map(|v| &v["fix"]).filter(|f| f.is_object())
            && let (Some(title), Some(target), Ok(range), Some(text)) = (
                fix["title"].as_str(),
                fix["uri"].as_str().and_then(|u| u.parse::<Uri>().ok()),
                serde_json::from_value::<Range>(fix["range"].clone()),
                fix["newText"].as_str(),
            )
        {
            let mut changes = HashMap::new();
            changes.insert(target, vec![TextEdit::new(range, text.to_string())]);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.to_string(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
            continue;
        }
        let Some(help) = d.data.as_ref().and_then(|v| v["help"].as_str()) else { continue };
        let mut edits = Vec::new();
        let title;
        if let Some(rest) = help.strip_prefix("did you mean `")
            && let Some((suggestion, _)) = rest.split_once('`')
        {
            title = format!("Replace with `{suggestion}`");
            edits.push(TextEdit::new(d.range, suggestion.to_string()));
        } else if let Some((_, rest)) = help.split_once(": add `import ")
            && let Some((import, _)) = rest.split_once('`')
        {
            title = format!("Add `import {import}`");
            let at = Position::new(import_line(&doc.text), 0);
            edits.push(TextEdit::new(Range::new(at, at), format!("import {import}\n")));
        } else {
            continue;
        }
        let mut changes = HashMap::new();
        changes.insert(uri.clone(), edits);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d.clone()]),
            edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    out
}

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

/// Signature help inside a builtin's parentheses.
pub fn signature_help(ws: &Workspace, key: &str, offset: u32) -> Option<SignatureHelp> {
    let doc = ws.docs.get(key)?;
    let before = doc.text.get(..offset as usize)?;
    let mut depth = 0i32;
    let mut commas = 0u32;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let name: String = before[..i].chars().rev().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let name: String = name.chars().rev().collect();
                if !fabric_core::resolve::BUILTINS.contains(&name.as_str()) {
                    return None;
                }
                let doc = fabric_core::resolve::signature(&name);
                let label = doc.split('`').nth(1).unwrap_or(&name).to_string();
                return Some(SignatureHelp {
                    signatures: vec![SignatureInformation {
                        label,
                        documentation: Some(Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: doc })),
                        parameters: None,
                        active_parameter: Some(commas),
                    }],
                    active_signature: Some(0),
                    active_parameter: Some(commas),
                });
            }
            ',' if depth == 0 => commas += 1,
            '\n' if depth == 0 && commas == 0 => {}
            _ => {}
        }
    }
    None
}
