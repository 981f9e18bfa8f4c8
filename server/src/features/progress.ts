// Adapts the indexer's progress to LSP work-done progress (window/workDoneProgress). When the
// client does not support it, vscode-languageserver hands back a reporter that does nothing.
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { Logger } from '../log';
import type { IndexProgress } from '../workspaceIndex';

export async function createIndexProgress(connection: Connection, logger: Logger): Promise<IndexProgress> {
  let reporter: WorkDoneProgressServerReporter | undefined;
  try {
    reporter = await connection.window.createWorkDoneProgress();
  } catch (error) {
    logger.debug(() => `No work-done progress: ${(error as Error).message}`);
  }
  // A client that disconnects mid-index makes these throw; progress is never worth a failure.
  const safely = (report: () => void) => {
    try {
      report();
    } catch {
      reporter = undefined;
    }
  };
  let lastPercentage = -1;
  return {
    begin: (title, message) => {
      logger.info(`${title}…`);
      safely(() => reporter?.begin(title, 0, message));
    },
    report: (percentage, message) => {
      // One message per percent is plenty; thousands of files would flood the client otherwise.
      if (percentage === lastPercentage) return;
      lastPercentage = percentage;
      safely(() => reporter?.report(percentage, message));
    },
    end: (message) => {
      logger.info(message);
      safely(() => reporter?.done());
    },
  };
}
