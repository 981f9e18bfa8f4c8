// The cost model's inputs that live in files: the coverage profile named by the profilePath
// setting and the workspace's calibration (.bpf-offload/calibration.json). Both are read, never
// executed, so they are used in untrusted workspaces too — but there a profile path must stay
// inside a workspace folder, so a repository's settings cannot make the server read (and show
// parse errors quoting) arbitrary files of the user. Running a calibration is a separate,
// trusted-only command (tools/calibrate.ts); this file only reads its result.
//
// Files are cached by path and re-read when their size, mtime or inode change, so a stale copy
// is never used even if the client sends no file events; watcher events drop the cache early
// and tell the server to refresh what depends on it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileChangeType, type DidChangeWatchedFilesParams } from 'vscode-languageserver/node';
import type { OffloadOptions } from '../analysis/offload';
import { applyCalibration, type CalibrationFile } from '../analysis/cost';
import { parseProfile, type Profile } from '../analysis/profiles';
import { CALIBRATION_RELATIVE_PATH, loadCalibration } from '../tools/calibrate';
import type { Logger } from '../log';
import type { Settings } from '../settings';
import { uriToPath } from '../uris';

/** Larger files are refused: a profile of a few source files is kilobytes to a few megabytes. */
export const MAX_PROFILE_BYTES = 64 * 1024 * 1024;

export interface ProfileStatus {
  /** The setting as written. */
  setting: string;
  /** Absolute path it resolved to (when it could be resolved). */
  path?: string;
  profile?: Profile;
  /** Why no profile is used although one is named. */
  error?: string;
}

export interface CalibrationStatus {
  path: string;
  file?: CalibrationFile;
  replaced?: string[];
  error?: string;
}

/** Everything the cost estimate of one document depends on besides the code. */
export interface OffloadContext {
  options: OffloadOptions;
  profile?: ProfileStatus;
  calibration?: CalibrationStatus;
}

interface CacheEntry<T> {
  stamp: string;
  value: Promise<T>;
}

async function stampOf(file: string): Promise<string | undefined> {
  try {
    const s = await fs.stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

const isInside = (folder: string, file: string) => {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** What the options of the last contextFor with the same folder, setting and trust were made of. */
interface RecentOptions {
  options: OffloadOptions;
  profile?: Profile;
  calibration?: CalibrationFile;
}

export class ProfilesFeature {
  private folders: string[] = [];
  private readonly profiles = new Map<string, CacheEntry<ProfileStatus>>();
  private readonly calibrations = new Map<string, CacheEntry<CalibrationStatus | undefined>>();
  private readonly recent = new Map<string, RecentOptions>();

  constructor(
    private readonly logger: Logger,
    private readonly isTrusted: () => boolean,
  ) {}

  /** Workspace folders as URIs (or paths); the first folder containing a document is its folder. */
  setFolders(folderUris: readonly string[]): void {
    this.folders = folderUris.map((f) => uriToPath(f) ?? f).filter((f) => path.isAbsolute(f));
  }

  foldersChanged(event: { added: readonly { uri: string }[]; removed: readonly { uri: string }[] }): void {
    const removed = new Set(event.removed.map((f) => uriToPath(f.uri) ?? f.uri));
    this.setFolders([...this.folders.filter((f) => !removed.has(f)), ...event.added.map((f) => f.uri)]);
  }

  /** The folder a document belongs to, else the first folder, else the document's directory. */
  folderFor(uri: string): string | undefined {
    const file = uriToPath(uri);
    const containing = file ? this.folders.filter((f) => isInside(f, file)).sort((a, b) => b.length - a.length)[0] : undefined;
    return containing ?? this.folders[0] ?? (file ? path.dirname(file) : undefined);
  }

  contextFor(uri: string, settings: Settings): Promise<OffloadContext> {
    return this.contextIn(this.folderFor(uri), settings);
  }

  /**
   * Reads every folder's profile and calibration for these (the window's) settings, so that the
   * first document opened takes its options from recentOffloadOptions rather than waiting for
   * the files (about 1 ms of a first open).
   */
  async prefetch(settings: Settings): Promise<void> {
    await Promise.all(this.folders.map((folder) => this.contextIn(folder, settings)));
  }

  private async contextIn(folder: string | undefined, settings: Settings): Promise<OffloadContext> {
    const [profile, calibration] = await Promise.all([this.profileFor(settings.profilePath, folder), folder ? this.calibrationIn(folder) : undefined]);
    const options: OffloadOptions = {};
    if (profile?.profile) options.profile = profile.profile;
    if (calibration?.file) options.parameters = applyCalibration(calibration.file).parameters;
    this.recent.set(this.recentKey(folder, settings), { options, profile: profile?.profile, calibration: calibration?.file });
    return { options, ...(profile ? { profile } : {}), ...(calibration ? { calibration } : {}) };
  }

  /**
   * The options the last contextFor with this document's folder and settings gave, at once, and
   * whether they are still those of the files on disk (`current`, once they were checked).
   * Undefined when there are none yet. Why: checking the files is a round trip through Node's
   * thread pool, and on a loaded machine that wait was up to several milliseconds of every edit's
   * latency before its analysis could even start; the diagnostics now check while the analysis
   * runs, and analyse again in the rare case the profile or calibration changed.
   */
  recentOffloadOptions(uri: string, settings: Settings): { options: OffloadOptions; current: Promise<boolean> } | undefined {
    const recent = this.recent.get(this.recentKey(this.folderFor(uri), settings));
    if (!recent) return undefined;
    // The caches hand out the very objects they read while the files are unchanged.
    const current = this.contextFor(uri, settings).then(
      (now) => now.options.profile === recent.profile && now.calibration?.file === recent.calibration,
      () => false,
    );
    return { options: recent.options, current };
  }

  private recentKey(folder: string | undefined, settings: Settings): string {
    return `${this.isTrusted()}\0${folder ?? ''}\0${settings.profilePath}`;
  }

  async offloadOptions(uri: string, settings: Settings): Promise<OffloadOptions> {
    return (await this.contextFor(uri, settings)).options;
  }

  /**
   * Drops cached copies of changed files. True when a file the estimates use changed, so the
   * caller re-analyses open documents and refreshes lenses.
   */
  watchedFilesChanged(params: DidChangeWatchedFilesParams): boolean {
    let changed = false;
    for (const change of params.changes) {
      const file = uriToPath(change.uri);
      if (!file) continue;
      for (const cache of [this.profiles, this.calibrations] as Map<string, unknown>[]) {
        if (cache.delete(path.resolve(file))) changed = true;
      }
      // A calibration created where there was none is not in the cache yet, but matters.
      if (change.type === FileChangeType.Created && file.endsWith(CALIBRATION_RELATIVE_PATH)) changed = true;
    }
    return changed;
  }

  private async profileFor(setting: string, folder: string | undefined): Promise<ProfileStatus | undefined> {
    const trimmed = setting.trim();
    if (!trimmed) return undefined;
    if (!path.isAbsolute(trimmed) && !folder) return { setting, error: 'a relative profile path needs a workspace folder' };
    const resolved = path.resolve(folder ?? '/', trimmed);
    if (!this.isTrusted()) {
      let real = resolved;
      try {
        real = await fs.realpath(resolved);
      } catch {
        // A missing file is reported by the read below.
      }
      if (!this.folders.some((f) => isInside(f, real))) {
        return { setting, path: resolved, error: 'in an untrusted workspace the profile must be inside a workspace folder' };
      }
    }
    return this.cached(this.profiles, resolved, () => this.readProfile(setting, resolved));
  }

  private async readProfile(setting: string, file: string): Promise<ProfileStatus> {
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return { setting, path: file, error: 'not a regular file' };
      if (stat.size > MAX_PROFILE_BYTES) return { setting, path: file, error: `larger than ${MAX_PROFILE_BYTES >> 20} MB` };
      const profile = parseProfile(await fs.readFile(file), file);
      this.logger.info(`Profile loaded: ${file} (${profile.tool}, ${profile.files.length} source files)`);
      return { setting, path: file, profile };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message = code === 'ENOENT' ? 'no such file' : (error as Error).message;
      this.logger.warn(`Profile ${file} not used: ${message}`);
      return { setting, path: file, error: message };
    }
  }

  private calibrationIn(folder: string): Promise<CalibrationStatus | undefined> {
    const file = path.join(folder, CALIBRATION_RELATIVE_PATH);
    return this.cached(this.calibrations, file, async () => {
      try {
        const loaded = await loadCalibration(folder);
        if (!loaded) return undefined;
        return { path: file, file: loaded, replaced: applyCalibration(loaded).replaced };
      } catch (error) {
        this.logger.warn(`Calibration ${file} not used: ${(error as Error).message}`);
        return { path: file, error: (error as Error).message };
      }
    });
  }

  private async cached<T>(cache: Map<string, CacheEntry<T>>, file: string, load: () => Promise<T>): Promise<T> {
    const stamp = (await stampOf(file)) ?? 'missing';
    const hit = cache.get(file);
    if (hit && hit.stamp === stamp) return hit.value;
    const value = load();
    cache.set(file, { stamp, value });
    return value;
  }
}
