//! Fixture tests of the language features, called directly (no stdio): each fixture is a
//! spec with the cursor written as `$0`, and each answer is rendered as text and compared
//! with an insta snapshot in tests/snapshots. The stdio sessions are in
//! compiler/cli/tests/lsp.rs.

#![allow(clippy::unwrap_used)]

use fabric_lsp::features;
use fabric_lsp::workspace::Workspace;
use std::fmt::Write as _;
use tower_lsp_server::ls_types::*;

/// A workspace with `text` (its `$0` removed) open as `spec.fabric` in a fresh folder,
/// the file's key, the cursor's byte offset, and the folder (kept alive).
fn fixture(text: &str) -> (Workspace, String, u32, tempfile::TempDir) {
    let offset = text.find("$0").map_or(0, |o| o as u32);
    let text = text.replacen("$0", "", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = std::fs::canonicalize(dir.path()).unwrap().join("spec.fabric");
    std::fs::write(&path, &text).unwrap();
    let uri: Uri = format!("file://{}", path.display()).parse().unwrap();
    let mut ws = Workspace::default();
    let key = ws.open(uri, text, 1).unwrap();
    (ws, key, offset, dir)
}

/// A location as `file:line:column-line:column` (0-based, as LSP counts), the folder left out.
fn place(uri: &Uri, range: Range) -> String {
    let file = uri.as_str().rsplit('/').next().unwrap_or_default().to_string();
    format!("{file}:{}:{}-{}:{}", range.start.line, range.start.character, range.end.line, range.end.character)
}

fn snapshot(name: &str, rendered: &str) {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, rendered);
    });
}

const SITE: &str = "import std.nvidia.{DGX_H200}

rack Pod {
  units = 48 U
  power_limit = 60 kW
  node n[1..4]: DGX_H200
}

site campus {
  building b1 {
    hall h1 {
      row r[1..2] {
        rack k[1..3]: P$0od
      }
    }
  }
}
";

#[test]
fn hover_on_a_rack_type_shows_its_fields_and_power() {
    let (mut ws, key, offset, dir) = fixture(SITE);
    let hover = features::hover(&mut ws, &key, offset).unwrap();
    let HoverContents::Markup(markup) = hover.contents else { panic!("markdown hover") };
    let folder = std::fs::canonicalize(dir.path()).unwrap();
    snapshot("hover-rack-type", &markup.value.replace(&folder.to_string_lossy().into_owned(), "<folder>"));
}

#[test]
fn hover_on_a_training_job_shows_its_step_time_and_mfu() {
    let text = "import std.nvidia.{DGX_H100, ConnectX_7}
import std.models.{Llama_3_1_70B}

node H100_IB: DGX_H100 {
  nic nic[1..8]: ConnectX_7
}

rack Pod {
  units = 48 U
  node n[1..4]: H100_IB
}

site s {
  building b {
    hall h {
      row r {
        rack k[1..4]: Pod
      }
    }
  }
}

training pre$0train {
  model = Llama_3_1_70B
  precision = bf16
  placement = s.b.h
  gpus = 128
  sequence = 8192 tok
  global_batch = 256
  tokens = 1e11 tok
}
";
    let (mut ws, key, offset, dir) = fixture(text);
    let hover = features::hover(&mut ws, &key, offset).unwrap();
    let HoverContents::Markup(markup) = hover.contents else { panic!("markdown hover") };
    assert!(markup.value.contains("- step: ") && markup.value.contains("- MFU: "), "{}", markup.value);
    let folder = std::fs::canonicalize(dir.path()).unwrap();
    snapshot("hover-training-job", &markup.value.replace(&folder.to_string_lossy().into_owned(), "<folder>"));
}

/// The row-loss spec of the UI fixture E0706-scenario-row-lost, with the cursor on a
/// scenario's name.
const ROW_LOSS: &str = include_str!("../../tests/ui/E0706-scenario-row-lost.fabric");

#[test]
fn hover_on_a_scenario_shows_its_outcome() {
    let text = ROW_LOSS.replacen("scenario lose_row", "scenario lose_$0row", 1);
    let (mut ws, key, offset, dir) = fixture(&text);
    let hover = features::hover(&mut ws, &key, offset).unwrap();
    let HoverContents::Markup(markup) = hover.contents else { panic!("markdown hover") };
    assert!(markup.value.contains("- 32 GPUs out of service; the spec does not hold (1 error)"), "{}", markup.value);
    assert!(markup.value.contains("- service `chat`: E0706 on 32 GPUs"), "{}", markup.value);
    let folder = std::fs::canonicalize(dir.path()).unwrap();
    snapshot("hover-scenario", &markup.value.replace(&folder.to_string_lossy().into_owned(), "<folder>"));
}

#[test]
fn a_scenario_diagnostic_names_its_scenario() {
    let (mut ws, key, _, _dir) = fixture(ROW_LOSS);
    let diagnostics = features::diagnostics(&mut ws, &key);
    let d = diagnostics.iter().find(|d| d.code == Some(NumberOrString::String("E0706".into()))).unwrap();
    assert!(d.message.starts_with("in scenario `lose_row`: "), "{}", d.message);
    assert_eq!(d.data.as_ref().unwrap()["scenario"], "lose_row");
    let related = d.related_information.as_ref().unwrap();
    assert!(related.iter().any(|r| r.message == "scenario `lose_row` fails lab.b1.h1.r[1]"), "{related:?}");
}

#[test]
fn definition_of_a_rack_type_is_its_declaration() {
    let (mut ws, key, offset, _dir) = fixture(SITE);
    let location = features::definition(&mut ws, &key, offset).unwrap();
    assert_eq!(place(&location.uri, location.range), "spec.fabric:2:5-2:8");
}

#[test]
fn references_of_a_rack_type_include_its_declaration() {
    let (mut ws, key, offset, _dir) = fixture(SITE);
    let mut found: Vec<String> = features::references(&mut ws, &key, offset, true).iter().map(|l| place(&l.uri, l.range)).collect();
    found.sort();
    assert_eq!(found, ["spec.fabric:12:22-12:25", "spec.fabric:2:5-2:8"]);
}

#[test]
fn rename_of_a_rack_type_edits_every_use() {
    let (mut ws, key, offset, _dir) = fixture(SITE);
    let edit = features::rename(&mut ws, &key, offset, "Cabinet").unwrap();
    let mut rendered = String::new();
    for (uri, edits) in edit.changes.unwrap_or_default() {
        for e in edits {
            let _ = writeln!(rendered, "{} -> {}", place(&uri, e.range), e.new_text);
        }
    }
    let mut lines: Vec<&str> = rendered.lines().collect();
    lines.sort();
    assert_eq!(lines, ["spec.fabric:12:22-12:25 -> Cabinet", "spec.fabric:2:5-2:8 -> Cabinet"]);
}

#[test]
fn completion_after_a_colon_offers_rack_types_with_their_import() {
    let (mut ws, key, offset, _dir) = fixture(
        "rack Pod {
  units = 48 U
}

site s {
  building b {
    hall h {
      row r {
        rack k: GB$0
      }
    }
  }
}
",
    );
    let items = features::completion(&mut ws, &key, offset);
    let mut rendered = String::new();
    for item in items.iter().take(12) {
        let import = item.additional_text_edits.as_ref().and_then(|e| e.first()).map_or(String::new(), |e| e.new_text.trim().to_string());
        let _ = writeln!(rendered, "{} [{}] {}", item.label, item.detail.clone().unwrap_or_default(), import);
    }
    snapshot("completion-rack-types", &rendered);
}

#[test]
fn quick_fixes_are_the_compilers_typed_fixes() {
    let (mut ws, key, _, _dir) = fixture(
        "import std.nvidia.{DGX_H200}

rack Pod {
  units = 48 U
  node n: DGX_H20
}

site s {
  building b {
    hall h {
      row r {
        rack k: GB200_NVL72
      }
    }
  }
}
",
    );
    let diagnostics = features::diagnostics(&mut ws, &key);
    let actions = features::code_actions(&mut ws, &key, &diagnostics);
    let mut rendered = String::new();
    for action in actions {
        let CodeActionOrCommand::CodeAction(action) = action else { continue };
        for (uri, edits) in action.edit.and_then(|e| e.changes).unwrap_or_default() {
            for e in edits {
                let _ = writeln!(rendered, "{}: {} {:?}", action.title, place(&uri, e.range), e.new_text);
            }
        }
    }
    snapshot("quick-fixes", &rendered);
}

#[test]
fn signature_help_inside_a_builtin_call() {
    let (ws, key, offset, _dir) = fixture("assert latency(a, $0b) <= 1 ms\n");
    let help = features::signature_help(&ws, &key, offset).unwrap();
    let signature = &help.signatures[0];
    assert_eq!(help.active_parameter.or(signature.active_parameter), Some(1), "{signature:?}");
    snapshot("signature-help-latency", &signature.label);
}

#[test]
fn document_symbols_outline_the_spec() {
    let (mut ws, key, _, _dir) = fixture(SITE);
    fn walk(symbols: &[DocumentSymbol], depth: usize, out: &mut String) {
        for s in symbols {
            let _ = writeln!(out, "{}{} ({:?})", "  ".repeat(depth), s.name, s.kind);
            walk(s.children.as_deref().unwrap_or_default(), depth + 1, out);
        }
    }
    let mut rendered = String::new();
    walk(&features::document_symbols(&mut ws, &key), 0, &mut rendered);
    snapshot("document-symbols", &rendered);
}

#[test]
fn the_stdlib_goes_to_a_private_folder_and_never_through_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    // What another user could plant at the folder name the server once used.
    let planted = std::env::temp_dir().join(format!("fabric-stdlib-{}", env!("CARGO_PKG_VERSION"))).join("std");
    let victim = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(victim.path(), "precious").unwrap();
    let _ = std::fs::create_dir_all(&planted);
    let link = planted.join("nvidia.fabric");
    let _ = std::fs::remove_file(&link);
    let planted_ok = std::os::unix::fs::symlink(victim.path(), &link).is_ok();
    let folder = fabric_lsp::workspace::write_stdlib().unwrap();
    assert_eq!(std::fs::metadata(folder.path()).unwrap().permissions().mode() & 0o777, 0o700);
    assert_ne!(folder.path(), planted.parent().unwrap());
    assert!(folder.path().join("std/nvidia.fabric").is_file());
    assert!(!folder.path().join("std/nvidia.fabric").is_symlink());
    assert_eq!(std::fs::read_to_string(victim.path()).unwrap(), "precious");
    if planted_ok {
        let _ = std::fs::remove_file(&link);
    }
}
