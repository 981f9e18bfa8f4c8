// Settings as the server sees them. Clients that support workspace/configuration are asked per
// document URI (a folder may override a user setting); others push settings with
// didChangeConfiguration (Neovim's `settings`), and what they pushed is used for every document.
// Either way, values are validated and trust is applied by settings.ts.
import type { AnalyzeOptions } from '../analysis/analyze';
import type { Logger } from '../log';
import { resolveSettings, Settings, SETTINGS_SECTION } from '../settings';

/** Asks the client for the `bpfOffload` section, scoped to a URI when one is given. */
export type ConfigurationFetcher = (scopeUri: string | undefined) => Promise<unknown>;

export class SettingsProvider {
  private readonly cache = new Map<string, Promise<Settings>>();
  private pushed: unknown;
  private readonly reported = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly isTrusted: () => boolean,
    /** Undefined when the client cannot answer workspace/configuration. */
    private readonly fetch: ConfigurationFetcher | undefined,
  ) {}

  /** Settings for a document (or the window-wide ones when `uri` is undefined). */
  get(uri?: string): Promise<Settings> {
    const key = uri ?? '';
    let settings = this.cache.get(key);
    if (!settings) {
      settings = this.load(uri);
      this.cache.set(key, settings);
    }
    return settings;
  }

  /**
   * After didChangeConfiguration or a change of trust: forget everything cached. `pushedSettings`
   * is the notification's `settings` payload (the whole tree, or null from pull-model clients).
   */
  invalidate(pushedSettings?: unknown): void {
    if (pushedSettings !== undefined && pushedSettings !== null && typeof pushedSettings === 'object') {
      const section = (pushedSettings as Record<string, unknown>)[SETTINGS_SECTION];
      if (section !== undefined) this.pushed = section;
    }
    this.cache.clear();
    this.reported.clear();
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }

  private async load(uri: string | undefined): Promise<Settings> {
    let section: unknown = this.pushed;
    if (this.fetch) {
      try {
        section = (await this.fetch(uri)) ?? this.pushed;
      } catch (error) {
        this.logger.warn(`Could not read settings${uri ? ` for ${uri}` : ''}: ${(error as Error).message}; using defaults`);
      }
    }
    const { settings, problems } = resolveSettings(section, this.isTrusted());
    for (const problem of problems) {
      // Each problem once per configuration, not once per document.
      if (this.reported.has(problem)) continue;
      this.reported.add(problem);
      this.logger.warn(problem);
    }
    return settings;
  }
}

/** The part of the settings the analysis pipeline takes. */
export function analyzeOptionsFrom(settings: Settings, isCancelled?: () => boolean): AnalyzeOptions {
  return {
    targetKernel: settings.targetKernel,
    programType: settings.programType,
    entries: [...settings.entries],
    isCancelled,
  };
}
