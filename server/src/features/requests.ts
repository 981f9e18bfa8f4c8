// Every request handler goes through `guarded`: a failing feature answers with its fallback
// and a log line instead of taking the server down, and a request the client has cancelled
// is answered with the LSP RequestCancelled error without doing the work.
import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { CancelledError } from '../analysis/analyze';
import type { Logger } from '../log';

export function guarded<P, R>(
  logger: Logger,
  name: string,
  fallback: R,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
  return async (params, token) => {
    const cancelled = () => new ResponseError<void>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
    if (token?.isCancellationRequested) return cancelled();
    try {
      const result = await handler(params, token);
      return token?.isCancellationRequested ? cancelled() : result;
    } catch (error) {
      if (error instanceof CancelledError || token?.isCancellationRequested) return cancelled();
      logger.error(`${name} failed`, error);
      return fallback;
    }
  };
}

/** For notifications: no answer to send, so a failure is only logged. */
export function guardedNotification<P>(logger: Logger, name: string, handler: (params: P) => void | Promise<void>): (params: P) => void {
  return (params) => {
    try {
      const pending = handler(params);
      if (pending) pending.catch((error: unknown) => logger.error(`${name} failed`, error));
    } catch (error) {
      logger.error(`${name} failed`, error);
    }
  };
}
