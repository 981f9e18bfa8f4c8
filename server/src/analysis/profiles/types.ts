// A coverage profile reduced to what the cost model needs: how often each line, branch and
// function ran. Plain data, the same for gcov and llvm-cov.
//
// Line numbers here are 1-based, as both tools print them; model.ts Positions are 0-based
// (add 1 to a Position's line to look it up here).

export type ProfileTool = 'gcov' | 'llvm-cov';

export interface LineCount {
  line: number;
  count: number;
}

/**
 * One outcome of a conditional. llvm-cov says which outcome is the condition holding ('true')
 * or failing ('false'); gcov only says whether the arc falls through to the next block or
 * jumps, and whether it is an exception arc.
 */
export interface BranchOutcome {
  kind: 'true' | 'false' | 'fallthrough' | 'jump' | 'throw';
  count: number;
}

export interface BranchSite {
  line: number;
  /** 1-based column of the condition (llvm-cov only; gcov reports whole lines). */
  column?: number;
  endLine?: number;
  endColumn?: number;
  outcomes: BranchOutcome[];
}

export interface FunctionProfile {
  /** The C name (llvm-cov's "file.c:name" prefix for static functions removed). */
  name: string;
  /** The name exactly as the tool reported it. */
  rawName: string;
  startLine?: number;
  endLine?: number;
  /** How many times the function was entered. */
  executionCount: number;
}

export interface FileProfile {
  /** The source file's path: absolute when the tool gave enough to resolve it. */
  file: string;
  /** Executable lines only, sorted by line. */
  lines: LineCount[];
  branches: BranchSite[];
  functions: FunctionProfile[];
}

export interface Profile {
  tool: ProfileTool;
  /** e.g. gcc_version from gcov, the export format version from llvm-cov. */
  toolVersion?: string;
  /** Where the profile was read from (a path or a description given by the caller). */
  origin: string;
  files: FileProfile[];
}

export class ProfileFormatError extends Error {}
