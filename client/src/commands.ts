// The extension's commands, defined once: the client registers these ids and
// scripts/sync-manifest.mjs writes package.json `contributes.commands` from this list.
// No VS Code import here, so the manifest script can bundle the file on its own.

export const COMMAND_IDS = {
  restartServer: 'bpfOffload.restartServer',
  showLog: 'bpfOffload.showLog',
  /** The code lens's command (SHOW_DETAILS_COMMAND in server/src/protocol.ts): the entry's hover. */
  showDetails: 'bpfOffload.showDetails',
} as const;

export interface CommandContribution {
  command: string;
  title: string;
  category: string;
}

export const COMMAND_CONTRIBUTIONS: CommandContribution[] = [
  { command: COMMAND_IDS.restartServer, title: 'Restart Language Server', category: 'BPF Offload' },
  { command: COMMAND_IDS.showLog, title: 'Show Log', category: 'BPF Offload' },
  { command: COMMAND_IDS.showDetails, title: 'Show Offload Details', category: 'BPF Offload' },
];
