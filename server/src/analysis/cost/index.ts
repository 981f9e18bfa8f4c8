// The cost model's public surface.
export * from './types';
export * from './parameters';
export { estimateCost, breakEven, describeShareSource, CostInputError } from './model';
export { staticShares, ERROR_PATHS_SHARE, type StaticPathHint } from './shares';
