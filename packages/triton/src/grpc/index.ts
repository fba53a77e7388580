// Node-only entry (@sightline/triton/grpc): the KServe v2 gRPC client. Kept out of the main entry so
// browsers never pull in @grpc/grpc-js.
export { TritonGrpcClient, type TritonGrpcClientOptions } from './tritonGrpcClient.js';
export { TritonGrpcError } from './grpcErrors.js';
export { decodeInferResponse } from './wireDecoding.js';
