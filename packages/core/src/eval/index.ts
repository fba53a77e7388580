export * from './cocoTypes.js';
export * from './cocoBoxIou.js';
export * from './cocoEval.js';
export * from './yoloLabelsToCoco.js';
