// `bpf-offload`: the analysis from a terminal or CI. Exit status is part of the interface:
// 0 no error diagnostics, 1 some error diagnostic, 2 bad usage or unreadable input, 3 a bug here.
// Failures the user can fix are one line on stderr; a stack trace only with BPF_OFFLOAD_DEBUG=1.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, UsageError, USAGE } from './cli/args';
import { collectSources, InputError } from './cli/inputs';
import { formatLines, hasErrors, toJsonReport } from './cli/output';
import { analyseProject } from './cli/project';
import { formatReport } from './cli/report';
import { runSplit } from './cli/split';
import { runVerify } from './cli/verify';
import { runCalibrate } from './cli/calibrate';
import { parseProfile, ProfileFormatError } from './analysis/profiles';

export const EXIT_OK = 0;
export const EXIT_ERRORS_FOUND = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export interface CliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processStreams: CliStreams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function main(argv: string[], io: CliStreams = processStreams): Promise<number> {
  try {
    // split has its own grammar (one file, an output directory); see cli/split.ts.
    if (argv[0] === 'split') return await runSplit(argv.slice(1), io);
    if (argv[0] === 'verify') return await runVerify(argv.slice(1), io);
    if (argv[0] === 'calibrate') return await runCalibrate(argv.slice(1), io);
    const command = parseArgs(argv);
    switch (command.kind) {
      case 'help':
        io.stdout(USAGE + '\n');
        return EXIT_OK;
      case 'version':
        io.stdout(`bpf-offload ${packageVersion()}\n`);
        return EXIT_OK;
      case 'analyze': {
        if (command.profilePath) command.options.offload = { ...command.options.offload, profile: readProfile(command.profilePath) };
        const project = await analyseProject(collectSources(command.paths), command.options);
        if (command.json) {
          io.stdout(JSON.stringify(toJsonReport(project.files)) + '\n');
        } else {
          const lines = formatLines(project.files);
          if (lines.length) io.stdout(lines.join('\n') + '\n');
        }
        return hasErrors(project.files) ? EXIT_ERRORS_FOUND : EXIT_OK;
      }
      case 'report': {
        const project = await analyseProject(collectSources(command.paths), command.options);
        io.stdout(formatReport(project, command.paths, command.options));
        return EXIT_OK;
      }
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) {
      io.stderr(`bpf-offload: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const detail = process.env.BPF_OFFLOAD_DEBUG && error instanceof Error ? error.stack : undefined;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`bpf-offload: internal error: ${message.split('\n')[0]}\n${detail ? detail + '\n' : ''}`);
    return EXIT_INTERNAL;
  }
}

function readProfile(file: string) {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    throw new InputError(`cannot read profile ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parseProfile(data, file);
  } catch (error) {
    if (error instanceof ProfileFormatError) throw new InputError(error.message);
    throw error;
  }
}

/** The extension's version, from the package.json above this file (dist/ or out/server/src/). */
function packageVersion(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      if (manifest.name === 'bpf-offload' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not here; keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** Runs with process.argv and sets the exit status; for `node dist/cli.js` and bin/bpf-offload. */
export function runFromCommandLine(): void {
  // `bpf-offload analyze … | head` closes the pipe early; that is not an error worth a trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    throw error;
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runFromCommandLine();
