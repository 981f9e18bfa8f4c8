// Theme colours the extension contributes, defined once: client/src/decorations.ts uses the ids
// and scripts/sync-manifest.mjs writes package.json `contributes.colors` from this list. No VS
// Code import, so the manifest script can bundle the file on its own.

export const COLOR_IDS = {
  kernelPathBackground: 'bpfOffload.kernelPathBackground',
  handoverForeground: 'bpfOffload.handoverForeground',
} as const;

export interface ColorContribution {
  id: string;
  description: string;
  defaults: { light: string; dark: string; highContrast: string; highContrastLight: string };
}

export const COLOR_CONTRIBUTIONS: ColorContribution[] = [
  {
    id: COLOR_IDS.kernelPathBackground,
    description: 'Background of code on request paths that can finish in the kernel (BPF Offload).',
    // Translucent, so selections and the current-line highlight still show through.
    defaults: { light: '#2e7d3218', dark: '#66bb6a1f', highContrast: '#00000000', highContrastLight: '#00000000' },
  },
  {
    id: COLOR_IDS.handoverForeground,
    description: 'Marker after a line where a request path is handed over from the kernel to userspace (BPF Offload).',
    defaults: { light: '#b26a00', dark: '#ffb74d', highContrast: '#ffb74d', highContrastLight: '#8a4b00' },
  },
];

/** High-contrast themes get an outline instead of a fill (a translucent fill is invisible there). */
export const KERNEL_PATH_HIGH_CONTRAST_BORDER = 'contrastActiveBorder';
