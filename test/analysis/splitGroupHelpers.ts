// Shared by the tests of the split-#if blanking source (conditionalBranches.test.ts,
// expressionGroups.test.ts): what that source alone blanks, and the text expected of it.
import { blankRanges, mergeRanges } from '../../server/src/analysis/blanking';
import { splitConditionalRanges } from '../../server/src/analysis/conditionalBranches';

/** `text` as the split-#if source alone blanks it. */
export const blanked = (text: string): string => blankRanges(text, mergeRanges(splitConditionalRanges(text)));

/** `text` with the lines at the given 1-based numbers replaced by blanks of their length. */
export function emptyLines(text: string, lines: number[]): string {
  return text
    .split('\n')
    .map((line, i) => (lines.includes(i + 1) ? ' '.repeat(line.length) : line))
    .join('\n');
}
