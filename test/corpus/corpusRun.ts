// Runs the whole analysis pipeline over a real C code base (a Debian source package fetched by
// scripts/fetch-corpus.mjs): every .c/.h file is parsed and summarised, program facts are built
// once across the package, then every .c file is analysed. Shared by the real-code test and
// scripts/corpus-report.ts so that what the report shows is what the test checks.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyzeFile, buildProgramFacts, DEFAULT_ANALYZE_OPTIONS, type AnalyzeOptions } from '../../server/src/analysis/analyze';
import type { AnalysisDiagnostic, FileSummary } from '../../server/src/analysis/model';
import { discoverEntries } from '../../server/src/analysis/entries';
import { summarizeFile } from '../../server/src/analysis/summarize';
import { initC, parsePlainC, type Tree } from '../../server/src/analysis/syntax';
import { repoRoot } from '../repoRoot';

/**
 * Two ways to choose the functions the rules check. 'default' is what the editor does with no
 * settings: a file's own discovered entries (receive loops, event callbacks) are the roots when
 * it has any, otherwise every function of the file is checked. 'discovered-entries' hands every
 * entry discovered anywhere in the package (and the handler it passes the packet to) to the
 * rules as program-wide entries, as a user listing them in settings would.
 */
export type EntryMode = 'default' | 'discovered-entries';

export interface FileRun {
  /** Path relative to the package directory. */
  file: string;
  lines: number;
  functions: number;
  hasSyntaxErrors: boolean;
  diagnostics: AnalysisDiagnostic[];
  /** Hints at the fallback points of the slices (not rule diagnostics). */
  fallbacks: AnalysisDiagnostic[];
  /** Entries the pipeline reported for this file, one line each. */
  entries: string[];
  /** Set when the analyzer threw on this file: the message and the top of the stack. */
  crash?: string;
}

export interface CorpusRun {
  directory: string;
  mode: EntryMode;
  /** Entry function names handed to the rules as settings (discovered-entries mode only). */
  entries: string[];
  /** Per discovered entry, one line: file, function, how, handler. */
  entryDescriptions: string[];
  /** Every .c and .h file read (headers are summarised, not analysed). */
  sourceFiles: number;
  totalLines: number;
  totalFunctions: number;
  filesWithSyntaxErrors: number;
  /** Analysed .c files. */
  files: FileRun[];
  parseMs: number;
  analyzeMs: number;
}

/**
 * Fetches (or finds cached) Debian source packages with scripts/fetch-corpus.mjs; returns the
 * unpacked directory of each. Throws with the script's own message when it cannot.
 */
export function fetchCorpus(packages: string[]): string[] {
  const root = repoRoot();
  try {
    const out = execFileSync('node', [join(root, 'scripts', 'fetch-corpus.mjs'), ...packages], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.split('\n').filter(Boolean);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || String(error));
  }
}

/**
 * memcached's unpacked source directory for a test, or undefined after marking the test skipped
 * when it cannot be fetched here. CI sets BPF_OFFLOAD_REQUIRE_KERNEL: there it must be fetched,
 * never skipped, so the error is thrown.
 */
export function memcachedOrSkip(t: { skip(message: string): void }): string | undefined {
  try {
    return fetchCorpus(['memcached'])[0];
  } catch (error) {
    if (process.env.BPF_OFFLOAD_REQUIRE_KERNEL) throw error;
    t.skip(`memcached's source cannot be fetched: ${(error as Error).message}`);
    return undefined;
  }
}

/** Every .c and .h file under `directory`, sorted, as absolute paths. */
export function cSourcesUnder(directory: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile() && /\.[ch]$/.test(entry.name)) found.push(path);
    }
  };
  visit(directory);
  return found;
}

function describeCrash(error: unknown): string {
  if (error instanceof Error) return `${error.message}\n${(error.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return String(error);
}

/**
 * Entry names for the rules: every discovered entry function and the handler it hands the
 * packet to. Discovery failures are crashes too, recorded against the file.
 */
function discoverEntryNames(
  sources: { path: string; file: string; text: string }[],
  trees: Map<string, Tree>,
  summaries: Map<string, FileSummary>,
  crashes: Map<string, string>,
): { names: string[]; descriptions: string[] } {
  const program = buildProgramFacts(summaries);
  const names = new Set<string>();
  const descriptions: string[] = [];
  for (const source of sources) {
    if (!source.file.endsWith('.c')) continue;
    try {
      const entries = discoverEntries({
        file: source.file,
        tree: trees.get(source.file)!,
        text: source.text,
        summary: summaries.get(source.file)!,
        program,
        options: { entries: [] },
      });
      for (const entry of entries) {
        names.add(entry.name);
        if (entry.handler) names.add(entry.handler);
        descriptions.push(`${source.file}:${entry.range.start.line + 1} ${entry.name}: ${entry.summary}`);
      }
    } catch (error) {
      crashes.set(source.file, `discoverEntries: ${describeCrash(error)}`);
    }
  }
  return { names: [...names].sort(), descriptions };
}

export interface RunOptions {
  mode?: EntryMode;
  /** Only analyse .c files whose relative path passes (all files are still summarised). */
  analyse?: (relativePath: string) => boolean;
  analyzeOptions?: Partial<AnalyzeOptions>;
}

/** Parses, summarises and analyses one package directory. Never throws for a file's sake. */
export async function runCorpus(directory: string, options: RunOptions = {}): Promise<CorpusRun> {
  await initC();
  const mode = options.mode ?? 'default';
  const sources = cSourcesUnder(directory).map((path) => ({ path, file: relative(directory, path), text: readFileSync(path, 'utf8') }));
  const trees = new Map<string, Tree>();
  const summaries = new Map<string, FileSummary>();
  const crashes = new Map<string, string>();
  const parseStart = performance.now();
  try {
    for (const source of sources) {
      const tree = parsePlainC(source.text);
      trees.set(source.file, tree);
      try {
        summaries.set(source.file, summarizeFile(source.file, tree, source.text));
      } catch (error) {
        crashes.set(source.file, `summarizeFile: ${describeCrash(error)}`);
      }
    }
    const parseMs = performance.now() - parseStart;
    const analyzeStart = performance.now();
    const discovered = mode === 'discovered-entries' ? discoverEntryNames(sources, trees, summaries, crashes) : { names: [], descriptions: [] };
    const analyzeOptions: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, ...options.analyzeOptions, entries: discovered.names };
    const files: FileRun[] = [];
    for (const source of sources) {
      if (!source.file.endsWith('.c') || (options.analyse && !options.analyse(source.file))) continue;
      const summary = summaries.get(source.file);
      const run: FileRun = {
        file: source.file,
        lines: lineCount(source.text),
        functions: summary?.functions.length ?? 0,
        hasSyntaxErrors: summary?.hasSyntaxErrors ?? true,
        diagnostics: [],
        fallbacks: [],
        entries: [],
      };
      const earlier = crashes.get(source.file);
      if (earlier) run.crash = earlier;
      else {
        const others = new Map(summaries);
        others.delete(source.file);
        try {
          const analysis = analyzeFile(source.file, trees.get(source.file)!, source.text, others, analyzeOptions);
          run.diagnostics = analysis.diagnostics;
          run.fallbacks = analysis.fallbacks ?? [];
          run.entries = analysis.entries.map((e) => `${source.file}:${e.range.start.line + 1} ${e.name}: ${e.summary}`);
        } catch (error) {
          run.crash = `analyzeFile: ${describeCrash(error)}`;
        }
      }
      files.push(run);
    }
    const all = [...summaries.values()];
    return {
      directory,
      mode,
      entries: discovered.names,
      entryDescriptions: discovered.descriptions,
      sourceFiles: sources.length,
      totalLines: sources.reduce((n, s) => n + lineCount(s.text), 0),
      totalFunctions: all.reduce((n, s) => n + s.functions.length, 0),
      filesWithSyntaxErrors: all.filter((s) => s.hasSyntaxErrors).length,
      files,
      parseMs,
      analyzeMs: performance.now() - analyzeStart,
    };
  } finally {
    trees.clear();
  }
}

/** Lines as an editor counts them: a final line without a newline still counts. */
export function lineCount(text: string): number {
  if (text.length === 0) return 1;
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
