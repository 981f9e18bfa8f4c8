// Mutations of real C text into what an editor may really hold: half-typed code, damaged
// files, binary files opened by mistake, generated monsters. Each mutator is pure given the
// generator, so a seed replays the same text.
import type { Rng } from './prng';

export type Mutator = (text: string, rng: Rng) => string;

const lines = (text: string) => text.split('\n');
const randomIndex = (text: string, rng: Rng) => rng.int(text.length + 1);

/** Characters from all over UTF-16, including lone surrogates (invalid UTF-16). */
function garbage(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += rng.weighted<() => string>([
      [4, () => String.fromCharCode(rng.int(256))],
      [1, () => String.fromCharCode(0xd800 + rng.int(0x400))],
      [1, () => String.fromCharCode(0xdc00 + rng.int(0x400))],
      [1, () => String.fromCodePoint(rng.int(0x110000 - 0xe000) + 0xe000)],
      [1, () => '\0'],
      [1, () => rng.pick(['{', '}', '(', ')', '/*', '*/', '"', "'", '\\', '#if 0\n', '#endif\n', '\r', '\n', ';'])],
    ])();
  }
  return out;
}

export const MUTATORS: Record<string, Mutator> = {
  byteFlips(text, rng) {
    const chars = [...text.slice(0, 1 << 20)];
    const flips = 1 + rng.int(32);
    for (let i = 0; i < flips && chars.length; i++) {
      const at = rng.int(chars.length);
      chars[at] = String.fromCharCode((chars[at].charCodeAt(0) ^ (1 << rng.int(8))) & 0xffff);
    }
    return chars.join('') + text.slice(1 << 20);
  },
  truncate(text, rng) {
    return text.slice(0, randomIndex(text, rng));
  },
  deleteLines(text, rng) {
    const all = lines(text);
    const at = rng.int(all.length);
    all.splice(at, 1 + rng.int(Math.min(200, all.length)));
    return all.join('\n');
  },
  duplicateLines(text, rng) {
    const all = lines(text);
    const at = rng.int(all.length);
    const block = all.slice(at, at + 1 + rng.int(50));
    const copies = 1 + rng.int(20);
    all.splice(rng.int(all.length), 0, ...Array.from({ length: copies }, () => block).flat());
    return all.join('\n');
  },
  veryLongLine(text, rng) {
    const all = lines(text);
    const filler = rng.pick(['x', 'a+', '/*', '"', ' ', '(', '{', 'int a; ']);
    all.splice(rng.int(all.length), 0, filler.repeat(Math.ceil(100_000 / filler.length)));
    return all.join('\n');
  },
  binaryGarbage(text, rng) {
    const at = randomIndex(text, rng);
    return text.slice(0, at) + garbage(rng, 1 + rng.int(4096)) + text.slice(at);
  },
  wholeFileGarbage(_text, rng) {
    return garbage(rng, 1 + rng.int(65536));
  },
  hundredThousandLines(text, rng) {
    // Padded by repeating the file's own lines (or blank ones): 100k lines of real C text, but
    // at most HUGE_TEXT_CHARS: after other mutators made the lines long (`unbalanced` twice on a
    // five-line file), 100k of them were over JavaScript's longest string and the join threw.
    const all = lines(text);
    const out: string[] = [];
    let chars = 0;
    const add = (line: string) => {
      out.push(line);
      chars += line.length + 1;
    };
    if (rng.chance(0.5)) {
      while (out.length < 100_000 && chars < HUGE_TEXT_CHARS) for (const line of all) add(line);
    } else {
      for (const line of all) add(line);
      while (out.length < 100_000 && chars < HUGE_TEXT_CHARS) add('');
    }
    return out.slice(0, 100_000).join('\n');
  },
  unbalanced(text, rng) {
    const at = randomIndex(text, rng);
    const opener = rng.pick(['{', '}', '(', ')', '/*', '*/', '#if 1\n', '#endif\n', '#else\n', '"', "'", '[', '\\\n']);
    return text.slice(0, at) + opener.repeat(1 + rng.int(rng.chance(0.2) ? 20_000 : 10)) + text.slice(at);
  },
  nulBytes(text, rng) {
    let out = text;
    for (let i = 1 + rng.int(16); i > 0; i--) {
      const at = randomIndex(out, rng);
      out = out.slice(0, at) + '\0'.repeat(1 + rng.int(8)) + out.slice(at);
    }
    return out;
  },
  invalidSurrogates(text, rng) {
    let out = text;
    for (let i = 1 + rng.int(16); i > 0; i--) {
      const at = randomIndex(out, rng);
      const lone = rng.chance(0.5) ? '\ud800' : '\udfff';
      out = out.slice(0, at) + lone + out.slice(at);
    }
    return out;
  },
  carriageReturns(text, rng) {
    return rng.chance(0.5) ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, () => (rng.chance(0.1) ? '\r' : '\n'));
  },
};

/** The most text hundredThousandLines makes (a 100k-line file of memcached.c's lines is about 3.6 MB). */
const HUGE_TEXT_CHARS = 16 * 1024 * 1024;

/** Rare, expensive mutations: picked less often so a bounded run still covers the rest. */
const WEIGHTS: Record<string, number> = { hundredThousandLines: 0.3, wholeFileGarbage: 0.5, veryLongLine: 0.7 };

export function pickMutator(rng: Rng): string {
  return rng.weighted(Object.keys(MUTATORS).map((name) => [WEIGHTS[name] ?? 1, name] as const));
}

/** Applies 1–3 random mutators; returns the text and their names (for the failure report). */
export function mutate(text: string, rng: Rng): { text: string; applied: string[] } {
  const applied: string[] = [];
  let out = text;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const name = pickMutator(rng);
    out = MUTATORS[name](out, rng);
    applied.push(name);
  }
  return { text: out, applied };
}

/** A short fragment to type into a document by an incremental edit. */
export function editFragment(rng: Rng, corpusLine: string): string {
  return rng.weighted<() => string>([
    [4, () => corpusLine + '\n'],
    [2, () => corpusLine.slice(0, rng.int(corpusLine.length + 1))],
    [2, () => garbage(rng, 1 + rng.int(16))],
    [1, () => ''],
    [1, () => rng.pick(['{', '}', '/*', '*/', '#if 0\n', '#endif\n', '"', '\0', '\ud800', '\r\n'])],
    [0.2, () => 'y'.repeat(100_000)],
  ])();
}
