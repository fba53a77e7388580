/**
 * Node-only pipeline for tests: sharp decode → core preprocessing → onnxruntime-node (CPU) → core decoding.
 * It exists to prove the platform-neutral core end to end against the Python reference outputs, with real
 * models and images; each class opens its session once and reuses every buffer across images.
 * sharp and onnxruntime-node load lazily, so importing @sightline/testkit stays cheap for other tests.
 */
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import {
  ClassifyPreprocessor,
  DetectionDecoder,
  LetterboxPreprocessor,
  type ClassifyPreprocessOptions,
  type Detection,
  type DetectOptions,
  type LetterboxGeometry,
  type OutputLayout,
  type PixelBuffer,
} from '@sightline/core';

/**
 * Decode an image file to 8-bit RGB exactly like cv2.imread / PIL.convert('RGB'): EXIF orientation applied,
 * alpha dropped, grayscale expanded to three channels, and the embedded ICC profile IGNORED. sharp would
 * otherwise convert ICC-tagged JPEGs (bus.jpg, most of COCO) to sRGB, shifting pixels by up to ~90 levels
 * and scores by up to 0.15 versus the reference; with `ignoreIcc` the decoded pixels are identical.
 */
export async function decodeImageFile(file: string): Promise<PixelBuffer & { channels: 3 }> {
  const sharp = (await import('sharp')).default;
  const { data, info } = await sharp(file, { ignoreIcc: true }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected 3 channels after decoding, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}

/** One label per line (coco80.txt, imagenet_labels.txt). */
export async function readLabels(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.length > 0);
}

type OrtModule = typeof Ort;

async function openSession(modelPath: string): Promise<[OrtModule, Ort.InferenceSession]> {
  const ort: OrtModule = await import('onnxruntime-node');
  return [ort, await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' })];
}

export interface NodeDetectorOptions {
  labels: readonly string[];
  layout: OutputLayout;
  /** Square model input size (default 640). */
  imgsz?: number;
}

export class NodeDetector {
  private readonly pre = new LetterboxPreprocessor();
  private readonly decoder: DetectionDecoder;
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly opts: NodeDetectorOptions,
  ) {
    this.decoder = new DetectionDecoder({ labels: opts.labels });
  }

  static async create(modelPath: string, opts: NodeDetectorOptions): Promise<NodeDetector> {
    const [ort, session] = await openSession(modelPath);
    return new NodeDetector(ort, session, opts);
  }

  /** Raw model output plus the letterbox geometry of `pixels`. */
  async infer(pixels: PixelBuffer): Promise<{ output: { data: Float32Array; dims: readonly number[] }; geometry: LetterboxGeometry }> {
    const s = this.opts.imgsz ?? 640;
    const { data, dims, geometry } = this.pre.run(pixels, { width: s, height: s, dtype: 'float32' });
    const input = new this.ort.Tensor('float32', data as Float32Array, dims);
    const result = await this.session.run({ [this.session.inputNames[0]]: input });
    const out = result[this.session.outputNames[0]];
    if (!(out.data instanceof Float32Array)) throw new Error(`expected a float32 output, got ${out.type}`);
    return { output: { data: out.data, dims: out.dims }, geometry };
  }

  async detect(pixels: PixelBuffer, opts: DetectOptions = {}): Promise<Detection[]> {
    const { output, geometry } = await this.infer(pixels);
    return this.decoder.decode(output, this.opts.layout, geometry, opts);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export class NodeClassifier {
  private readonly pre = new ClassifyPreprocessor();
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
  ) {}

  static async create(modelPath: string): Promise<NodeClassifier> {
    const [ort, session] = await openSession(modelPath);
    return new NodeClassifier(ort, session);
  }

  /** Raw [1, C] output (logits for mobilenetv2-12). */
  async infer(pixels: PixelBuffer, opts: Omit<ClassifyPreprocessOptions, 'out' | 'dtype' | 'layout'> = {}): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const { data, dims } = this.pre.run(pixels, { ...opts, dtype: 'float32' });
    const result = await this.session.run({ [this.session.inputNames[0]]: new this.ort.Tensor('float32', data as Float32Array, dims) });
    const out = result[this.session.outputNames[0]];
    if (!(out.data instanceof Float32Array)) throw new Error(`expected a float32 output, got ${out.type}`);
    return { data: out.data, dims: out.dims };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
