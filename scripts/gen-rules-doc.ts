// Writes docs/rules.md from the rule definitions: `npx tsc -p . && node out/scripts/gen-rules-doc.js`.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderRulesMarkdown } from '../server/src/analysis/rules/docs';

const target = path.resolve(process.argv[2] ?? 'docs/rules.md');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, renderRulesMarkdown());
console.log(`wrote ${target}`);
