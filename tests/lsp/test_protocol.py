"""The protocol-level suite: pytest-lsp drives `fabric lsp` and checks every response
against the protocol and the client's declared capabilities.

Run by scripts/test with FABRIC_BIN set to the `fabric` binary under test.
"""

import os
import pathlib
import shutil

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

FABRIC = os.environ.get("FABRIC_BIN", "fabric")
REPO = pathlib.Path(__file__).resolve().parents[2]

MAIN = """import "racks.fabric"

site lab {
  building b1 {
    hall h1 {
      row r1 {
        rack k1: DgxRack
        rack k2: DgxRack
      }
    }
  }
}
"""

RACKS = """import std.nvidia.{DGX_H200}

/// One DGX H200 in an air-cooled rack.
rack DgxRack {
  units = 48 U
  power_limit = 15 kW
  node dgx: DGX_H200
}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws").resolve()
    (root / "main.fabric").write_text(MAIN)
    (root / "racks.fabric").write_text(RACKS)
    shutil.copy(REPO / "examples" / "pod.fabric", root / "pod.fabric")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[FABRIC, "lsp"]))
async def client(lsp_client: LanguageClient, workspace):
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]),
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(documentation_format=[types.MarkupKind.Markdown])
            ),
            rename=types.RenameClientCapabilities(prepare_support=True),
        )
    )
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def open_doc(client: LanguageClient, path: pathlib.Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="fabric", version=version, text=text or path.read_text())
        )
    )
    return uri


def position_of(text: str, needle: str, nth: int = 0, after: bool = False) -> types.Position:
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    if after:
        at += len(needle)
    line = text.count("\n", 0, at)
    return types.Position(line=line, character=at - (text.rfind("\n", 0, at) + 1))


async def diagnostics_for(client: LanguageClient, uri: str, want=lambda d: True):
    for _ in range(20):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if uri in client.diagnostics and want(client.diagnostics[uri]):
            return client.diagnostics[uri]
    raise AssertionError(f"no fitting diagnostics for {uri}: {client.diagnostics.get(uri)}")


@pytest.mark.asyncio
async def test_diagnostics_have_codes_and_clear_after_a_fix(client: LanguageClient, workspace):
    text = MAIN.replace("rack k2: DgxRack", "rack k2: DgxRak")
    uri = open_doc(client, workspace / "main.fabric", text)
    found = await diagnostics_for(client, uri, lambda d: len(d) > 0)
    assert [d.code for d in found] == ["E0201"]
    assert found[0].range.start == position_of(text, "DgxRak")
    assert "did you mean `DgxRack`?" in found[0].message

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=found[0].range,
            context=types.CodeActionContext(diagnostics=list(found)),
        )
    )
    assert actions and actions[0].title == "Replace with `DgxRack`"

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=MAIN)],
        )
    )
    assert len(await diagnostics_for(client, uri, lambda d: len(d) == 0)) == 0


@pytest.mark.asyncio
async def test_hover_on_a_rack_instance_shows_its_power_against_its_limit(client: LanguageClient, workspace):
    uri = open_doc(client, workspace / "main.fabric")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(MAIN, "k1"))
    )
    assert hover is not None
    assert "IT power 10.2 kW of its 15 kW limit" in hover.contents.value


@pytest.mark.asyncio
async def test_completion_after_a_rack_colon_offers_the_gb_racks(client: LanguageClient, workspace):
    text = MAIN.replace("        rack k2: DgxRack\n", "        rack k2: DgxRack\n        rack k3: GB\n")
    uri = open_doc(client, workspace / "main.fabric", text)
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, "k3: GB", after=True))
    )
    labels = {i.label for i in items}
    assert {"GB200_NVL72", "GB300_NVL72", "DgxRack"} <= labels


@pytest.mark.asyncio
async def test_definition_of_a_stdlib_type_is_a_readable_file(client: LanguageClient, workspace):
    uri = open_doc(client, workspace / "racks.fabric")
    location = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(RACKS, "DGX_H200", 1))
    )
    path = pathlib.Path(location.uri.removeprefix("file://"))
    assert path.name == "nvidia.fabric"
    assert "node DGX_H200" in path.read_text().splitlines()[location.range.start.line]


@pytest.mark.asyncio
async def test_rename_of_a_type_updates_every_use_across_files(client: LanguageClient, workspace):
    uri = open_doc(client, workspace / "racks.fabric")
    at = position_of(RACKS, "DgxRack")
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert prepared.placeholder == "DgxRack"
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at, new_name="H200Rack")
    )
    main_uri = (workspace / "main.fabric").as_uri()
    assert len(edit.changes[uri]) == 1
    assert len(edit.changes[main_uri]) == 2


@pytest.mark.asyncio
async def test_formatting_symbols_tokens_and_hints(client: LanguageClient, workspace):
    text = (workspace / "pod.fabric").read_text().replace("units = 48 U", "units=48 U", 1)
    uri = open_doc(client, workspace / "pod.fabric", text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits[0].new_text == (workspace / "pod.fabric").read_text()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert "lab" in [s.name for s in symbols]
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert len(tokens.data) > 100 and len(tokens.data) % 5 == 0
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=200, character=0)),
        )
    )
    assert any("headroom" in h.label for h in hints), hints
