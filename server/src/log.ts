// The server's logger: writes through the connection's console (the client's output channel)
// and drops messages below the configured level. Features receive a Logger, never the
// connection, so they can be tested without one.
import type { LogLevel } from './settings';

export interface LogSink {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  log(message: string): void;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export class Logger {
  private level: LogLevel;

  constructor(
    private readonly sink: LogSink,
    level: LogLevel = 'info',
  ) {
    this.level = level;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  getLevel(): LogLevel {
    return this.level;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  error(message: string, cause?: unknown): void {
    // A broken sink (client gone) must never turn a logged error into a crash.
    if (this.enabled('error')) this.safely(() => this.sink.error(withCause(message, cause)));
  }

  warn(message: string): void {
    if (this.enabled('warn')) this.safely(() => this.sink.warn(message));
  }

  info(message: string): void {
    if (this.enabled('info')) this.safely(() => this.sink.info(message));
  }

  debug(message: string | (() => string)): void {
    if (this.enabled('debug')) this.safely(() => this.sink.log(typeof message === 'function' ? message() : message));
  }

  private safely(write: () => void): void {
    try {
      write();
    } catch {
      // Nowhere left to report it.
    }
  }
}

function withCause(message: string, cause: unknown): string {
  if (cause === undefined) return message;
  if (cause instanceof Error) return `${message}: ${cause.stack ?? cause.message}`;
  return `${message}: ${String(cause)}`;
}

/** A logger that writes nowhere, for tests and the CLI. */
export function silentLogger(): Logger {
  const drop = () => undefined;
  return new Logger({ error: drop, warn: drop, info: drop, log: drop }, 'error');
}
