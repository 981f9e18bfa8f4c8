// Code actions: the rules' quick fixes (bound to their diagnostic through `data`) and the
// offload refactoring — "Offload to XDP / sk_skb / sk_msg" on an entry or inside its slice.
// The offload is ONE WorkspaceEdit that creates every planned file (CreateFile with
// overwrite: false and ignoreIfExists: false, so the editor refuses rather than replaces) and
// fills it, under one change annotation (a label, no needsConfirmation: VS Code would show
// such changes unticked in its preview, so a plain Apply wrote nothing; the preview is still
// one Ctrl+Enter away in the code action menu). Existing files
// are checked before the action is offered: the files go beside the source when none of them
// exists there, else into `<base>-offload/`, else the action is disabled and says which files
// are in the way. Hooks that do not apply are offered disabled with the reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeActionKind,
  type AnnotatedTextEdit,
  type CancellationToken,
  type ClientCapabilities,
  type CodeAction,
  type CodeActionParams,
  type CreateFile,
  type Diagnostic,
  type TextDocumentEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { RequestEntry } from '../analysis/entries';
import { planSplit, SplitError, type SplitHook, type SplitPlan } from '../analysis/codegen/split';
import { splitFileNames } from '../analysis/codegen/contract';
import { quickFixesFor } from '../analysis/rules/quickFixes';
import type { Logger } from '../log';
import { pathToUri, uriToPath } from '../uris';
import { currentAnalysis, entryAt, type CurrentAnalysis, type FeatureDeps } from './entryLookup';

export const SPLIT_ANNOTATION_ID = 'bpf-offload.split';
const HOOK_LABELS: Record<SplitHook, string> = { xdp: 'XDP', sk_skb: 'sk_skb', sk_msg: 'sk_msg' };
const HOOK_ORDER: SplitHook[] = ['xdp', 'sk_skb', 'sk_msg'];

/** What the client can do with code actions and workspace edits (read once at initialize). */
export interface CodeActionSupport {
  disabled: boolean;
  /** The client resolves `edit` lazily through codeAction/resolve. */
  resolveEdit: boolean;
  createFiles: boolean;
  changeAnnotations: boolean;
}

export function codeActionSupportFrom(capabilities: ClientCapabilities): CodeActionSupport {
  const codeAction = capabilities.textDocument?.codeAction;
  const edit = capabilities.workspace?.workspaceEdit;
  return {
    disabled: codeAction?.disabledSupport === true,
    resolveEdit: codeAction?.resolveSupport?.properties.includes('edit') === true,
    createFiles: edit?.documentChanges === true && (edit.resourceOperations ?? []).includes('create'),
    changeAnnotations: edit?.changeAnnotationSupport !== undefined,
  };
}

/** Payload of an unresolved offload action (codeAction/resolve fills in the edit). */
export interface OffloadActionData {
  kind: 'bpf-offload.split';
  uri: string;
  version: number;
  entry: string;
  hook: SplitHook;
  /** Absolute directory the files go to. */
  directory: string;
}

/** Why a hook does not fit the entry's protocol; undefined when it does. */
export function hookMismatch(entry: RequestEntry, hook: SplitHook): string | undefined {
  const name = entry.handler ?? entry.name;
  if (entry.protocol === 'tcp') {
    if (hook === 'xdp') return `${name} reads a TCP byte stream; XDP sees single packets before TCP reassembles them`;
    if (hook === 'sk_msg') return `sk_msg runs on data a socket sends; ${name} answers requests it receives, which is sk_skb's place`;
    return undefined;
  }
  if (hook !== 'xdp') return `${hook} attaches to TCP sockets; ${name} receives ${entry.protocol === 'udp' ? 'UDP datagrams' : 'packets of an unknown protocol'}, which XDP answers`;
  return undefined;
}

/** Files of a split that a directory already has. */
function existingIn(directory: string, base: string): string[] {
  const names = splitFileNames(base);
  const files = [names.kernel, names.lineMap, names.sharedHeader, names.userspace, names.loaderHeader, names.loader, names.makefile];
  return files.filter((f) => fs.existsSync(path.join(directory, f)));
}

/** Where the files of a split of `source` go, or why nowhere. */
export function splitDirectory(source: string, base: string): { directory: string } | { blocked: string } {
  const beside = path.dirname(source);
  if (existingIn(beside, base).length === 0) return { directory: beside };
  const sub = path.join(beside, `${base}-offload`);
  const inSub = existingIn(sub, base);
  if (inSub.length === 0) return { directory: sub };
  return { blocked: `${path.basename(sub)}/ already holds ${inSub.join(', ')}; remove them or run \`bpf-offload split --out DIR\`` };
}

/** The WorkspaceEdit that creates and fills every planned file. */
export function splitWorkspaceEdit(plan: SplitPlan, directory: string, annotations: boolean): WorkspaceEdit {
  const annotationId = annotations ? SPLIT_ANNOTATION_ID : undefined;
  const documentChanges: (CreateFile | TextDocumentEdit)[] = [];
  for (const file of plan.files) {
    const uri = pathToUri(path.join(directory, file.relativePath));
    documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false }, ...(annotationId ? { annotationId } : {}) });
    const insert: AnnotatedTextEdit | { range: AnnotatedTextEdit['range']; newText: string } = {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      newText: file.content,
      ...(annotationId ? { annotationId } : {}),
    };
    documentChanges.push({ textDocument: { uri, version: null }, edits: [insert] });
  }
  const edit: WorkspaceEdit = { documentChanges };
  if (annotationId) {
    edit.changeAnnotations = {
      [annotationId]: {
        label: `Offload ${plan.entry.handler ?? plan.entry.name} to ${HOOK_LABELS[plan.hook]}: create ${plan.files.length} files`,
        needsConfirmation: false,
        description: plan.notes.join('; ') || undefined,
      },
    };
  }
  return edit;
}

export class CodeActionsFeature {
  /** Plans by uri@version/entry/hook/dir; a code action request comes with every cursor move. */
  private readonly plans = new Map<string, SplitPlan | SplitError>();

  constructor(
    private readonly deps: FeatureDeps & { logger: Logger },
    private readonly support: CodeActionSupport,
  ) {}

  async provide(params: CodeActionParams, token: CancellationToken): Promise<CodeAction[]> {
    const uri = params.textDocument.uri;
    const only = params.context.only;
    const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) actions.push(...this.quickFixes(uri, params.context.diagnostics));
    if (wants(CodeActionKind.RefactorExtract)) {
      const current = await currentAnalysis(this.deps, uri, token);
      if (current) actions.push(...this.offloadActions(current, params));
    }
    return actions;
  }

  resolve(action: CodeAction): CodeAction {
    const data = action.data as OffloadActionData | undefined;
    if (data?.kind !== 'bpf-offload.split' || action.edit) return action;
    const current = this.deps.analyzer.latestAnalysis(data.uri);
    const source = uriToPath(data.uri);
    if (!current || current.version !== data.version || !source) {
      this.deps.logger.warn(`Offload of ${data.entry}: the document changed; ask for the action again`);
      return action;
    }
    const base = path.basename(source).replace(/\.c$/, '');
    const clash = existingIn(data.directory, base);
    if (clash.length) {
      this.deps.logger.warn(`Offload of ${data.entry} not applied: ${clash.join(', ')} appeared in ${data.directory}`);
      return action;
    }
    const plan = this.plan({ result: current } as CurrentAnalysis, data.entry, data.hook, data.directory);
    if (plan instanceof SplitError) return action;
    return { ...action, edit: splitWorkspaceEdit(plan, data.directory, this.support.changeAnnotations) };
  }

  private quickFixes(uri: string, diagnostics: Diagnostic[]): CodeAction[] {
    const open = this.deps.analyzer.getDocument(uri);
    if (!open) return [];
    const text = open.document.getText();
    const actions: CodeAction[] = [];
    for (const diagnostic of diagnostics) {
      if (diagnostic.data === undefined) continue;
      for (const fix of quickFixesFor(diagnostic, text)) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { documentChanges: [{ textDocument: { uri, version: open.document.version }, edits: fix.edits }] },
        });
      }
    }
    return actions;
  }

  private offloadActions(current: CurrentAnalysis, params: CodeActionParams): CodeAction[] {
    const found = entryAt(current, params.range.start);
    if (!found) return [];
    const { entry } = found;
    const name = entry.handler ?? entry.name;
    const source = uriToPath(current.result.uri);
    const actions: CodeAction[] = [];
    for (const hook of HOOK_ORDER) {
      const title = `Offload ${name} to ${HOOK_LABELS[hook]}`;
      const action: CodeAction = { title, kind: CodeActionKind.RefactorExtract };
      const disable = (reason: string) => {
        if (this.support.disabled) actions.push({ ...action, disabled: { reason } });
      };
      const mismatch = hookMismatch(entry, hook);
      if (mismatch) {
        disable(mismatch);
        continue;
      }
      if (!source) {
        disable('save the file first: the split files are created beside it');
        continue;
      }
      if (!this.support.createFiles) {
        disable(`this editor cannot create files through LSP; run: bpf-offload split ${path.basename(source)} --entry ${entry.name} --hook ${hook} --out DIR`);
        continue;
      }
      const base = path.basename(source).replace(/\.c$/, '');
      const where = splitDirectory(source, base);
      if ('blocked' in where) {
        disable(where.blocked);
        continue;
      }
      const plan = this.plan(current, entry.name, hook, where.directory);
      if (plan instanceof SplitError) {
        disable(plan.message);
        continue;
      }
      if (where.directory !== path.dirname(source)) action.title = `${title} (into ${path.basename(where.directory)}/: files of that name exist beside ${path.basename(source)})`;
      if (hook === 'xdp' || hook === 'sk_skb') action.isPreferred = true;
      if (this.support.resolveEdit) {
        const data: OffloadActionData = { kind: 'bpf-offload.split', uri: current.result.uri, version: current.result.version, entry: entry.name, hook, directory: where.directory };
        action.data = data;
      } else {
        action.edit = splitWorkspaceEdit(plan, where.directory, this.support.changeAnnotations);
      }
      actions.push(action);
    }
    return actions;
  }

  private plan(current: CurrentAnalysis, entry: string, hook: SplitHook, directory: string): SplitPlan | SplitError {
    const { uri, version, analysis } = current.result;
    const key = `${uri}@${version}/${entry}/${hook}/${directory}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const parsed = this.deps.analyzer.treeFor(uri);
    const source = uriToPath(uri);
    let result: SplitPlan | SplitError;
    if (!parsed || !source) result = new SplitError('the document is not open');
    else {
      try {
        const lineMapSource = path.relative(directory, source).split(path.sep).join('/');
        // The analysis names files by canonical URI; the planner looks the entry up by that name.
        result = planSplit({ file: analysis.file, text: parsed.text, tree: parsed.tree, analysis, program: this.deps.analyzer.programFacts(), entry, hook, lineMapSource });
      } catch (error) {
        if (!(error instanceof SplitError)) this.deps.logger.error(`Planning the split of ${entry} failed`, error);
        result = error instanceof SplitError ? error : new SplitError(`the split could not be planned: ${(error as Error).message}`);
      }
    }
    // Plans of older versions are useless once the document moved on.
    for (const old of this.plans.keys()) if (!old.startsWith(`${uri}@${version}/`) && old.startsWith(`${uri}@`)) this.plans.delete(old);
    if (this.plans.size > 16) this.plans.clear();
    this.plans.set(key, result);
    return result;
  }
}
