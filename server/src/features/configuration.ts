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
  /** The settings of `cache` that have been read, by the same key. */
  private readonly resolved = new Map<string, Settings>();
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
      const loading = this.load(uri).then((read) => {
        // Not when invalidated or forgotten while the client was asked.
        if (this.cache.get(key) === loading) this.resolved.set(key, read);
        return read;
      });
      settings = loading;
      this.cache.set(key, settings);
    }
    return settings;
  }

  /**
   * Settings for a document at once, without waiting for the client: its own when they were read
   * already; else the window's, read at start-up, with `same`: whether the document's own, asked
   * for now, turn out equal (a folder may override a setting). Undefined when neither was read.
   * Why: the round trip to the client was 2-3 ms of every first open before its analysis could
   * start; the diagnostics now analyse with the window's settings meanwhile, and again in the rare
   * case the document's differ.
   */
  known(uri: string): { settings: Settings; same?: Promise<boolean> } | undefined {
    const own = this.resolved.get(uri);
    if (own) return { settings: own };
    const window = this.resolved.get('');
    if (!window) return undefined;
    const same = this.get(uri).then(
      (read) => JSON.stringify(read) === JSON.stringify(window),
      () => false,
    );
    return { settings: window, same };
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
    this.resolved.clear();
    this.reported.clear();
  }

  forget(uri: string): void {
    this.cache.delete(uri);
    this.resolved.delete(uri);
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
