export * from './tritonServer.js';
export * from './modelRepository.js';
export * from './faultProxy.js';
