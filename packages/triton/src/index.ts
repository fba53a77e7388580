export type * from './types.js';
export * from './datatypes.js';
export * from './backoff.js';
export * from './inferRequestEncoder.js';
export * from './inferResponseParser.js';
export * from './modelConfigSummary.js';
export * from './tritonHttpError.js';
export * from './tritonHttpClient.js';
