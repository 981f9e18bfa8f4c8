// What the tool-running commands share: work-done progress that the user can cancel from
// either end (the request's own cancellation or the progress' cancel button), and finding the
// generated kernel half a command was asked to verify.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CancellationToken, WorkDoneProgressReporter, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { Logger } from '../log';
import { lineMapPath, parseLineMap, resolveOriginal, LINE_MAP_SUFFIX } from '../tools/lineMap';

export interface ToolProgress {
  report(message: string): void;
  done(): void;
  /** Aborted when the client cancels the request or the progress. */
  readonly signal: AbortSignal;
}

export interface ProgressSources {
  /** The reporter attached to the request's workDoneToken, when the client sent one. */
  attached?: WorkDoneProgressReporter;
  /** Creates server-initiated progress (window/workDoneProgress/create). */
  create: () => Promise<WorkDoneProgressServerReporter>;
  requestToken?: CancellationToken;
  logger: Logger;
}

/**
 * Progress for one long run. A client that sent a workDoneToken gets its progress there (and
 * cancels by cancelling the request); otherwise the server creates progress, cancellable when
 * asked. A client without progress support gets nothing shown, and nothing fails.
 */
export async function startProgress(sources: ProgressSources, title: string, cancellable: boolean): Promise<ToolProgress> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const disposables: { dispose(): void }[] = [];
  if (sources.requestToken) {
    if (sources.requestToken.isCancellationRequested) abort();
    disposables.push(sources.requestToken.onCancellationRequested(abort));
  }
  let reporter: WorkDoneProgressReporter | undefined = sources.attached;
  if (!reporter) {
    try {
      const created = await sources.create();
      if (created.token.isCancellationRequested) abort();
      disposables.push(created.token.onCancellationRequested(abort));
      reporter = created;
    } catch (error) {
      sources.logger.debug(() => `No work-done progress: ${(error as Error).message}`);
    }
  }
  // A client that went away makes the reporter throw; progress is never worth a failure.
  const safely = (step: () => void) => {
    try {
      step();
    } catch {
      reporter = undefined;
    }
  };
  safely(() => reporter?.begin(title, undefined, undefined, cancellable));
  let finished = false;
  return {
    signal: controller.signal,
    report: (message) => safely(() => reporter?.report(message)),
    done: () => {
      if (finished) return;
      finished = true;
      for (const d of disposables) d.dispose();
      safely(() => reporter?.done());
    },
  };
}

export type KernelHalf = { ok: true; generated: string } | { ok: false; reason: string };

const GENERATED_SUFFIX = '.bpf.c';

/**
 * The NAME.bpf.c to verify for a file the user pointed at: the file itself when it is one, else
 * the kernel half split from it — beside it, in `<base>-offload/` (where the code action puts
 * it when the directory is taken), or any NAME.bpf.c whose line map names this source in the
 * same two directories.
 */
export function findKernelHalf(file: string): KernelHalf {
  if (file.endsWith(GENERATED_SUFFIX)) {
    return isFile(file) ? { ok: true, generated: file } : { ok: false, reason: `${path.basename(file)} does not exist on disk (save it first)` };
  }
  if (!/\.[ch]$/.test(file)) return { ok: false, reason: `${path.basename(file)} is neither a generated .bpf.c nor a C source` };
  const base = path.basename(file).replace(/\.[ch]$/, '');
  const dirs = [path.dirname(file), path.join(path.dirname(file), `${base}-offload`)];
  const conventional = dirs.map((d) => path.join(d, `${base}${GENERATED_SUFFIX}`));
  const candidates = [...conventional, ...dirs.flatMap(generatedFilesIn)].filter((c, i, all) => all.indexOf(c) === i && isFile(c));
  // A kernel half whose map names this very source beats one that only has the right name.
  const mapped = candidates.find((c) => mapNames(c, file));
  const chosen = mapped ?? candidates.find((c) => conventional.includes(c));
  if (chosen) return { ok: true, generated: chosen };
  return {
    ok: false,
    reason: `no kernel half of ${path.basename(file)} found (looked for ${conventional.map((c) => path.relative(path.dirname(file), c)).join(' and ')}); ` +
      'split it first with the "Offload to XDP" code action or `bpf-offload split`',
  };
}

function generatedFilesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
      .filter((name) => name.endsWith(GENERATED_SUFFIX + LINE_MAP_SUFFIX))
      .map((name) => path.join(dir, name.slice(0, -LINE_MAP_SUFFIX.length)));
  } catch {
    return [];
  }
}

function mapNames(generated: string, source: string): boolean {
  try {
    const map = parseLineMap(fs.readFileSync(lineMapPath(generated), 'utf8'));
    const dir = path.dirname(generated);
    return map.sources.some((s) => path.resolve(resolveOriginal(dir, s)) === path.resolve(source));
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
