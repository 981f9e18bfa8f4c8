// Call cycles (recursion) over a call graph given as successor lists of function indices, found
// from scratch or carried over after an edit changed the calls of a few functions.

/**
 * Groups of indices that call each other in a cycle (strongly connected components with a
 * cycle, self-recursion included), members ascending, groups by first member. Tarjan's algorithm
 * with an explicit stack: call chains in real code can be very deep.
 */
export function cycleGroups(successors: readonly (readonly number[])[]): number[][] {
  const count = successors.length;
  const order = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const groups: number[][] = [];
  let counter = 0;
  for (let start = 0; start < count; start++) {
    if (order[start] !== -1) continue;
    const frames: { node: number; next: number }[] = [{ node: start, next: 0 }];
    order[start] = low[start] = counter++;
    stack.push(start);
    onStack[start] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const edges = successors[frame.node];
      if (frame.next < edges.length) {
        const to = edges[frame.next++];
        if (order[to] === -1) {
          order[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = true;
          frames.push({ node: to, next: 0 });
        } else if (onStack[to]) {
          low[frame.node] = Math.min(low[frame.node], order[to]);
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].node;
        low[parent] = Math.min(low[parent], low[frame.node]);
      }
      if (low[frame.node] !== order[frame.node]) continue;
      const group: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack[member] = false;
        group.push(member);
      } while (member !== frame.node);
      if (group.length > 1 || successors[frame.node].includes(frame.node)) groups.push(group.sort((a, b) => a - b));
    }
  }
  return groups.sort((a, b) => a[0] - b[0]);
}

/** The calls of one function before and after an edit, as callee indices. */
export interface ChangedCalls {
  caller: number;
  before: readonly number[];
  after: readonly number[];
}

/**
 * Whether the graph after `changes` (every other function's calls the same, indices the same)
 * has exactly the cycle groups `before` had. A removed call changes them only if its two ends
 * were in one group; an added call only if its callee reaches its caller now (then it closes a
 * cycle). Otherwise every cycle of the new graph uses kept calls alone, and so did every old one.
 * `successorsAfter` gives the new graph's calls of a function.
 */
export function cyclesUnchanged(before: readonly number[][], changes: readonly ChangedCalls[], successorsAfter: (index: number) => readonly number[]): boolean {
  const groupOf = new Map<number, number>();
  before.forEach((group, at) => {
    for (const member of group) groupOf.set(member, at);
  });
  for (const { caller, before: old, after } of changes) {
    const kept = new Set(after);
    for (const callee of old) {
      if (!kept.has(callee) && groupOf.has(caller) && groupOf.get(caller) === groupOf.get(callee)) return false;
    }
    const had = new Set(old);
    const added = after.filter((callee) => !had.has(callee));
    if (added.length > 0 && reachesAny(added, caller, successorsAfter)) return false;
  }
  return true;
}

/** Whether `target` is one of `starts` or reachable from one of them. */
function reachesAny(starts: readonly number[], target: number, successors: (index: number) => readonly number[]): boolean {
  const seen = new Set<number>(starts);
  const work = [...starts];
  while (work.length > 0) {
    const at = work.pop()!;
    if (at === target) return true;
    for (const next of successors(at)) {
      if (!seen.has(next)) {
        seen.add(next);
        work.push(next);
      }
    }
  }
  return false;
}
