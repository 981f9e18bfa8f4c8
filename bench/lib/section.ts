// What a benchmark section is: something that measures (run) and something that turns its
// measurement into prose, tables and charts (render). Rendering reads only the stored record,
// so the document can be regenerated from docs/benchmarks.json without measuring again.
import type { SectionRecord } from './results';

export interface BenchContext {
  /** The repository root (cwd of `npm run bench`). */
  root: string;
  /** Fewer samples, for trying the benchmark out; the document says so. */
  quick: boolean;
  /** --name or --name=value options from the command line. */
  options: Map<string, string | true>;
  log: (line: string) => void;
}

export interface RenderedImage {
  /** File name under docs/images/. */
  file: string;
  svg: string;
}

export interface RenderedSection {
  /** Markdown below the section's heading; images are referenced as images/<file>. */
  markdown: string;
  images: RenderedImage[];
  /** The headline figures for the terminal. */
  console: string;
}

export interface BenchSection<T = unknown> {
  /** Stable key in docs/benchmarks.json and the name given on the command line. */
  id: string;
  title: string;
  /** A line for `npm run bench -- --help`. */
  description: string;
  run(context: BenchContext): Promise<T>;
  render(record: SectionRecord<T>): RenderedSection;
}

/** Thrown by run() when the section cannot run here (e.g. needs root): reported, not a failure, earlier figures kept. */
export class SkipSection extends Error {}
