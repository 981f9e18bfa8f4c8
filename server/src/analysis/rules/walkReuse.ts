// The stack and size walks (stack.ts, size.ts) each fold a value over the call graph below the
// roots, depth first with a memo, cutting a recursion where it closes. A function's value is
// then either a function of the code below it alone — no recursion was cut and no depth limit
// was met anywhere under it, so what lies below it holds no cycle and the order of the walk did
// not matter — or it depends on where the walk entered it. The first kind is kept for the next
// analysis and reused there, without walking below it again, as long as no function below it
// changed; the second kind is always walked again, as is every function above a changed one.
// After an edit inside one function on the request paths, only its callers' values change.

import type { FunctionInfo } from '../model';

/** What one walk leaves for the next analysis of the file. */
export interface WalkRecord<V> {
  /** By functionKey, the value of each function that depends only on the functions below it. */
  clean: Map<string, V>;
  /** By functionKey, the functions of the program (keys) whose values each walked function's value read. */
  callees: Map<string, string[]>;
  /** By functionKey, the object each walked function was (a new object is a changed function). */
  objects: Map<string, FunctionInfo>;
  /**
   * By walk (a root's index, for walks with one memo per root), by functionKey, the values that
   * depended on the order of that walk (see WalkCarry.sameSteps): kept only while every walk
   * since the one that made them took the same steps.
   */
  ordered: Map<number, Map<string, V>>;
  /** Set while the maps are a previous record's own, which are copied before the first change (noteWalked). */
  shared?: boolean;
}

/** What a walk may reuse: the previous record, and the functions whose values may differ from it. */
export interface WalkCarry<V> {
  previous: WalkRecord<V>;
  /** The changed functions and every function that reaches one of them (affectedBy). */
  affected: ReadonlySet<string>;
  /**
   * Every function calls the functions it called, in the same order (only other values of its
   * own changed): a walk then takes the steps the previous one took, entering each function from
   * the same place, so a value that depended on the order of the walk, of a function not
   * affected, is the one it had — it is reused as well (`ordered`). Otherwise those are dropped.
   */
  sameSteps?: boolean;
}

/**
 * Passes over the recorded calls before affectedBy inverts them instead. A walk notes a function
 * when it leaves it, after its callees, so a pass in the record's order usually takes in every
 * caller of the changed functions and the next pass finds none more; the inverse of every call,
 * built on each edit for the two or three functions an edit affects, cost more than the rest.
 */
const SCAN_PASSES = 3;

/** The changed functions and every function from which, by the recorded calls, one of them is reached. */
export function affectedBy(changed: Iterable<string>, callees: ReadonlyMap<string, readonly string[]>): Set<string> {
  const affected = new Set(changed);
  if (affected.size === 0) return affected;
  for (let pass = 0; pass < SCAN_PASSES; pass++) {
    let grew = false;
    callees.forEach((list, caller) => {
      if (affected.has(caller)) return;
      for (const callee of list)
        if (affected.has(callee)) {
          affected.add(caller);
          grew = true;
          return;
        }
    });
    if (!grew) return affected;
  }
  // Still growing (callers recorded before their callees, over and over): walk the inverse.
  const callers = new Map<string, string[]>();
  callees.forEach((list, caller) => {
    for (const callee of list) {
      const known = callers.get(callee);
      if (known) known.push(caller);
      else callers.set(callee, [caller]);
    }
  });
  const queue = [...affected];
  for (let i = 0; i < queue.length; i++)
    for (const caller of callers.get(queue[i]) ?? [])
      if (!affected.has(caller)) {
        affected.add(caller);
        queue.push(caller);
      }
  return affected;
}

/** Notes that `fn`, by `key`, was walked and its value read the functions `callees`; `value` when it depends on them only. */
export function noteWalked<V>(record: WalkRecord<V>, key: string, fn: FunctionInfo, callees: string[], value: V | undefined): void {
  ownMaps(record);
  record.callees.set(key, callees);
  record.objects.set(key, fn);
  if (value !== undefined) record.clean.set(key, value);
}

/** Notes `value`, of `key`, that depended on the order of walk number `walk` (see WalkRecord.ordered). */
export function noteOrdered<V>(record: WalkRecord<V>, walk: number, key: string, value: V): void {
  ownMaps(record);
  let values = record.ordered.get(walk);
  if (!values) record.ordered.set(walk, (values = new Map()));
  values.set(key, value);
}

/** The value of `key` noted by noteOrdered for walk number `walk`, if any. */
export function orderedValue<V>(record: WalkRecord<V>, walk: number, key: string): V | undefined {
  return record.ordered.get(walk)?.get(key);
}

/** Copies a previous record's maps before this record changes them. */
function ownMaps<V>(record: WalkRecord<V>): void {
  if (!record.shared) return;
  record.clean = copyOf(record.clean);
  record.callees = copyOf(record.callees);
  record.objects = copyOf(record.objects);
  const ordered = new Map<number, Map<string, V>>();
  record.ordered.forEach((values, walk) => ordered.set(walk, copyOf(values)));
  record.ordered = ordered;
  record.shared = false;
}

/**
 * A new record that starts as `carry`'s previous one without the affected functions. With none
 * affected (an edit off the walked paths) it shares the previous record's maps until a walk
 * changes them: most analyses walk nothing, and copying every walked function's entries on every
 * edit cost more than the rest of the reuse.
 */
export function startRecord<V>(carry: WalkCarry<V> | undefined): WalkRecord<V> {
  if (carry && carry.affected.size === 0) {
    const { clean, callees, objects } = carry.previous;
    return { clean, callees, objects, ordered: carry.sameSteps ? carry.previous.ordered : new Map(), shared: true };
  }
  if (!carry) return { clean: new Map(), callees: new Map(), objects: new Map(), ordered: new Map() };
  const { previous, affected } = carry;
  const record: WalkRecord<V> = { clean: copyOf(previous.clean, affected), callees: copyOf(previous.callees), objects: copyOf(previous.objects), ordered: new Map() };
  if (carry.sameSteps) previous.ordered.forEach((values, walk) => record.ordered.set(walk, copyOf(values, affected)));
  return record;
}

/**
 * A copy of `map` without the keys in `without`, made entry by entry with forEach: `new Map(map)`
 * and for-of make a [key, value] pair of each entry, and these maps hold every walked function
 * (hundreds, copied on every edit): that doubled the copies' garbage and time.
 */
function copyOf<V>(map: ReadonlyMap<string, V>, without?: ReadonlySet<string>): Map<string, V> {
  const copy = new Map<string, V>();
  map.forEach((value, key) => {
    if (!without?.has(key)) copy.set(key, value);
  });
  return copy;
}

/**
 * The frames open in a memoised depth-first walk, each noting whether its value depends on the
 * order of the walk: a recursion cut under it, a depth limit met, or a value of that kind used.
 */
export class OpenFrames {
  private readonly orderDependent: boolean[] = [];
  /** Keys of the values of this walk that depend on its order. */
  readonly dependent = new Set<string>();

  enter(): void {
    this.orderDependent.push(false);
  }

  /** The innermost open frame's value depends on the order of the walk. */
  markOrderDependent(): void {
    const top = this.orderDependent.length - 1;
    if (top >= 0) this.orderDependent[top] = true;
  }

  /** A memoised value was used by the innermost open frame. */
  used(key: string): void {
    if (this.dependent.has(key)) this.markOrderDependent();
  }

  /** The innermost open frame used `key`'s value from an earlier walk, one that depended on the order of the walk. */
  usedOrdered(key: string): void {
    this.dependent.add(key);
    this.markOrderDependent();
  }

  /** Closes the innermost frame, the value of `key`; true when that value depends only on the functions below it. */
  leave(key: string): boolean {
    const dependent = this.orderDependent.pop()!;
    if (!dependent) return true;
    this.dependent.add(key);
    this.markOrderDependent();
    return false;
  }
}
