// Writes the parts of package.json that have a single source of truth in the code:
//   contributes.configuration  ← server/src/settings.ts
//   capabilities.untrustedWorkspaces.restrictedConfigurations ← the settings marked `restricted`
//   contributes.commands, contributes.menus ← client/src/commands.ts
//   contributes.colors         ← client/src/colors.ts
// `--check` writes nothing and exits 1 when package.json is out of date (for CI).
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const manifestPath = join(root, 'package.json');

async function loadDefinitions() {
  // The definitions are TypeScript; bundle them on their own into a throwaway CommonJS module.
  const result = await esbuild.build({
    stdin: {
      contents:
        "export { manifestConfiguration, restrictedSettingNames } from './server/src/settings';\n" +
        "export { COMMAND_CONTRIBUTIONS, MENU_CONTRIBUTIONS } from './client/src/commands';\n" +
        "export { COLOR_CONTRIBUTIONS } from './client/src/colors';\n",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'error',
  });
  const dir = mkdtempSync(join(tmpdir(), 'bpf-offload-manifest-'));
  try {
    const file = join(dir, 'definitions.cjs');
    writeFileSync(file, result.outputFiles[0].text);
    return createRequire(import.meta.url)(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function syncedManifest(manifest) {
  const { manifestConfiguration, restrictedSettingNames, COMMAND_CONTRIBUTIONS, MENU_CONTRIBUTIONS, COLOR_CONTRIBUTIONS } = await loadDefinitions();
  const next = structuredClone(manifest);
  next.contributes ??= {};
  next.contributes.configuration = manifestConfiguration();
  next.contributes.commands = COMMAND_CONTRIBUTIONS.map((c) => ({ ...c }));
  next.contributes.menus = structuredClone(MENU_CONTRIBUTIONS);
  next.contributes.colors = COLOR_CONTRIBUTIONS.map((c) => structuredClone(c));
  next.capabilities ??= {};
  next.capabilities.untrustedWorkspaces ??= { supported: 'limited' };
  next.capabilities.untrustedWorkspaces.restrictedConfigurations = restrictedSettingNames();
  return next;
}

const current = readFileSync(manifestPath, 'utf8');
const next = JSON.stringify(await syncedManifest(JSON.parse(current)), null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('package.json is out of date with server/src/settings.ts or client/src/commands.ts; run: node scripts/sync-manifest.mjs');
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(manifestPath, next);
  console.log('package.json: settings, commands and restricted settings updated');
}
