/**
 * The remote path, inside the worker: the same core pre-processing as the local engines, then a KServe v2
 * call to Triton over fetch (through a CORS proxy such as the generated nginx), then the core decoders.
 * Returns one entry per frame: a result, or the Error for that frame (never throws for one bad frame).
 */
import { ClassifyPreprocessor, LetterboxPreprocessor, RemoteError, SightlineError, classifyTopK, type PixelBuffer } from '@sightline/core';
import { ModelConfigCache, RemoteDetector, TritonHttpClient, perItemDims, type InferenceClient } from '@sightline/triton';
import type { RemoteTarget } from '../types.js';
import type { FrameOptions } from '../protocol.js';
import type { ClassifyResult, DetectResult } from '../types.js';

const now = () => performance.now();

export class RemoteEngine {
  private readonly letterbox = new LetterboxPreprocessor();
  private readonly crop = new ClassifyPreprocessor();

  private constructor(
    readonly target: RemoteTarget,
    private readonly client: InferenceClient,
    private readonly detector: RemoteDetector | null,
    private readonly classifier: { input: string; output: string; size: number; datatype: 'FP32' } | null,
    private readonly labels: readonly string[],
  ) {}

  static async create(task: 'detect' | 'classify', target: RemoteTarget, labels: readonly string[]): Promise<RemoteEngine> {
    const client = new TritonHttpClient({ url: target.url, ...(target.headers ? { headers: target.headers } : {}), ...(target.timeoutMs ? { timeoutMs: target.timeoutMs } : {}) });
    try {
      if (task === 'detect') {
        const detector = await RemoteDetector.create({ client, model: target.model, labels });
        return new RemoteEngine(target, client, detector, null, labels);
      }
      const cfg = await new ModelConfigCache(client).get(target.model);
      const input = cfg.inputs[0];
      const output = cfg.outputs[0];
      const dims = input ? perItemDims(cfg, input) : [];
      if (!input || !output || input.datatype !== 'FP32' || dims.length !== 3 || dims[1] !== dims[2]) {
        throw new RemoteError('E_REMOTE_PROTOCOL', `remote classifier '${target.model}' must take one FP32 [3,S,S] input`);
      }
      return new RemoteEngine(target, client, null, { input: input.name, output: output.name, size: dims[1], datatype: 'FP32' }, labels);
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  async detect(pixels: readonly PixelBuffer[], opts: FrameOptions): Promise<Array<DetectResult | Error>> {
    const d = this.detector;
    if (!d) throw new RemoteError('E_REMOTE_PROTOCOL', 'this remote engine is a classifier');
    const t0 = now();
    const prepared = pixels.map((px) => {
      const r = this.letterbox.run(px, { width: d.inputWidth, height: d.inputHeight, dtype: d.inputDType, layout: d.inputLayout });
      // The preprocessor reuses its buffer: each in-flight image needs its own copy.
      return { data: r.data.slice(), geometry: r.geometry };
    });
    const t1 = now();
    const res = await d.detect(prepared, { conf: opts.conf, iou: opts.iou, maxDet: opts.maxDet, classes: opts.classes });
    const t2 = now();
    const pre = (t1 - t0) / pixels.length;
    const inf = (t2 - t1) / pixels.length;
    return res.map((r, i): DetectResult | Error =>
      r.ok
        ? { detections: r.detections, backend: 'triton-http', width: pixels[i].width, height: pixels[i].height, timings: { preprocess: pre, inference: inf, postprocess: 0, total: pre + inf }, bytes: { up: r.bytesSent, down: r.bytesReceived } }
        : r.error,
    );
  }

  async classify(pixels: readonly PixelBuffer[], opts: FrameOptions): Promise<Array<ClassifyResult | Error>> {
    const c = this.classifier;
    if (!c) throw new RemoteError('E_REMOTE_PROTOCOL', 'this remote engine is a detector');
    return Promise.all(
      pixels.map(async (px): Promise<ClassifyResult | Error> => {
        try {
          const t0 = now();
          const { data } = this.crop.run(px, { size: c.size });
          const input = (data as Float32Array).slice();
          const t1 = now();
          const res = await this.client.infer(this.target.model, { inputs: [{ name: c.input, datatype: 'FP32', shape: [1, 3, c.size, c.size], data: input }], outputs: [{ name: c.output }] });
          const t2 = now();
          const out = res.outputs[0];
          if (!(out?.data instanceof Float32Array)) throw new RemoteError('E_REMOTE_PROTOCOL', `remote classifier output '${c.output}' is not FP32`);
          const classes = classifyTopK({ data: out.data, dims: out.shape }, { topK: opts.topK ?? 5, labels: this.labels });
          const t3 = now();
          return { classes, backend: 'triton-http', width: px.width, height: px.height, timings: { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2, total: t3 - t0 }, bytes: { up: res.bytesSent, down: res.bytesReceived } };
        } catch (e) {
          return e instanceof SightlineError ? e : new RemoteError('E_REMOTE_NETWORK', String(e), { cause: e });
        }
      }),
    );
  }

  dispose(): Promise<void> {
    return this.client.close();
  }
}
