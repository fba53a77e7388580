// Node-only entry (`@sightline/triton/node`): transports that use node: modules.
export * from './transport/nodeHttpTransport.node.js';
