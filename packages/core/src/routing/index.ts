export * from './latencyModel.js';
export * from './circuitBreaker.js';
export * from './pathActivity.js';
export * from './contentionModel.js';
export * from './routingPolicy.js';
export * from './hybridRouter.js';
