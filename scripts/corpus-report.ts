// Runs the analyzer over real C network servers (Debian source packages) and prints, per package
// and entry mode, the size of the code, parse errors, time, diagnostics per rule and severity,
// and a sample of findings per rule to read and judge (docs/real-code-findings.md).
//
// Usage (after `npx tsc -p .`):
//   node out/scripts/corpus-report.js [--samples N] [--mode default|entries|both] [--seed S] [--json FILE] [PACKAGE...]
// Default packages: memcached dnsmasq lighttpd. --json writes every finding, one JSON object a
// line (package, mode, file, line, column, code, severity, message), for counting by construct. Samples are spread over files with a fixed seed,
// so two runs over the same code print the same findings.
import { appendFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Severity } from '../server/src/analysis/model';
import { RULES } from '../server/src/analysis/rules/definitions';
import { fetchCorpus, runCorpus, type CorpusRun, type EntryMode } from '../test/corpus/corpusRun';

interface ReportArgs {
  packages: string[];
  samples: number;
  modes: EntryMode[];
  seed: number;
  json?: string;
}

function parseArgs(argv: string[]): ReportArgs {
  const args: ReportArgs = { packages: [], samples: 8, modes: ['default', 'discovered-entries'], seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--samples') args.samples = Number(value());
    else if (arg === '--seed') args.seed = Number(value());
    else if (arg === '--json') args.json = value();
    else if (arg === '--mode') {
      const m = value();
      if (m === 'default') args.modes = ['default'];
      else if (m === 'entries') args.modes = ['discovered-entries'];
      else if (m === 'both') args.modes = ['default', 'discovered-entries'];
      else throw new Error(`--mode must be default, entries or both, not ${m}`);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else args.packages.push(arg);
  }
  if (!Number.isInteger(args.samples) || args.samples < 0) throw new Error('--samples must be a whole number');
  if (args.packages.length === 0) args.packages = ['memcached', 'dnsmasq', 'lighttpd'];
  return args;
}

/** A small deterministic generator, so samples are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

function printRun(name: string, run: CorpusRun, samples: number, seed: number): void {
  const diagnostics = run.files.flatMap((f) => f.diagnostics.map((d) => ({ file: f.file, d })));
  const crashes = run.files.filter((f) => f.crash);
  console.log(`\n## ${name} (${relative(process.cwd(), run.directory)}), ${run.mode}`);
  console.log(
    `source files ${run.sourceFiles} (.c analysed: ${run.files.length}), lines ${run.totalLines}, functions ${run.totalFunctions}, ` +
      `files with parse errors ${run.filesWithSyntaxErrors}, parse+summary ${(run.parseMs / 1000).toFixed(1)} s, ` +
      `analysis ${(run.analyzeMs / 1000).toFixed(1)} s, crashes ${crashes.length}, diagnostics ${diagnostics.length}`,
  );
  if (run.mode === 'discovered-entries') console.log(`entries handed to the rules (${run.entries.length}): ${run.entries.join(', ') || '(none)'}`);
  else {
    const entries = run.files.flatMap((f) => f.entries);
    console.log(`entries the pipeline found (${entries.length}); files rooted at them: ${run.files.filter((f) => f.entries.length).length}, others check every function`);
    for (const line of entries) console.log(`  ${line}`);
  }
  const hints = run.files.reduce((n, f) => n + f.fallbacks.length, 0);
  if (hints) console.log(`offload-fallback hints (slices, not rules): ${hints}`);
  for (const crash of crashes) console.log(`CRASH ${crash.file}: ${crash.crash}`);

  const counts = new Map<string, number[]>();
  for (const { d } of diagnostics) {
    const row = counts.get(d.code) ?? [0, 0, 0, 0, 0];
    row[d.severity]++;
    row[0]++;
    counts.set(d.code, row);
  }
  console.log(`\n| rule | total | error | warning | info | files |\n|---|---:|---:|---:|---:|---:|`);
  for (const rule of RULES) {
    const row = counts.get(rule.code);
    if (!row) continue;
    const files = new Set(diagnostics.filter((x) => x.d.code === rule.code).map((x) => x.file)).size;
    console.log(`| ${rule.code} | ${row[0]} | ${row[Severity.Error]} | ${row[Severity.Warning]} | ${row[Severity.Information]} | ${files} |`);
  }
  const unknown = [...counts.keys()].filter((c) => !RULES.some((r) => r.code === c));
  if (unknown.length) console.log(`UNKNOWN RULE CODES: ${unknown.join(', ')}`);

  if (samples === 0) return;
  const random = seeded(seed);
  for (const rule of RULES) {
    const hits = diagnostics.filter((x) => x.d.code === rule.code);
    if (hits.length === 0) continue;
    // Shuffle, then prefer one hit per file so a sample is not ten copies of one construct.
    const shuffled = hits.map((h) => ({ h, k: random() })).sort((a, b) => a.k - b.k).map((x) => x.h);
    const picked: typeof hits = [];
    const seenFiles = new Set<string>();
    for (const h of shuffled) if (picked.length < samples && !seenFiles.has(h.file)) (seenFiles.add(h.file), picked.push(h));
    for (const h of shuffled) if (picked.length < samples && !picked.includes(h)) picked.push(h);
    console.log(`\n### ${rule.code} (${hits.length})`);
    for (const { file, d } of picked) {
      const chain = d.related?.length ? ` [entry → ${d.related.map((r) => r.message.split(' ')[0]).join(' → ')}]` : '';
      console.log(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${Severity[d.severity]}: ${d.message}${chain}`);
    }
  }
}

function findingsAsJsonLines(name: string, run: CorpusRun): string {
  return run.files
    .flatMap((f) =>
      f.diagnostics.map((d) =>
        JSON.stringify({
          package: name,
          mode: run.mode,
          file: f.file,
          line: d.range.start.line + 1,
          column: d.range.start.character + 1,
          code: d.code,
          severity: Severity[d.severity],
          message: d.message,
          chain: d.related?.map((r) => r.message.split(' ')[0]),
        }),
      ),
    )
    .map((line) => `${line}\n`)
    .join('');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const directories = fetchCorpus(args.packages);
  if (args.json) writeFileSync(args.json, '');
  for (let i = 0; i < args.packages.length; i++)
    for (const mode of args.modes) {
      const run = await runCorpus(directories[i], { mode });
      printRun(args.packages[i], run, args.samples, args.seed);
      if (args.json) appendFileSync(args.json, findingsAsJsonLines(args.packages[i], run));
    }
}

main().catch((error) => {
  console.error(`corpus-report: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
