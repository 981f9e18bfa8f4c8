// Regenerates the settings table in README.md from server/src/settings.ts, the one definition
// of every setting, between <!-- settings:start --> and <!-- settings:end -->.
//   node scripts/gen-docs.mjs                 rewrite the table in README.md
//   node scripts/gen-docs.mjs --check         exit 1 (and say so) when the table is stale
//   --readme PATH                             another file (the test uses a copy)
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- settings:start -->';
const END = '<!-- settings:end -->';

const args = process.argv.slice(2);
const check = args.includes('--check');
const readmeAt = args.indexOf('--readme');
const readmePath = readmeAt >= 0 ? args[readmeAt + 1] : 'README.md';
if (!readmePath) fail('--readme needs a path');

const settings = await loadSettingsModule();
const table = settingsTable(settings.SETTINGS_SECTION, settings.SETTING_DEFINITIONS);

let readme;
try {
  readme = readFileSync(readmePath, 'utf8');
} catch (error) {
  fail(`cannot read ${readmePath}: ${error.code ?? error.message}`);
}
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) fail(`${readmePath} has no ${START} … ${END} block`);
const updated = readme.slice(0, start + START.length) + '\n' + table + '\n' + readme.slice(end);

if (check) {
  if (updated !== readme) fail(`${readmePath}: the settings table is stale; run \`node scripts/gen-docs.mjs\``);
} else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log(`${readmePath}: settings table updated`);
}

// settings.ts is TypeScript with no imports of its own, so bundling it alone is enough to run it.
async function loadSettingsModule() {
  const result = await esbuild.build({
    entryPoints: ['server/src/settings.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

function settingsTable(section, definitions) {
  const rows = [
    '| Setting | Type | Default | Scope | Description |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const d of definitions) {
    let description = d.markdownDescription;
    if (d.enum) {
      const choices = d.enum.map((value, i) => {
        const said = d.enumDescriptions?.[i];
        return said ? `\`${value}\` — ${said.replace(/\.$/, '')}` : `\`${value}\``;
      });
      description += ` One of: ${choices.join('; ')}.`;
    }
    if (d.minimum !== undefined || d.maximum !== undefined) {
      description += ` Range: ${d.minimum ?? '−∞'} to ${d.maximum ?? '∞'}.`;
    }
    if (d.restricted && !/untrusted/i.test(description)) description += ' Ignored in an untrusted workspace.';
    const type = d.type === 'array' && d.itemType ? `${d.itemType}[]` : d.type;
    rows.push(
      `| \`${section}.${d.key}\` | ${type} | \`${JSON.stringify(d.default)}\` | ${d.scope} | ${cell(description)} |`,
    );
  }
  return rows.join('\n');
}

// A table cell is one line, and a bare | would end it.
function cell(markdown) {
  return markdown.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function fail(message) {
  console.error(`gen-docs: ${message}`);
  process.exit(1);
}
