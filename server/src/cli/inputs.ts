// Turns the paths named on the command line into the C sources to analyse. Every failure here is
// the user's input, reported as one line (InputError → exit 2), never a stack trace.
import * as fs from 'fs';
import * as path from 'path';

export class InputError extends Error {}

export interface SourceFile {
  /** The path as the user named it (joined under a named directory); also the file identifier. */
  path: string;
  text: string;
  /** .c files are analysed; .h files only contribute their declarations and types. */
  analyse: boolean;
}

const SKIPPED_DIRECTORIES = new Set(['node_modules']);

export function collectSources(paths: string[]): SourceFile[] {
  const found: string[] = [];
  for (const named of paths) {
    const stat = statOrThrow(named);
    if (stat.isDirectory()) {
      const before = found.length;
      walk(named, found);
      if (found.length === before) throw new InputError(`no .c or .h files under ${named}`);
    } else if (stat.isFile()) {
      found.push(named);
    } else {
      throw new InputError(`${named} is not a regular file or a directory`);
    }
  }

  // The same file named twice (directly and through its directory) is read once.
  const seen = new Set<string>();
  const sources: SourceFile[] = [];
  for (const file of found) {
    const key = path.resolve(file);
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push({ path: file, text: readOrThrow(file), analyse: !file.endsWith('.h') });
  }
  return sources;
}

function walk(directory: string, found: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    throw new InputError(`cannot read directory ${directory}: ${reason(error)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = path.join(directory, entry.name);
    // Symlinked directories are not followed: they are how directory trees get cycles.
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !SKIPPED_DIRECTORIES.has(entry.name)) walk(child, found);
    } else if (/\.[ch]$/.test(entry.name) && (entry.isFile() || isFileThroughLink(child))) {
      found.push(child);
    }
  }
}

function isFileThroughLink(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false; // a dangling link inside a directory is not something the user named
  }
}

function statOrThrow(named: string): fs.Stats {
  try {
    return fs.statSync(named);
  } catch (error) {
    throw new InputError(`cannot read ${named}: ${reason(error)}`);
  }
}

function readOrThrow(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}
