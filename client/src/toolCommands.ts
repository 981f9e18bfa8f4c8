// The palette and menu commands that run tools: they work out what the user pointed at and ask
// the server (workspace/executeCommand). The server decides everything else — trust, which
// executables, the messages — so other editors get the same behaviour from the same commands.
import * as path from 'path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { CALIBRATE_COMMAND, VERIFY_COMMAND, type ToolCommandResult } from '../../server/src/protocol';
import { COMMAND_IDS } from './commands';

type ClientGetter = () => LanguageClient | undefined;

export function registerToolCommands(getClient: ClientGetter, output: vscode.OutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMAND_IDS.verifyKernelHalf, (resource?: unknown) => verifyKernelHalf(getClient, output, resource)),
    vscode.commands.registerCommand(COMMAND_IDS.calibrateCostModel, () => calibrateCostModel(getClient, output)),
  ];
}

function runningClient(getClient: ClientGetter): LanguageClient | undefined {
  const client = getClient();
  if (client?.isRunning()) return client;
  void vscode.window.showErrorMessage('BPF Offload: the language server is not running (BPF Offload: Restart Language Server).');
  return undefined;
}

/** `resource` is the file a menu was opened on; from the palette, the active editor's file. */
async function verifyKernelHalf(getClient: ClientGetter, output: vscode.OutputChannel, resource: unknown): Promise<void> {
  const uri = resource instanceof vscode.Uri ? resource : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('BPF Offload: open a generated .bpf.c file, or the C source you split, to verify it.');
    return;
  }
  const client = runningClient(getClient);
  if (!client) return;
  // The tools read the file on disk; unsaved edits would be silently left out.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty && !(await open.save())) {
    void vscode.window.showWarningMessage(`BPF Offload: ${path.basename(uri.fsPath)} could not be saved; not verified.`);
    return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `BPF Offload: verifying ${path.basename(uri.fsPath)}` },
    () => send(client, output, VERIFY_COMMAND, [uri.toString()]),
  );
}

async function calibrateCostModel(getClient: ClientGetter, output: vscode.OutputChannel): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const folder = folders.length > 1 ? await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder whose .bpf-offload/calibration.json to write' }) : folders[0];
  if (!folder) {
    if (folders.length === 0) void vscode.window.showWarningMessage('BPF Offload: open a folder first; the calibration is stored in it.');
    return;
  }
  const client = runningClient(getClient);
  if (!client) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'BPF Offload: calibrating the cost model', cancellable: true },
    async (progress, token) => {
      // The server reports each measurement step on this token; cancelling cancels the request.
      const workDoneToken = `bpfOffload.calibrate.${Date.now()}`;
      const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind !== 'end' && value.message) progress.report({ message: value.message });
      });
      try {
        await send(client, output, CALIBRATE_COMMAND, [folder.uri.toString()], token, workDoneToken);
      } finally {
        listener.dispose();
      }
    },
  );
}

/** The server shows the outcome itself (window/showMessage); only a failed request is shown here. */
async function send(
  client: LanguageClient, output: vscode.OutputChannel, command: string, args: unknown[],
  token?: vscode.CancellationToken, workDoneToken?: string,
): Promise<ToolCommandResult | undefined> {
  try {
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken }, token)) as ToolCommandResult;
  } catch (error) {
    if (token?.isCancellationRequested) return undefined;
    output.appendLine(`${command} failed: ${(error as Error).message}`);
    void vscode.window.showErrorMessage(`BPF Offload: ${command} failed (${(error as Error).message}). See BPF Offload: Show Log.`);
    return undefined;
  }
}
