// Draws what the server's bpfOffload/offloadRegions notification says: a translucent theme
// colour behind code that can finish in the kernel, and a marker after each line where a path
// is handed over to userspace or falls back. The setting bpfOffload.shading.enabled turns it
// off (fallback points stay visible as Hint diagnostics).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { OFFLOAD_REGIONS_NOTIFICATION, type OffloadRegionsParams } from '../../server/src/protocol';
import { COLOR_IDS } from './colors';
import { planRegions, type PlannedDecoration } from './regionPlan';

const SHADING_SETTING = 'bpfOffload.shading.enabled';

function toOptions(planned: PlannedDecoration[]): vscode.DecorationOptions[] {
  return planned.map((p) => ({
    range: new vscode.Range(p.range.start.line, p.range.start.character, p.range.end.line, p.range.end.character),
    ...(p.hover ? { hoverMessage: new vscode.MarkdownString(p.hover) } : {}),
  }));
}

export class OffloadDecorations implements vscode.Disposable {
  private readonly regions = new Map<string, OffloadRegionsParams>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly kernel = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor(COLOR_IDS.kernelPathBackground),
    isWholeLine: true,
    overviewRulerColor: new vscode.ThemeColor(COLOR_IDS.kernelPathBackground),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly marker = (text: string) =>
    vscode.window.createTextEditorDecorationType({
      after: { contentText: text, color: new vscode.ThemeColor(COLOR_IDS.handoverForeground), fontStyle: 'italic', margin: '0 0 0 2em' },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
  private readonly handover = this.marker('⤷ hand-over to userspace');
  private readonly fallback = this.marker('⤶ falls back to userspace');

  constructor(client: LanguageClient) {
    this.disposables.push(
      this.kernel,
      this.handover,
      this.fallback,
      client.onNotification(OFFLOAD_REGIONS_NOTIFICATION, (params: OffloadRegionsParams) => {
        this.regions.set(params.uri, params);
        for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === params.uri) this.draw(editor);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.draw(e))),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SHADING_SETTING)) vscode.window.visibleTextEditors.forEach((editor) => this.draw(editor));
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.regions.delete(document.uri.toString())),
    );
  }

  private draw(editor: vscode.TextEditor): void {
    const enabled = vscode.workspace.getConfiguration().get<boolean>(SHADING_SETTING, true);
    const plan = planRegions(this.regions.get(editor.document.uri.toString()), editor.document.version, enabled);
    if (plan === 'keep') return;
    editor.setDecorations(this.kernel, toOptions(plan.kernel));
    editor.setDecorations(this.handover, toOptions(plan.handover));
    editor.setDecorations(this.fallback, toOptions(plan.fallback));
  }

  /** Removes every decoration (the server restarts and sends fresh regions). */
  clear(): void {
    this.regions.clear();
    for (const editor of vscode.window.visibleTextEditors) for (const type of [this.kernel, this.handover, this.fallback]) editor.setDecorations(type, []);
  }

  dispose(): void {
    this.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The code lens's command: put the cursor on the entry and show its hover (the cost table). */
export async function showDetails(uri?: string, position?: { line: number; character: number }): Promise<void> {
  let editor = vscode.window.activeTextEditor;
  if (uri) {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
  }
  if (!editor) return;
  if (position) {
    const at = new vscode.Position(position.line, position.character);
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  await vscode.commands.executeCommand('editor.action.showHover');
}
