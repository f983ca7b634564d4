// Starts `fabric lsp` for .fabric files through vscode-languageclient.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('fabric').get('server.path') || 'fabric';
  const serverOptions = { run: { command, args: ['lsp'] }, debug: { command, args: ['lsp'] } };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'fabric' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.fabric') },
  };
  client = new LanguageClient('fabric', 'Fabric', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
