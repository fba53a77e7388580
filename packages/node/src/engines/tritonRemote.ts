/**
 * Remote engine: the same pre/post-processing runs here and only the model call goes to Triton (KServe v2
 * over HTTP or gRPC), so local and remote results differ only by the server's arithmetic. The served model
 * decides the wire format, as in the browser's RemoteDetector: FP32, FP16 or UINT8 pixels (normalised on the
 * server), channels first or last, and a raw head or end-to-end rows (NMS on the server).
 */
import { LayoutError, OptionError, RemoteError, type OutputLayout } from '@sightline/core';
import { EndpointPool, IMAGE_INPUT_DTYPES, TritonHttpClient, imageInputShape, perItemDims, layoutFromOutputDims, type InferenceClient, type InferOutput, type KServeDataType } from '@sightline/triton';
import { nodeHttpTransport } from '@sightline/triton/node';
import type { EngineData, EngineInput, EngineInputType, EngineModel, EngineRun, InferenceEngine } from './inferenceEngine.js';

export interface RemoteOptions {
  /** Server base URL (http://host:port for HTTP, host:port or grpc://host:port for gRPC). */
  url?: string;
  /** Several replicas: balanced by least outstanding requests, failing ones ejected and re-admitted after a probe. */
  urls?: string[];
  /** Model name on the server. */
  model: string;
  protocol?: 'http' | 'grpc';
  headers?: Record<string, string>;
  /** Per-request timeout in ms (default: the client's, 30 s HTTP / 60 s gRPC). */
  timeoutMs?: number;
}

type GrpcModule = { TritonGrpcClient: new (o: { url: string; headers?: Record<string, string>; timeoutMs?: number }) => InferenceClient };

export async function createInferenceClient(remote: RemoteOptions): Promise<InferenceClient> {
  const urls = remote.urls?.length ? remote.urls : remote.url ? [remote.url] : [];
  if (urls.length === 0 || urls.some((u) => typeof u !== 'string' || u === '')) throw new OptionError('E_INVALID_OPTION', 'remote needs a url (or urls)');
  if (typeof remote.model !== 'string' || remote.model === '') throw new OptionError('E_INVALID_OPTION', 'remote needs the server-side model name');
  const protocol = remote.protocol ?? 'http';
  const one = async (url: string): Promise<InferenceClient> => {
    // nodeHttpTransport (raw keep-alive HTTP/1.1 for http:, node:https otherwise): several ms per call cheaper than fetch (bench/triton-client).
    if (protocol === 'http') return new TritonHttpClient({ url, headers: remote.headers, transport: nodeHttpTransport(), ...(remote.timeoutMs ? { timeoutMs: remote.timeoutMs } : {}) });
    if (protocol === 'grpc') {
      // Loaded on demand so HTTP-only users never load @grpc/grpc-js.
      const spec = '@sightline/triton/grpc';
      const mod = (await import(spec)) as GrpcModule;
      return new mod.TritonGrpcClient({ url, headers: remote.headers, ...(remote.timeoutMs ? { timeoutMs: remote.timeoutMs } : {}) });
    }
    throw new OptionError('E_INVALID_OPTION', `remote.protocol must be 'http' or 'grpc', got ${String(protocol)}`);
  };
  if (urls.length === 1) return one(urls[0]);
  // Replicas: least-outstanding-requests balancing with ejection and probe re-admission.
  return new EndpointPool({ endpoints: await Promise.all(urls.map(one)) });
}

/**
 * The served output's layout where it is another kind of detection head than the local file's (a server
 * running NMS answers end-to-end rows for a raw-head model); undefined where the local layout applies.
 */
function served(dims: readonly number[], local: OutputLayout | undefined): OutputLayout | undefined {
  if (!local || local.kind === 'classification') return undefined;
  let layout: OutputLayout;
  try {
    layout = layoutFromOutputDims(dims);
  } catch {
    return undefined; // unreadable dims: the local layout decides, and a wrong shape fails per call
  }
  return layout.kind !== local.kind && layout.kind !== 'classification' ? layout : undefined;
}

function toEngineData(o: InferOutput): EngineData {
  if (o.datatype === 'FP32' && o.data instanceof Float32Array) return o.data;
  if (o.datatype === 'FP16' && o.data instanceof Uint16Array) return o.data;
  throw new RemoteError('E_REMOTE_PROTOCOL', `output '${o.name}' is ${o.datatype}; FP32 or FP16 expected`);
}

/**
 * `local` gives the tensor names/types when the caller also has the ONNX file; the server's model config is
 * authoritative for names and the batch limit.
 */
export interface RemoteEngine extends InferenceEngine {
  readonly client: InferenceClient;
}

export async function createTritonEngine(remote: RemoteOptions, local: EngineModel | null): Promise<RemoteEngine> {
  const client = await createInferenceClient(remote);
  let closed = false;
  try {
    const cfg = await client.modelConfig(remote.model);
    const input = cfg.inputs.length === 1 ? cfg.inputs[0] : cfg.inputs.find((i) => i.name === local?.inputName);
    // The local file's output name where the server has it; else the first output (the generated end-to-end
    // ensemble has 'detections' first, then 'num_detections'), as the browser's RemoteDetector does.
    const output = cfg.outputs.find((o) => o.name === local?.outputName) ?? (input ? cfg.outputs[0] : undefined);
    if (!input || !output) {
      throw new RemoteError('E_REMOTE_PROTOCOL', `model '${remote.model}' on the server has inputs [${cfg.inputs.map((i) => i.name)}] / outputs [${cfg.outputs.map((o) => o.name)}]; cannot tell which to use`);
    }
    const datatype: KServeDataType = input.datatype;
    const inputDataType: EngineInputType | undefined = IMAGE_INPUT_DTYPES[datatype];
    if (!inputDataType) throw new RemoteError('E_REMOTE_PROTOCOL', `server model input '${input.name}' is ${datatype}; FP32, FP16 or UINT8 expected`);
    // Dynamic spatial dims (-1) take the local model's size, as before this check existed.
    const dims = perItemDims(cfg, input).map((d, i, all) =>
      d !== -1 || !local ? d : all[0] === 3 ? local.inputSize[i - 1] ?? d : local.inputSize[i] ?? d,
    );
    const image = imageInputShape(dims);
    if (!image) throw new RemoteError('E_REMOTE_PROTOCOL', `server model input '${input.name}' ${JSON.stringify(input.dims)} is not a fixed RGB image ([3,H,W] or [H,W,3])`);
    if (local && (image.height !== local.inputSize[0] || image.width !== local.inputSize[1])) {
      throw new LayoutError('E_SHAPE_MISMATCH', `server model '${remote.model}' takes ${image.height}×${image.width} images; the local model ${local.inputSize[0]}×${local.inputSize[1]}`, {
        details: { server: [image.height, image.width], local: [...local.inputSize] },
      });
    }
    const outputLayout = served(perItemDims(cfg, output), local?.layout);
    // max_batch_size 0 means the dims include the batch, which our models fix at 1.
    const maxBatch = cfg.maxBatchSize > 0 ? cfg.maxBatchSize : 1;
    const engine: RemoteEngine = {
      backend: client.protocol === 'grpc' ? 'triton-grpc' : 'triton-http',
      maxBatch,
      client,
      inputDataType,
      inputLayout: image.layout,
      ...(outputLayout ? { outputLayout } : {}),
      async run(t: EngineInput): Promise<EngineRun> {
        if (closed) throw new RemoteError('E_DISPOSED', 'remote engine is disposed');
        const res = await client.infer(remote.model, {
          inputs: [{ name: input.name, datatype, shape: [...t.dims], data: t.data }],
          outputs: [{ name: output.name, binary: true }],
        });
        const o = res.outputs.find((x) => x.name === output.name);
        if (!o) throw new RemoteError('E_REMOTE_PROTOCOL', `response has no output '${output.name}'`);
        return { output: { data: toEngineData(o), dims: o.shape }, bytes: { up: res.bytesSent, down: res.bytesReceived } };
      },
      async dispose(): Promise<void> {
        if (closed) return;
        closed = true;
        await client.close();
      },
    };
    return engine;
  } catch (e) {
    await client.close().catch(() => undefined);
    throw e;
  }
}
