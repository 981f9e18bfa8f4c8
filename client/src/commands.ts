// The extension's commands, defined once: the client registers these ids and
// scripts/sync-manifest.mjs writes package.json `contributes.commands` from this list.
// No VS Code import here, so the manifest script can bundle the file on its own.

export const COMMAND_IDS = {
  restartServer: 'bpfOffload.restartServer',
  showLog: 'bpfOffload.showLog',
  /** The code lens's command (SHOW_DETAILS_COMMAND in server/src/protocol.ts): the entry's hover. */
  showDetails: 'bpfOffload.showDetails',
  /** Asks the server's VERIFY_COMMAND about the active (or clicked) .bpf.c or split C source. */
  verifyKernelHalf: 'bpfOffload.verifyKernelHalf',
  /** Asks the server's CALIBRATE_COMMAND to measure a workspace folder's machine. */
  calibrateCostModel: 'bpfOffload.calibrateCostModel',
} as const;

export interface CommandContribution {
  command: string;
  title: string;
  category: string;
  /** A codicon ("$(verified)") for the editor title bar. */
  icon?: string;
}

export const COMMAND_CONTRIBUTIONS: CommandContribution[] = [
  { command: COMMAND_IDS.restartServer, title: 'Restart Language Server', category: 'BPF Offload' },
  { command: COMMAND_IDS.showLog, title: 'Show Log', category: 'BPF Offload' },
  { command: COMMAND_IDS.showDetails, title: 'Show Offload Details', category: 'BPF Offload' },
  { command: COMMAND_IDS.verifyKernelHalf, title: 'Verify Kernel Half', category: 'BPF Offload', icon: '$(verified)' },
  { command: COMMAND_IDS.calibrateCostModel, title: 'Calibrate Cost Model', category: 'BPF Offload' },
];

export interface MenuContribution {
  command: string;
  when?: string;
  group?: string;
}

// Generated kernel halves get verify on the editor's title bar and context menu; the palette
// offers it for any C file (a split source finds its kernel half).
const IS_KERNEL_HALF = 'resourceFilename =~ /\\.bpf\\.c$/';

/** package.json `contributes.menus`, written by scripts/sync-manifest.mjs. */
export const MENU_CONTRIBUTIONS: Record<string, MenuContribution[]> = {
  'editor/title': [{ command: COMMAND_IDS.verifyKernelHalf, when: IS_KERNEL_HALF, group: 'navigation' }],
  'editor/context': [{ command: COMMAND_IDS.verifyKernelHalf, when: IS_KERNEL_HALF, group: 'bpfOffload' }],
  'explorer/context': [{ command: COMMAND_IDS.verifyKernelHalf, when: IS_KERNEL_HALF, group: 'bpfOffload' }],
  commandPalette: [
    { command: COMMAND_IDS.verifyKernelHalf, when: 'editorLangId == c' },
    { command: COMMAND_IDS.calibrateCostModel, when: 'workspaceFolderCount > 0' },
  ],
};
