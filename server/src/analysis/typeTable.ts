// Sizes, alignments and constants over every known file, for the LP64 ABI shared by x86-64 and
// BPF. Anything not provable from the summaries or the builtin table is undefined — a stack
// estimate built on a guessed size would be silently wrong.
import type { EnumInfo, FileSummary, RecordInfo } from './model';
import { evaluateConstant, type ConstantScope } from './summarize/constantExpression';
import { parseTypeText, type ParsedType } from './summarize/typeText';
import { builtinLayout, isBuiltinTypeName, type Layout } from './summarize/builtinTypes';

const POINTER: Layout = { size: 8, align: 8 };
const MAX_TYPEDEF_DEPTH = 32;

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

export interface FieldLayout {
  name: string;
  /** Byte offset; for bit-fields, the byte holding the first bit. */
  offset: number;
  size: number;
  bitOffset?: number;
}

interface RecordLayout {
  layout: Layout;
  fields: FieldLayout[];
}

export class TypeTable {
  private readonly records = new Map<string, RecordInfo>();
  private readonly typedefs = new Map<string, string>();
  private readonly enumsByTag = new Map<string, EnumInfo>();
  private readonly enumConstants = new Map<string, number>();
  private readonly macros = new Map<string, string>();
  private readonly layouts = new Map<string, RecordLayout | null>();
  /** sizeOf/alignOf answers by type text (the table never changes once built). */
  private readonly textLayouts = new Map<string, Layout | undefined>();
  /** evaluate and constantValue answers asked from outside (no cycle cut in progress), by argument. */
  private readonly evaluated = new Map<string, number | undefined>();
  private readonly constants = new Map<string, number | undefined>();
  private readonly inProgress = new Set<string>();
  private readonly evaluating = new Set<string>();
  private readonly scope: ConstantScope = {
    constant: (name) => this.constantValue(name),
    sizeOf: (typeText) => this.sizeOf(typeText),
    isTypeName: (name) => this.typedefs.has(name) || isBuiltinTypeName(name),
  };

  private constructor() {}

  /** The summaries built from, in order, and what the table read from each. */
  private sources: FileSummary[] = [];
  private inputs: string[] = [];

  /**
   * When several files define the same name (#if alternatives, copies), the first one wins.
   * `previous` is returned instead, with the layouts it worked out, when it was built from the
   * same files in the same order and every summary that is another object holds the same types
   * and constants (records compared whole, since recordOf hands them out).
   */
  static build(summaries: Iterable<FileSummary>, previous?: TypeTable): TypeTable {
    const sources = [...summaries];
    const inputs = sources.map(typeInputsOf);
    if (previous && previous.sources.length === sources.length && previous.inputs.every((input, i) => input === inputs[i])) return previous;
    const table = new TypeTable();
    table.sources = sources;
    table.inputs = inputs;
    for (const summary of sources) {
      for (const record of summary.records) setOnce(table.records, `${record.kind} ${record.name}`, record);
      for (const typedef of summary.typedefs) setOnce(table.typedefs, typedef.name, typedef.typeText);
      for (const info of summary.enums) {
        if (info.name) setOnce(table.enumsByTag, info.name, info);
        for (const member of info.members) setOnce(table.enumConstants, member.name, member.value);
      }
      for (const define of summary.defines) if (!define.params) setOnce(table.macros, define.name, define.value);
    }
    return table;
  }

  sizeOf(typeText: string): number | undefined {
    return this.layoutOfText(typeText)?.size;
  }

  alignOf(typeText: string): number | undefined {
    return this.layoutOfText(typeText)?.align;
  }

  /** An enum member or object-like #define, when its value is a provable integer. */
  constantValue(name: string): number | undefined {
    const enumValue = this.enumConstants.get(name);
    if (enumValue !== undefined) return Number.isFinite(enumValue) ? enumValue : undefined;
    const text = this.macros.get(name);
    if (text === undefined || this.evaluating.has(name)) return undefined;
    return this.outermost(this.constants, name, () => {
      this.evaluating.add(name);
      try {
        return evaluateConstant(text, this.scope);
      } finally {
        this.evaluating.delete(name);
      }
    });
  }

  /** Integer constant expression over the known constants and type sizes; no eval(). */
  evaluate(expression: string): number | undefined {
    return this.outermost(this.evaluated, expression, () => evaluateConstant(expression, this.scope));
  }

  /**
   * `compute`'s answer, kept in `cache` when asked from outside: the table never changes once
   * built (and is reused across analyses), so the rules' repeated questions are not re-tokenised.
   * Inside a layout or another constant a cycle cut may answer, so nothing is kept there.
   */
  private outermost(cache: Map<string, number | undefined>, key: string, compute: () => number | undefined): number | undefined {
    const outside = this.inProgress.size === 0 && this.evaluating.size === 0;
    if (outside && cache.has(key)) return cache.get(key);
    const value = compute();
    // A copy of the key: the source slice it may be would keep the whole text of its version alive.
    if (outside) cache.set(key.length < 13 ? key : (JSON.parse(JSON.stringify(key)) as string), value);
    return value;
  }

  /** The record a type names after typedefs ("foo_t" → struct foo), if it is a known one. */
  recordOf(typeText: string): RecordInfo | undefined {
    const resolved = this.resolveNamed(typeText.trim(), 0);
    return resolved ? this.records.get(resolved) : undefined;
  }

  /** Field offsets of a known struct/union (by type text), undefined when any field is unsized. */
  fieldLayouts(typeText: string): FieldLayout[] | undefined {
    const record = this.recordOf(typeText);
    return record ? this.layoutRecord(record)?.fields : undefined;
  }

  private layoutOfText(typeText: string): Layout | undefined {
    // Kept only for calls from outside: inside a layout or a constant, a cycle cut may answer.
    const outermost = this.inProgress.size === 0 && this.evaluating.size === 0;
    if (outermost && this.textLayouts.has(typeText)) return this.textLayouts.get(typeText);
    const parsed = parseTypeText(typeText);
    const layout = parsed ? this.layoutOf(parsed, 0) : undefined;
    if (outermost) this.textLayouts.set(typeText, layout);
    return layout;
  }

  private layoutOf(type: ParsedType, depth: number): Layout | undefined {
    switch (type.kind) {
      case 'pointer':
        return POINTER;
      case 'function':
        return undefined;
      case 'array': {
        const element = this.layoutOf(type.element, depth);
        const length = type.lengthText ? this.evaluate(type.lengthText) : undefined;
        if (!element || length === undefined || length < 0) return undefined;
        return { size: element.size * length, align: element.align };
      }
      case 'named':
        return this.namedLayout(type.name, depth);
    }
  }

  /** Follows typedef chains to a struct/union key ("struct foo"), undefined for anything else. */
  private resolveNamed(name: string, depth: number): string | undefined {
    if (/^(struct|union) /.test(name)) return name;
    const aliased = this.typedefs.get(name);
    if (aliased === undefined || depth > MAX_TYPEDEF_DEPTH) return undefined;
    return this.resolveNamed(aliased.replace(/^((const|volatile) )+/, ''), depth + 1);
  }

  private namedLayout(name: string, depth: number): Layout | undefined {
    if (depth > MAX_TYPEDEF_DEPTH) return undefined;
    if (name.startsWith('enum ')) return this.enumLayout(name.slice(5));
    if (name.startsWith('struct ') || name.startsWith('union ')) {
      const record = this.records.get(name);
      return record ? this.layoutRecord(record)?.layout : builtinLayout(name);
    }
    // C keywords and the standard fixed-size names are ABI facts; a program (or a confused
    // parse of some header) redefining them must not change their size.
    const builtin = builtinLayout(name);
    if (builtin) return builtin;
    const aliased = this.typedefs.get(name);
    const parsed = aliased !== undefined ? parseTypeText(aliased) : undefined;
    return parsed ? this.layoutOf(parsed, depth + 1) : undefined;
  }

  /** GCC widens an enum to 8 bytes only when a member does not fit in 32 bits. */
  private enumLayout(tag: string): Layout {
    const members = this.enumsByTag.get(tag)?.members ?? [];
    const wide = members.some((m) => m.value < -(2 ** 31) || m.value >= 2 ** 32);
    return wide ? { size: 8, align: 8 } : { size: 4, align: 4 };
  }

  private layoutRecord(record: RecordInfo): RecordLayout | undefined {
    const key = `${record.kind} ${record.name}`;
    const cached = this.layouts.get(key);
    if (cached !== undefined) return cached ?? undefined;
    if (this.inProgress.has(key)) return undefined;
    this.inProgress.add(key);
    try {
      const result = record.kind === 'union' ? this.layoutUnion(record) : this.layoutStruct(record);
      this.layouts.set(key, result ?? null);
      return result;
    } finally {
      this.inProgress.delete(key);
    }
  }

  private fieldLayout(typeText: string, isLast: boolean): Layout | undefined {
    const parsed = parseTypeText(typeText);
    if (!parsed) return undefined;
    // A flexible array member (`char data[];`) ends a struct and takes no space.
    if (isLast && parsed.kind === 'array' && parsed.lengthText === '') {
      const element = this.layoutOf(parsed.element, 0);
      return element ? { size: 0, align: element.align } : undefined;
    }
    return this.layoutOf(parsed, 0);
  }

  private layoutStruct(record: RecordInfo): RecordLayout | undefined {
    const packed = record.isPacked === true;
    const fields: FieldLayout[] = [];
    let bits = 0;
    let maxAlign = 1;
    for (let i = 0; i < record.fields.length; i++) {
      const field = record.fields[i];
      const layout = this.fieldLayout(field.typeText, i === record.fields.length - 1);
      if (!layout) return undefined;
      const align = packed ? 1 : layout.align;
      if (field.bitWidth !== undefined) {
        const unitBits = layout.size * 8;
        if (field.bitWidth === 0) {
          bits = alignUp(bits, layout.align * 8);
          continue;
        }
        // SysV: a bit-field may not straddle a boundary of its declared type's storage unit.
        if (!packed && Math.floor(bits / unitBits) !== Math.floor((bits + field.bitWidth - 1) / unitBits)) {
          bits = alignUp(bits, unitBits);
        }
        fields.push({ name: field.name, offset: Math.floor(bits / 8), size: layout.size, bitOffset: bits });
        bits += field.bitWidth;
        if (field.name) maxAlign = Math.max(maxAlign, align);
        continue;
      }
      bits = alignUp(bits, align * 8);
      fields.push({ name: field.name, offset: bits / 8, size: layout.size });
      bits += layout.size * 8;
      maxAlign = Math.max(maxAlign, align);
    }
    const size = alignUp(Math.ceil(bits / 8), maxAlign);
    return { layout: { size, align: maxAlign }, fields };
  }

  private layoutUnion(record: RecordInfo): RecordLayout | undefined {
    let size = 0;
    let maxAlign = 1;
    const fields: FieldLayout[] = [];
    for (const field of record.fields) {
      const layout = this.fieldLayout(field.typeText, false);
      if (!layout) return undefined;
      const bytes = field.bitWidth !== undefined ? Math.ceil(field.bitWidth / 8) : layout.size;
      size = Math.max(size, bytes);
      maxAlign = Math.max(maxAlign, record.isPacked ? 1 : layout.align);
      fields.push({ name: field.name, offset: 0, size: layout.size });
    }
    return { layout: { size: alignUp(size, maxAlign), align: maxAlign }, fields };
  }
}

function setOnce<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value);
}

/** What the table reads from one summary; memoised per summary object, which never changes. */
const typeInputsMemo = new WeakMap<FileSummary, string>();
function typeInputsOf(summary: FileSummary): string {
  let inputs = typeInputsMemo.get(summary);
  if (inputs === undefined) {
    inputs = JSON.stringify([
      summary.records,
      summary.typedefs.map((t) => [t.name, t.typeText]),
      summary.enums.map((e) => [e.name, e.members]),
      summary.defines.filter((d) => !d.params).map((d) => [d.name, d.value]),
    ]);
    typeInputsMemo.set(summary, inputs);
  }
  return inputs;
}
