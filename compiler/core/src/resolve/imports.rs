//! Declarations and imports: each file's names declared, `import`s followed and bound
//! into scope, references recorded for the language server.

use super::model::*;
use super::resolver::*;
use crate::diagnostic::{Diagnostic, Label, codes, did_you_mean};
use crate::load::{file_import_key, module_key};
use crate::schema::{Kind, Role};
use crate::source::{FileSlot, SourceFile};
use fabric_syntax::Span;
use fabric_syntax::ast::{self, ImportTarget, Member};
use std::collections::HashMap;

impl Resolver<'_> {
    /// Registers the names a file declares: constants, types and top-level instances.
    pub(super) fn declare(&mut self, fi: FileIdx) {
        let file = self.files[fi].file;
        let parse = self.files[fi].parse;
        let mut instance_names: HashMap<String, Span> = HashMap::new();
        for (mi, member) in parse.file.members.iter().enumerate() {
            let (name, span, symbol) = match member {
                Member::Const(c) => (c.name.name.clone(), c.name.span, Some(Symbol::Const(fi, mi))),
                Member::Block(block) => {
                    let Some(kind) = self.kind_of(file, &block.kind) else { continue };
                    let role = kind.schema().role;
                    if role == Role::SubRecord {
                        self.error(
                            Diagnostic::error(
                                codes::E0208,
                                format!("a `{}` block belongs inside an `inference` block", kind.name()),
                                Label::new(file, block.kind.span, "not allowed at the top level"),
                            )
                            .with_help(format!(
                                "move it into the `{}` it describes",
                                kind.parents().first().map_or("inference", |k| k.name())
                            )),
                        );
                        continue;
                    }
                    let Some(name) = &block.name else {
                        self.error(
                            Diagnostic::error(
                                codes::E0211,
                                format!("this `{}` needs a name", kind.name()),
                                Label::new(file, block.kind.span, "no name"),
                            )
                            .with_help(format!("write `{} my_name {{ … }}`", kind.name())),
                        );
                        continue;
                    };
                    let is_type = role == Role::Type;
                    let id = self.push_decl(Decl {
                        kind,
                        name: Some(name.name.clone()),
                        array: None,
                        array_span: None,
                        base: None,
                        fields: vec![],
                        bounds: vec![],
                        children: vec![],
                        parent: None,
                        is_type,
                        file,
                        span: block.span,
                        name_span: name.span,
                        doc: block.doc.clone(),
                    });
                    if is_type {
                        self.program.types.push(id);
                        (name.name.clone(), name.span, Some(Symbol::Type(id)))
                    } else {
                        self.program.roots.push(id);
                        if let Some(first) = instance_names.insert(name.name.clone(), name.span) {
                            self.duplicate(file, &name.name, name.span, file, first);
                        }
                        (name.name.clone(), name.span, None)
                    }
                }
                _ => continue,
            };
            let Some(symbol) = symbol else { continue };
            if let Some(&(_, first)) = self.files[fi].own.get(&name) {
                self.duplicate(file, &name, span, file, first);
                continue;
            }
            self.files[fi].own.insert(name.clone(), (symbol, span));
            self.files[fi].scope.insert(name, symbol);
        }
    }

    pub(super) fn duplicate(&mut self, file: SourceFile, name: &str, span: Span, first_file: SourceFile, first: Span) {
        self.error(
            Diagnostic::error(codes::E0204, format!("`{name}` is defined more than once"), Label::new(file, span, "defined again here"))
                .with_label(Label::new(first_file, first, "first defined here"))
                .with_help("rename one of them, or remove the second definition"),
        );
    }

    pub(super) fn kind_of(&mut self, file: SourceFile, ident: &ast::Ident) -> Option<Kind> {
        let kind = Kind::from_name(&ident.name);
        if kind.is_some() {
            return kind;
        }
        // A word cut loose by a syntax error on the same line is part of that error. (Only
        // looked up for unknown kinds: finding the line scans the text.)
        let cut_loose = self
            .files
            .iter()
            .find(|f| f.file == file)
            .is_some_and(|f| f.error_lines.contains(&line_of(file.text(self.db), ident.span.start)));
        if !cut_loose {
            let names = Kind::ALL.map(|k| k.name());
            let mut d =
                Diagnostic::error(codes::E0202, format!("unknown kind `{}`", ident.name), Label::new(file, ident.span, "not a kind"));
            d = match did_you_mean(&ident.name, names) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")).with_replacement(s),
                None => d.with_help(format!("the kinds are {}", names.join(", "))),
            };
            self.error(d);
        }
        kind
    }

    pub(super) fn import(&mut self, fi: FileIdx, slots: &std::collections::BTreeMap<String, FileSlot>) {
        let db = self.db;
        let file = self.files[fi].file;
        let parse = self.files[fi].parse;
        for member in &parse.file.members {
            let Member::Import(import) = member else { continue };
            match &import.target {
                ImportTarget::File { path, path_span } => {
                    let key = file_import_key(file.key(db), path);
                    match slots.get(&key) {
                        Some(FileSlot::Loaded(target)) => {
                            let Some(&ti) = self.by_key.get(target.key(db)) else { continue };
                            let names: Vec<(String, (Symbol, Span))> = self.files[ti].own.iter().map(|(k, v)| (k.clone(), *v)).collect();
                            for (name, (symbol, _)) in names {
                                self.bind_import(fi, &name, symbol, *path_span);
                            }
                        }
                        Some(FileSlot::OutsideRoot) => self.error(
                            Diagnostic::error(codes::E0207, format!("`{path}` is outside the project root"), Label::new(file, *path_span, "leaves the project folder"))
                                .with_help("imports may only name files inside the folder of the spec given on the command line; copy or link the file there"),
                        ),
                        Some(FileSlot::TooDeep) => self.error(
                            Diagnostic::error(
                                codes::E0905,
                                format!("`{path}` would be imported more than {} files deep", crate::source::MAX_IMPORT_DEPTH),
                                Label::new(file, *path_span, "import chain too long"),
                            )
                            .with_help("import the files a spec needs from fewer levels: an entry file that imports each part directly"),
                        ),
                        Some(FileSlot::TooMany) => self.error(
                            Diagnostic::error(
                                codes::E0906,
                                format!("`{path}` is not loaded: the spec already has {} files", crate::source::MAX_FILES),
                                Label::new(file, *path_span, "one file too many"),
                            )
                            .with_help("merge small files; a spec that reaches this usually imports a generated tree by mistake"),
                        ),
                        Some(FileSlot::Missing(reason)) => self.error(
                            Diagnostic::error(codes::E0205, format!("cannot import `{path}`: {reason}"), Label::new(file, *path_span, "file not found"))
                                .with_help("file imports are relative to the importing file"),
                        ),
                        None => {}
                    }
                }
                ImportTarget::Module { path, names } => {
                    let segments: Vec<String> = path.iter().map(|i| i.name.clone()).collect();
                    let Some((key, used)) = module_key(&segments) else {
                        let dotted = segments.join(".");
                        let modules = crate::stdlib::MODULES.iter().map(|(n, _)| *n);
                        let suggested = did_you_mean(&dotted, modules);
                        let help = match suggested {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "the standard library has {}; files are imported with a string: `import \"file.fabric\"`",
                                crate::stdlib::MODULES.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        let span = path[0].span.cover(path[path.len() - 1].span);
                        let mut d =
                            Diagnostic::error(codes::E0205, format!("no module `{dotted}`"), Label::new(file, span, "unknown module"))
                                .with_help(help);
                        if let Some(s) = suggested {
                            d = d.with_replacement(s);
                        }
                        self.error(d);
                        continue;
                    };
                    let Some(&ti) = self.by_key.get(&key) else { continue };
                    let rest = &path[used..];
                    let wanted: Vec<&ast::Ident> = match (names, rest) {
                        (Some(list), []) => list.iter().collect(),
                        (None, []) => {
                            let alias = segments[used - 1].clone();
                            self.files[fi].modules.insert(alias, ti);
                            continue;
                        }
                        (None, [single]) => vec![single],
                        (_, extra) => {
                            let span = extra[0].span.cover(extra[extra.len() - 1].span);
                            self.error(
                                Diagnostic::error(
                                    codes::E0205,
                                    format!("`{key}` has no submodule `{}`", extra[0].name),
                                    Label::new(file, span, "not a module"),
                                )
                                .with_help(format!("import names with `import {key}.{{Name, Other}}`")),
                            );
                            continue;
                        }
                    };
                    for ident in wanted {
                        match self.files[ti].own.get(&ident.name).copied() {
                            Some((symbol, _)) => {
                                self.reference(fi, ident.span, symbol);
                                self.bind_import(fi, &ident.name, symbol, ident.span)
                            }
                            None => {
                                let available: Vec<String> = self.files[ti].own.keys().cloned().collect();
                                let mut d = Diagnostic::error(
                                    codes::E0201,
                                    format!("`{key}` has no `{}`", ident.name),
                                    Label::new(file, ident.span, "not in this module"),
                                );
                                d = match did_you_mean(&ident.name, available.iter().map(String::as_str)) {
                                    Some(s) => d.with_help(format!("did you mean `{s}`?")).with_replacement(s),
                                    None => d.with_help(format!("`fabric explain E0201` tells how to list what `{key}` holds")),
                                };
                                self.error(d);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Records that `span` of file `fi` names `symbol`.
    pub(super) fn reference(&mut self, fi: FileIdx, span: Span, symbol: Symbol) {
        let (target_file, target_span) = match symbol {
            Symbol::Type(id) => (self.program.decl(id).file, self.program.decl(id).name_span),
            Symbol::Const(cf, cm) => match &self.files[cf].parse.file.members[cm] {
                Member::Const(c) => (self.files[cf].file, c.name.span),
                _ => return,
            },
        };
        self.program.references.push(Reference { file: self.files[fi].file, span, target_file, target_span });
    }

    pub(super) fn bind_import(&mut self, fi: FileIdx, name: &str, symbol: Symbol, span: Span) {
        let file = self.files[fi].file;
        if let Some(&(_, own)) = self.files[fi].own.get(name) {
            self.error(
                Diagnostic::error(
                    codes::E0204,
                    format!("`{name}` is imported and also defined in this file"),
                    Label::new(file, own, "defined here"),
                )
                .with_label(Label::new(file, span, "imported here"))
                .with_help("rename the local definition or drop the import"),
            );
            return;
        }
        self.files[fi].scope.insert(name.to_string(), symbol);
    }
}
