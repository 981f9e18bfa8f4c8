// The one definition of every setting. package.json `contributes.configuration` and its list of
// restricted settings are written from this file by scripts/sync-manifest.mjs, and the server's
// defaults and validation come from here too, so the two can never disagree (a test checks).
// No LSP or VS Code import: the manifest script bundles this file on its own.

export const SETTINGS_SECTION = 'bpfOffload';

/** VS Code's configuration scopes (how far down a value may be overridden). */
export type SettingScope =
  | 'application'
  | 'machine'
  | 'machine-overridable'
  | 'window'
  | 'resource'
  | 'language-overridable';

export type SettingType = 'string' | 'number' | 'boolean' | 'array';

export interface SettingDefinition {
  /** Path below the section, dotted for nested keys ("trace.server"). */
  key: string;
  type: SettingType;
  default: string | number | boolean | string[];
  scope: SettingScope;
  markdownDescription: string;
  enum?: string[];
  enumDescriptions?: string[];
  /** For arrays: the type of every item. */
  itemType?: 'string';
  minimum?: number;
  maximum?: number;
  /** A regular expression string values must match (also written to the manifest). */
  pattern?: string;
  /**
   * Names an executable or otherwise lets the workspace decide what runs: ignored in an
   * untrusted workspace (listed in capabilities.untrustedWorkspaces.restrictedConfigurations).
   */
  restricted?: boolean;
}

export const TRACE_LEVELS = ['off', 'messages', 'verbose'] as const;
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export const PROGRAM_TYPE_CHOICES = ['auto', 'xdp', 'sk_msg', 'sk_skb'] as const;

export type TraceLevel = (typeof TRACE_LEVELS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type ProgramTypeChoice = (typeof PROGRAM_TYPE_CHOICES)[number];

export const SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  {
    key: 'targetKernel',
    type: 'string',
    default: '6.1',
    pattern: '^\\d+\\.\\d+$',
    scope: 'resource',
    markdownDescription:
      'Linux kernel version the generated eBPF programs must load on, as `major.minor` (e.g. `6.1`). ' +
      'Rules whose verdict depends on the kernel (bounded loops, helpers, stack limits) use it.',
  },
  {
    key: 'programType',
    type: 'string',
    default: 'auto',
    enum: [...PROGRAM_TYPE_CHOICES],
    enumDescriptions: [
      'Choose per entry from what the handler reads and writes.',
      'XDP: runs on the raw packet before the kernel network stack (UDP and raw packets).',
      'sk_msg: runs on data a socket sends (TCP, after the stack).',
      'sk_skb: runs on data a socket receives (TCP stream parser/verdict).',
    ],
    scope: 'resource',
    markdownDescription: 'Which eBPF program type to offload request paths into.',
  },
  {
    key: 'entries',
    type: 'array',
    itemType: 'string',
    default: [],
    scope: 'resource',
    markdownDescription:
      'Names of the request-handler functions to analyse as entry points, in addition to functions ' +
      'marked with a `// bpf-offload: entry` comment.',
  },
  {
    key: 'profilePath',
    type: 'string',
    default: '',
    scope: 'resource',
    markdownDescription:
      'Path to a coverage profile of the server under load (`gcov --json-format` or ' +
      '`llvm-cov export` JSON), used to weigh request paths by how often they run. ' +
      'Relative paths are resolved against the workspace folder. Empty: no profile.',
  },
  {
    key: 'clangPath',
    type: 'string',
    default: 'clang',
    scope: 'machine-overridable',
    restricted: true,
    markdownDescription:
      'The `clang` executable used to compile generated eBPF programs (a name looked up on `PATH`, or an ' +
      'absolute path). Ignored in an untrusted workspace.',
  },
  {
    key: 'bpftoolPath',
    type: 'string',
    default: 'bpftool',
    scope: 'machine-overridable',
    restricted: true,
    markdownDescription:
      'The `bpftool` executable used to load generated programs into the kernel verifier (a name looked ' +
      'up on `PATH`, or an absolute path). Ignored in an untrusted workspace.',
  },
  {
    key: 'trace.server',
    type: 'string',
    default: 'off',
    enum: [...TRACE_LEVELS],
    enumDescriptions: ['No trace.', 'Trace the names of LSP messages.', 'Trace LSP messages with their contents.'],
    scope: 'window',
    markdownDescription: 'Traces the communication between VS Code and the BPF Offload language server.',
  },
  {
    key: 'logLevel',
    type: 'string',
    default: 'info',
    enum: [...LOG_LEVELS],
    scope: 'window',
    markdownDescription: 'How much the language server writes to its output channel (**BPF Offload: Show Log**).',
  },
  {
    key: 'diagnostics.debounceMs',
    type: 'number',
    default: 200,
    minimum: 0,
    maximum: 10000,
    scope: 'window',
    markdownDescription:
      'Milliseconds to wait after the last edit before re-analysing a document. A new edit cancels ' +
      'the pending analysis of that document.',
  },
  {
    key: 'shading.enabled',
    type: 'boolean',
    default: true,
    scope: 'window',
    markdownDescription:
      'Shade the code of request paths that can finish in the kernel and mark where the other paths hand over ' +
      'to userspace (colours: `bpfOffload.kernelPathBackground`, `bpfOffload.handoverForeground`). Fallback ' +
      'points are also reported as Hint diagnostics, whatever this says.',
  },
];

/** The server's view of the settings, after validation and trust. */
export interface Settings {
  targetKernel: string;
  programType: ProgramTypeChoice;
  entries: string[];
  profilePath: string;
  clangPath: string;
  bpftoolPath: string;
  trace: { server: TraceLevel };
  logLevel: LogLevel;
  diagnostics: { debounceMs: number };
  shading: { enabled: boolean };
}

export function settingDefinition(key: string): SettingDefinition | undefined {
  return SETTING_DEFINITIONS.find((d) => d.key === key);
}

/** Full names ("bpfOffload.clangPath") of the settings an untrusted workspace may not set. */
export function restrictedSettingNames(): string[] {
  return SETTING_DEFINITIONS.filter((d) => d.restricted).map((d) => `${SETTINGS_SECTION}.${d.key}`);
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function getPath(source: unknown, dotted: string): unknown {
  let node = source;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function copyDefault(value: SettingDefinition['default']): SettingDefinition['default'] {
  return Array.isArray(value) ? [...value] : value;
}

export function defaultSettings(): Settings {
  const result: Record<string, unknown> = {};
  for (const d of SETTING_DEFINITIONS) setPath(result, d.key, copyDefault(d.default));
  return result as unknown as Settings;
}

/** Why a value was not accepted, or undefined when it is valid for the definition. */
export function validateSettingValue(d: SettingDefinition, value: unknown): string | undefined {
  switch (d.type) {
    case 'string':
      if (typeof value !== 'string') return 'expected a string';
      if (d.enum && !d.enum.includes(value)) return `expected one of ${d.enum.join(', ')}`;
      if (d.pattern && !new RegExp(d.pattern).test(value)) return `expected a value matching ${d.pattern}`;
      return undefined;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'expected a number';
      if (d.minimum !== undefined && value < d.minimum) return `expected at least ${d.minimum}`;
      if (d.maximum !== undefined && value > d.maximum) return `expected at most ${d.maximum}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'array':
      if (!Array.isArray(value)) return 'expected an array';
      if (d.itemType && value.some((item) => typeof item !== d.itemType)) return `expected an array of ${d.itemType}s`;
      return undefined;
  }
}

export interface ResolvedSettings {
  settings: Settings;
  /** One line per value that was replaced by its default, for the log. */
  problems: string[];
}

/**
 * Turns what the client sent for the `bpfOffload` section (possibly null, partial or wrong) into
 * complete settings. Invalid values fall back to their default; in an untrusted workspace every
 * restricted setting does too, whatever was sent, so no workspace can choose what runs.
 */
export function resolveSettings(section: unknown, trusted: boolean): ResolvedSettings {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const d of SETTING_DEFINITIONS) {
    const value = getPath(section, d.key);
    let chosen: unknown = copyDefault(d.default);
    if (value !== undefined && value !== null) {
      const problem = validateSettingValue(d, value);
      if (problem) {
        problems.push(`${SETTINGS_SECTION}.${d.key}: ${problem}; using the default ${JSON.stringify(d.default)}`);
      } else if (d.restricted && !trusted) {
        if (value !== d.default) {
          problems.push(`${SETTINGS_SECTION}.${d.key} is ignored in an untrusted workspace; using ${JSON.stringify(d.default)}`);
        }
      } else {
        chosen = Array.isArray(value) ? [...value] : value;
      }
    }
    setPath(result, d.key, chosen);
  }
  return { settings: result as unknown as Settings, problems };
}

/** The JSON schema of one setting as VS Code's `contributes.configuration.properties` wants it. */
export function manifestProperty(d: SettingDefinition): Record<string, unknown> {
  const property: Record<string, unknown> = { type: d.type, default: copyDefault(d.default) };
  if (d.itemType) property.items = { type: d.itemType };
  if (d.enum) property.enum = [...d.enum];
  if (d.enumDescriptions) property.enumDescriptions = [...d.enumDescriptions];
  if (d.minimum !== undefined) property.minimum = d.minimum;
  if (d.maximum !== undefined) property.maximum = d.maximum;
  if (d.pattern) property.pattern = d.pattern;
  property.scope = d.scope;
  property.markdownDescription = d.markdownDescription;
  return property;
}

export function manifestConfiguration(): { title: string; properties: Record<string, unknown> } {
  const properties: Record<string, unknown> = {};
  for (const d of SETTING_DEFINITIONS) properties[`${SETTINGS_SECTION}.${d.key}`] = manifestProperty(d);
  return { title: 'BPF Offload', properties };
}
