// Profiles (PGO/FDO data from coverage tools) read into plain data.
export * from './types';
export { parseGcovJson } from './gcov';
export { parseLlvmCovExport, lineCountsFromSegments, type CoverageSegment } from './llvmCov';
export { mergeProfiles } from './merge';
export { parseProfile } from './detect';
export * from './probabilities';
