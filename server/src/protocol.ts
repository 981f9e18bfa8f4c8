// Messages between the BPF Offload client and server beyond standard LSP. Imported by both
// sides, so nothing here may depend on vscode or on server internals.

/** `initializationOptions` the client sends with `initialize`. */
export interface InitializationOptions {
  /**
   * VS Code's workspace trust. Only an explicit `false` makes the server restricted, so other
   * editors (which know nothing of trust) get full function.
   */
  trusted?: boolean;
  /** The client draws OFFLOAD_REGIONS_NOTIFICATION; other clients are not sent it. */
  offloadRegions?: boolean;
}

/** Client → server, when the user grants trust to the workspace after start. No params. */
export const WORKSPACE_TRUSTED_NOTIFICATION = 'bpfOffload/workspaceTrusted';

export function isTrustedFrom(initializationOptions: unknown): boolean {
  if (typeof initializationOptions !== 'object' || initializationOptions === null) return true;
  return (initializationOptions as InitializationOptions).trusted !== false;
}

/**
 * Server → client after each analysis: the parts of a document to mark. A custom notification,
 * not semantic tokens: tokens colour text (not whole-line backgrounds) and VS Code shows only
 * one provider's tokens per document, so they would fight with clangd's highlighting.
 */
export const OFFLOAD_REGIONS_NOTIFICATION = 'bpfOffload/offloadRegions';

export type OffloadRegionKind = 'kernel' | 'handover' | 'fallback';

export interface OffloadRegion {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  kind: OffloadRegionKind;
  /** The entry (function name) the region belongs to. */
  entry: string;
  /** One line for the marker's hover, e.g. "P2 hands over here: when `s == NULL` holds". */
  detail?: string;
}

export interface OffloadRegionsParams {
  uri: string;
  version: number;
  regions: OffloadRegion[];
}

/**
 * Client command the code lens runs: reveal the entry and show its hover (the cost table).
 * Arguments: [uri: string, position: {line, character}]. Without arguments: the cursor's place.
 */
export const SHOW_DETAILS_COMMAND = 'bpfOffload.showDetails';

/**
 * Server commands (workspace/executeCommand) that run external tools; refused in an untrusted
 * workspace. VERIFY_COMMAND arguments: [uri of a NAME.bpf.c, or of a C source that was split].
 * CALIBRATE_COMMAND arguments: [workspace folder uri (default: the first workspace folder),
 * { fast?: boolean, xdp?: 'auto' | 'require' | 'skip' } (default: thorough, XDP when possible)].
 * Both answer with a ToolCommandResult and also show its message (window/showMessage).
 */
export const VERIFY_COMMAND = 'bpfOffload.verify';
export const CALIBRATE_COMMAND = 'bpfOffload.calibrate';

export interface ToolCommandResult {
  /** refused: untrusted workspace or bad arguments; not-run: a tool is missing or not allowed. */
  status: 'loaded' | 'compiled' | 'rejected' | 'written' | 'not-run' | 'refused' | 'cancelled' | 'failed';
  /** The one line shown to the user. */
  message: string;
  /** The file verified, or the calibration file written (a file: URI). */
  uri?: string;
}
