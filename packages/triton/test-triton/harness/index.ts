export * from './tritonServer.js';
export * from './modelRepository.js';
