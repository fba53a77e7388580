// @sightline/triton/repository: Triton model-repository tooling. generateModelRepository and the config
// writers are platform-neutral; writeModelRepository (file system) is Node-only.
export { generateModelRepository, type GeneratedModelRepository } from './generateModelRepository.js';
export { writeModelRepository, type WriteModelRepositoryOptions, type WrittenModelRepository } from './writeModelRepository.node.js';
export { generateNginxConf, CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, type NginxConfOptions } from './nginxConf.js';
export { batchProfile, trtexecArgs, type TrtexecProfile } from './deployFiles.js';
export { readModelShape, type ModelShape } from './modelShape.js';
export { parsePbtxt, toPbtxt, pbEnum, PbEnum, type PbMessage, type PbParsed } from './pbtxt.js';
export { resolveRepositoryOptions, type ModelRepositoryOptions, type RepositoryModelInfo, type RepositoryTensorInfo, type MainBackend } from './repositoryOptions.js';
