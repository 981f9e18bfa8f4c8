// Parses one C text and summarises it, for tests that look at a FileSummary; the tree is freed
// before returning because the summary holds no nodes.
import { initC, parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { summarizeFile } from '../../server/src/analysis/summarize';
import type { FileSummary } from '../../server/src/analysis/model';

export async function summarize(text: string, file = 'test.c'): Promise<FileSummary> {
  await initC();
  const parsed = parseC(text);
  const tree = plainTreeOf(parsed);
  try {
    return summarizeFile(file, tree, text);
  } finally {
    parsed.delete();
  }
}
