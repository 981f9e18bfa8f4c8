// Reads a profile without being told which tool wrote it.
import { decodeMaybeGzip, parseGcovJson } from './gcov';
import { parseLlvmCovExport } from './llvmCov';
import { ProfileFormatError, type Profile } from './types';

/** gcov JSON or llvm-cov export JSON, gzipped or plain, recognised by content. */
export function parseProfile(data: Buffer | Uint8Array | string, origin: string): Profile {
  const text = decodeMaybeGzip(data);
  if (text.includes('"llvm.coverage.json.export"')) return parseLlvmCovExport(text, origin);
  if (text.includes('"gcc_version"') || text.includes('"format_version"')) return parseGcovJson(text, origin);
  throw new ProfileFormatError(`${origin}: neither gcov JSON (gcov --json-format) nor llvm-cov export JSON (llvm-cov export -format=text)`);
}
