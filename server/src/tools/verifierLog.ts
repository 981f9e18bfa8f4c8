// Reads what bpftool/libbpf print for a rejected program. With -g the verifier log interleaves
// `; <source text> @ file.c:N` lines (from BTF line info) with the instructions they produced,
// so the last such line before the error is the source line the verifier stopped at.

/** One `; <source> @ file:N` line of the log. */
export interface VerifierSourceLine {
  file: string;
  /** 1-based line in `file`. */
  line: number;
  /** The source text the verifier printed. */
  message: string;
}

export interface VerifierRejection {
  /** The verifier's (or libbpf's) reason, e.g. "R1 invalid mem access 'scalar'"; several lines are joined with "\n". */
  message: string;
  /** Who refused: the kernel verifier, or libbpf before anything reached the kernel. */
  stage: 'verifier' | 'loader';
  /** The source line the verifier was at when it stopped, if the log carried line info. */
  file?: string;
  line?: number;
  /** "processed N insns" of the failed attempt, when the verifier got that far. */
  processedInsns?: number;
}

const SOURCE_LINE = /^; ?(.*) @ (.+):(\d+)$/;
const BEGIN = /-- BEGIN PROG LOAD LOG --$/;
const END = /^-- END PROG LOAD LOG --$/;
const PROCESSED = /^processed (\d+) insns/;
// Instruction and state lines: "12: (61) r3 = ...", "12: R1=ctx() ...", "from 4 to 9: ...",
// "; ..." source lines, and the "R1 type=... expected=..." continuation is NOT matched (it is part of an error).
const INSTRUCTION = /^(\d+: |from \d+ to \d+: |; |mark_precise: |last_idx |parent |regs=|\s*$|\.\.\.)/;

/** Every `; <source> @ file:N` line with N > 0, in log order. */
export function parseVerifierLog(log: string): VerifierSourceLine[] {
  const records: VerifierSourceLine[] = [];
  for (const raw of log.split('\n')) {
    const match = SOURCE_LINE.exec(raw.trimEnd());
    // Line 0 marks instructions clang generated without a source line ("; @ file.c:0").
    if (match && match[3] !== '0') records.push({ message: match[1].trim(), file: match[2], line: Number(match[3]) });
  }
  return records;
}

/** The verifier log proper: the last BEGIN..END block libbpf printed, or undefined if the kernel never saw the program. */
export function extractProgLoadLog(output: string): string | undefined {
  const lines = output.split('\n');
  let begin = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (BEGIN.test(lines[i])) {
      begin = i;
      break;
    }
  }
  if (begin < 0) return undefined;
  const end = lines.findIndex((l, i) => i > begin && END.test(l));
  return lines.slice(begin + 1, end < 0 ? undefined : end).join('\n');
}

/** Why the load failed, from bpftool's combined output; undefined if nothing says. */
export function rejectionFromOutput(output: string): VerifierRejection | undefined {
  const log = extractProgLoadLog(output);
  if (log === undefined) return loaderRejection(output);
  const lines = log.split('\n').map((l) => l.trimEnd());
  let processedAt = lines.findIndex((l) => PROCESSED.test(l));
  if (processedAt < 0) processedAt = lines.length;
  const processed = PROCESSED.exec(lines[processedAt] ?? '');
  // The reason is the run of non-instruction lines just above "processed N insns"; the
  // verifier sometimes appends it to an instruction line ("31: (55) if r7 != 0x5b goto pc-25 BPF program is too large").
  const reason: string[] = [];
  for (let i = processedAt - 1; i >= 0; i--) {
    if (!INSTRUCTION.test(lines[i])) {
      reason.unshift(lines[i]);
      continue;
    }
    if (reason.length === 0) {
      const tail = /(BPF program is too large.*)$/.exec(lines[i]);
      if (tail) reason.unshift(tail[1]);
    }
    break;
  }
  const sources = parseVerifierLog(lines.slice(0, processedAt).join('\n'));
  const last = sources[sources.length - 1];
  return {
    stage: 'verifier',
    message: reason.join('\n') || 'rejected by the verifier (no reason in the log)',
    file: last?.file,
    line: last?.line,
    processedInsns: processed ? Number(processed[1]) : undefined,
  };
}

function loaderRejection(output: string): VerifierRejection | undefined {
  const libbpf = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('libbpf: ') && !/^libbpf: (elf: skipping|loading |sec |elf: section|license|looking for)/.test(l));
  const reason = libbpf.find((l) => /failed|error|invalid|not found|unsupported|unrecognized/i.test(l)) ?? libbpf[libbpf.length - 1];
  if (reason) return { stage: 'loader', message: reason.replace(/^libbpf: /, '') };
  const error = output.split('\n').find((l) => l.startsWith('Error: '));
  return error ? { stage: 'loader', message: error.replace(/^Error: /, '') } : undefined;
}
