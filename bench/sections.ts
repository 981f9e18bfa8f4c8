// Every benchmark section, in the order docs/benchmarks.md shows them. A new section (the
// offload CPU and cost-model measurements of issue 6) is a BenchSection added to this list.
import type { BenchSection } from './lib/section';
import { editorLatencySection } from './lsp/section';
import { offloadSection } from './offload/section';

export const SECTIONS: BenchSection<any>[] = [editorLatencySection, offloadSection];
