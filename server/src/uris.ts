// Files are named by URI in the server. Clients spell the same file:// URI differently (VS Code
// percent-encodes more characters than Node does), so identity goes through a canonical form.
import { fileURLToPath, pathToFileURL } from 'url';

/** The canonical spelling of a URI; non-file URIs (untitled:, etc.) are kept as they are. */
export function canonicalUri(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).href;
  } catch {
    return uri;
  }
}

export function pathToUri(filePath: string): string {
  return pathToFileURL(filePath).href;
}

/** The file system path of a file: URI, or undefined for other schemes and malformed URIs. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
