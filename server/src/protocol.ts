// Messages between the BPF Offload client and server beyond standard LSP. Imported by both
// sides, so nothing here may depend on vscode or on server internals.

/** `initializationOptions` the client sends with `initialize`. */
export interface InitializationOptions {
  /**
   * VS Code's workspace trust. Only an explicit `false` makes the server restricted, so other
   * editors (which know nothing of trust) get full function.
   */
  trusted?: boolean;
}

/** Client → server, when the user grants trust to the workspace after start. No params. */
export const WORKSPACE_TRUSTED_NOTIFICATION = 'bpfOffload/workspaceTrusted';

export function isTrustedFrom(initializationOptions: unknown): boolean {
  if (typeof initializationOptions !== 'object' || initializationOptions === null) return true;
  return (initializationOptions as InitializationOptions).trusted !== false;
}
