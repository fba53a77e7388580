// Every tiny model must run under onnxruntime-node AND onnxruntime-web (wasm, in Node) and give exactly the
// planted values, and the core descriptor + layout detection must recognise what each one is.
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { anchorCount, decodeDetections, describeModel, detectOutputLayout, float32ToHalfBits, halfToFloat, readModelDescriptor, type Detection } from '@sightline/core';
import {
  defaultPlantedAnchor,
  pythonNamesDict,
  tinyClassifierModel,
  tinyClassifierWeights,
  tinyEnd2EndModel,
  tinyIdentityModel,
  tinyYoloV5Model,
  tinyYoloV8Model,
  type PlantedBox,
} from '@sightline/testkit';

type Dtype = 'float32' | 'float16' | 'uint8';
interface Out {
  data: Float32Array;
  dims: number[];
}

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

/** An NCHW image whose channel c holds `values[b][c]` everywhere. */
function image(b: number, h: number, w: number, values: number[][]): Float32Array {
  const x = new Float32Array(b * 3 * h * w);
  for (let i = 0; i < b; i++) for (let c = 0; c < 3; c++) x.fill(values[i][c], (i * 3 + c) * h * w, (i * 3 + c + 1) * h * w);
  return x;
}

function toF32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (data instanceof Uint8Array) return Float32Array.from(data);
  throw new Error(`unexpected output data ${Object.prototype.toString.call(data)}`);
}

function feedData(x: Float32Array, dtype: Dtype): Float32Array | Uint16Array | Uint8Array {
  return dtype === 'float16' ? float32ToHalfBits(x) : dtype === 'uint8' ? Uint8Array.from(x) : x;
}

async function runNode(bytes: Uint8Array, x: Float32Array, dims: number[], dtype: Dtype = 'float32'): Promise<Out> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run({ images: new ort.Tensor(dtype, feedData(x, dtype), dims) });
    return { data: toF32(r.output0.data), dims: [...r.output0.dims] };
  } finally {
    await s.release();
  }
}

async function runWeb(bytes: Uint8Array, x: Float32Array, dims: number[], dtype: Dtype = 'float32'): Promise<Out> {
  const s = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const r = await s.run({ images: new ortWeb.Tensor(dtype, feedData(x, dtype), dims) });
    return { data: toF32(r.output0.data), dims: [...r.output0.dims] };
  } finally {
    await s.release();
  }
}

async function runBoth(bytes: Uint8Array, x: Float32Array, dims: number[], dtype: Dtype = 'float32'): Promise<[string, Out][]> {
  return [
    ['onnxruntime-node', await runNode(bytes, x, dims, dtype)],
    ['onnxruntime-web wasm', await runWeb(bytes, x, dims, dtype)],
  ];
}

/** Expects `out` to be zero everywhere except at the given flat indices. */
function expectOnly(out: Float32Array, expected: Map<number, number>, tol: number, label: string): void {
  let nonZero = 0;
  for (let i = 0; i < out.length; i++) {
    const want = expected.get(i) ?? 0;
    if (Math.abs(out[i] - want) > tol) throw new Error(`${label}: value ${i} is ${out[i]}, expected ${want}`);
    if (out[i] !== 0) nonZero++;
  }
  expect(nonZero, label).toBe([...expected.values()].filter((v) => v !== 0).length);
}

const planted: PlantedBox[] = [
  { cx: 10.5, cy: 20.25, w: 5, h: 6, classId: 1, score: 0.9 },
  { cx: 30, cy: 31, w: 8, h: 9, classId: 0, score: 0.5 },
  { cx: 40, cy: 12, w: 3, h: 4, classId: 2, score: 0.75, anchor: 3 },
];

describe('tinyYoloV8Model', () => {
  const nc = 3;
  const n = anchorCount([64, 64]);
  const anchorOf = (k: number) => planted[k].anchor ?? defaultPlantedAnchor(k, planted.length, n);

  function expected(b: number, transposed: boolean, probeMeans: number[]): Map<number, number> {
    const m = new Map<number, number>();
    const rows = 4 + nc;
    const at = (bi: number, row: number, a: number) => bi * rows * n + (transposed ? a * rows + row : row * n + a);
    for (let bi = 0; bi < b; bi++) {
      planted.forEach((p, k) => {
        const a = anchorOf(k);
        [p.cx, p.cy, p.w, p.h].forEach((v, r) => m.set(at(bi, r, a), v));
        m.set(at(bi, 4 + p.classId, a), k === 1 ? probeMeans[bi] : p.score);
      });
    }
    return m;
  }

  it('is small, and its descriptor/layout say yolov8 [1, 4+nc, N]', () => {
    const bytes = tinyYoloV8Model({ numClasses: nc, planted, scoreFromInput: 1, names: ['a', "b's", 'c'] });
    expect(bytes.length).toBeLessThan(100_000);
    const d = readModelDescriptor(bytes);
    expect(d.inputs).toEqual([{ name: 'images', dataType: 'float32', shape: [1, 3, 64, 64] }]);
    expect(d.outputs).toEqual([{ name: 'output0', dataType: 'float32', shape: [1, 4 + nc, n] }]);
    expect(d.ultralytics).toMatchObject({ task: 'detect', names: ['a', "b's", 'c'], imgsz: [64, 64], stride: 32, batch: 1, end2end: false, warnings: [] });
    expect(detectOutputLayout(d)).toEqual({ kind: 'yolov8', numClasses: nc, numAnchors: n, transposed: false });
    // Even a full-size 80-class head stays tiny: outputs are scattered at run time.
    expect(tinyYoloV8Model({ numClasses: 80, imgsz: 640, planted }).length).toBeLessThan(100_000);
  });

  it('runs on both runtimes with exactly the planted values; one score follows the input', async () => {
    const bytes = tinyYoloV8Model({ numClasses: nc, planted, scoreFromInput: 1 });
    for (const [rt, out] of await runBoth(bytes, image(1, 64, 64, [[0.25, 0.5, 0.75]]), [1, 3, 64, 64])) {
      expect(out.dims, rt).toEqual([1, 4 + nc, n]);
      expectOnly(out.data, expected(1, false, [0.25]), 1e-6, rt);
    }
  });

  it('transposed [1, N, 4+nc] is recognised and runs', async () => {
    const bytes = tinyYoloV8Model({ numClasses: nc, planted, scoreFromInput: 1, transposed: true });
    expect(detectOutputLayout(readModelDescriptor(bytes))).toEqual({ kind: 'yolov8', numClasses: nc, numAnchors: n, transposed: true });
    for (const [rt, out] of await runBoth(bytes, image(1, 64, 64, [[0.125, 0, 0]]), [1, 3, 64, 64])) {
      expect(out.dims, rt).toEqual([1, n, 4 + nc]);
      expectOnly(out.data, expected(1, true, [0.125]), 1e-6, rt);
    }
  });

  it('fp16 I/O with dynamic batch: symbolic batch dim, batch of 2 with different inputs', async () => {
    const bytes = tinyYoloV8Model({ numClasses: nc, planted, scoreFromInput: 1, dtype: 'float16', dynamicBatch: true });
    const d = readModelDescriptor(bytes);
    expect(d.inputs[0]).toEqual({ name: 'images', dataType: 'float16', shape: ['batch', 3, 64, 64] });
    expect(d.outputs[0].dataType).toBe('float16');
    expect(d.ultralytics).toMatchObject({ half: true, batch: -1 });
    const desc = describeModel(bytes);
    expect(desc.inputDataType).toBe('float16');
    expect(desc.layout.kind).toBe('yolov8');
    for (const [rt, out] of await runBoth(bytes, image(2, 64, 64, [[0.25, 1, 1], [0.5, 0, 0]]), [2, 3, 64, 64], 'float16')) {
      expect(out.dims, rt).toEqual([2, 4 + nc, n]);
      // fp16 keeps ~3 significant digits.
      expectOnly(out.data, expected(2, false, [0.25, 0.5]), 0.01, rt);
    }
  });

  it('rejects bad planted boxes', () => {
    expect(() => tinyYoloV8Model({ numClasses: 2, planted: [{ ...planted[0], classId: 2 }] })).toThrow(RangeError);
    expect(() => tinyYoloV8Model({ planted: [{ ...planted[0], classId: 0, anchor: 10_000 }] })).toThrow(RangeError);
    expect(() => tinyYoloV8Model({ planted, scoreFromInput: 5, numClasses: 3 })).toThrow(RangeError);
  });
});

describe('tinyYoloV5Model', () => {
  it('[1, N, 5+nc] with objectness × class = score; layout yolov5 from names + anchors', async () => {
    const nc = 3;
    const n = 3 * anchorCount([64, 64]);
    const boxes = [
      { cx: 5, cy: 6, w: 7, h: 8, classId: 2, score: 0.6, objectness: 0.8 },
      { cx: 50, cy: 40, w: 10, h: 12, classId: 0, score: 0.9 },
    ];
    const bytes = tinyYoloV5Model({ numClasses: nc, planted: boxes, scoreFromInput: 1 });
    const d = readModelDescriptor(bytes);
    expect(d.outputs[0].shape).toEqual([1, n, 5 + nc]);
    expect(Object.keys(d.metadata).sort()).toEqual(['names', 'stride']);
    expect(detectOutputLayout(d)).toEqual({ kind: 'yolov5', numClasses: nc, numAnchors: n });
    const m = new Map<number, number>();
    boxes.forEach((p, k) => {
      const a = defaultPlantedAnchor(k, boxes.length, n);
      const obj = p.objectness ?? 1;
      [p.cx, p.cy, p.w, p.h, obj].forEach((v, c) => m.set(a * (5 + nc) + c, v));
      m.set(a * (5 + nc) + 5 + p.classId, k === 1 ? 0.375 : p.score / obj);
    });
    for (const [rt, out] of await runBoth(bytes, image(1, 64, 64, [[0.375, 0.2, 0.1]]), [1, 3, 64, 64])) {
      expect(out.dims, rt).toEqual([1, n, 5 + nc]);
      expectOnly(out.data, m, 1e-6, rt);
    }
  });
});

describe('tinyEnd2EndModel', () => {
  it('[1, K, 6] rows x1,y1,x2,y2,score,class; layout end2end', async () => {
    const rows = [
      { x1: 1, y1: 2, x2: 30, y2: 40, score: 0.7, classId: 1 },
      { x1: 5, y1: 6, x2: 7, y2: 8, score: 0.2, classId: 0 },
    ];
    const bytes = tinyEnd2EndModel({ planted: rows, maxDetections: 100, scoreFromInput: 1 });
    const d = readModelDescriptor(bytes);
    expect(d.ultralytics?.end2end).toBe(true);
    expect(detectOutputLayout(d)).toEqual({ kind: 'end2end', maxDetections: 100 });
    const m = new Map<number, number>();
    rows.forEach((r, i) => [r.x1, r.y1, r.x2, r.y2, i === 1 ? 0.5 : r.score, r.classId].forEach((v, c) => m.set(i * 6 + c, v)));
    for (const [rt, out] of await runBoth(bytes, image(1, 64, 64, [[0.5, 0.5, 0.5]]), [1, 3, 64, 64])) {
      expect(out.dims, rt).toEqual([1, 100, 6]);
      expectOnly(out.data, m, 1e-6, rt);
    }
  });
});

describe('tinyClassifierModel', () => {
  const nc = 5;
  const { weights, bias } = tinyClassifierWeights(nc);
  const logitsOf = (rgb: number[]) => Array.from({ length: nc }, (_, i) => rgb[0] * weights[0][i] + rgb[1] * weights[1][i] + rgb[2] * weights[2][i] + bias[i]);

  it('logits follow the input colour; layout classification', async () => {
    const bytes = tinyClassifierModel({ numClasses: nc, logits: true, dynamicBatch: true });
    const d = readModelDescriptor(bytes);
    expect(d.outputs[0].shape).toEqual(['batch', nc]);
    expect(d.ultralytics?.task).toBe('classify');
    expect(describeModel(bytes)).toMatchObject({ layout: { kind: 'classification', numClasses: nc, activation: 'auto' }, inputSize: [32, 32] });
    const colours = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    for (const [rt, out] of await runBoth(bytes, image(3, 32, 32, colours), [3, 3, 32, 32])) {
      expect(out.dims, rt).toEqual([3, nc]);
      colours.forEach((c, b) => {
        const want = logitsOf(c);
        want.forEach((v, i) => expect(out.data[b * nc + i], `${rt} colour ${b} class ${i}`).toBeCloseTo(v, 5));
        // Red → class 0, green → 1, blue → 2.
        const row = Array.from(out.data.subarray(b * nc, (b + 1) * nc));
        expect(row.indexOf(Math.max(...row))).toBe(b);
      });
    }
  });

  it('softmax variant sums to 1', async () => {
    const bytes = tinyClassifierModel({ numClasses: nc, logits: false });
    for (const [rt, out] of await runBoth(bytes, image(1, 32, 32, [[0.2, 0.9, 0.1]]), [1, 3, 32, 32])) {
      const l = logitsOf([0.2, 0.9, 0.1]);
      const z = l.reduce((s, v) => s + Math.exp(v), 0);
      l.forEach((v, i) => expect(out.data[i], rt).toBeCloseTo(Math.exp(v) / z, 5));
    }
  });
});

describe('tinyIdentityModel', () => {
  it('output equals input (float32 and uint8)', async () => {
    const x = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => (i * 37) % 251);
    for (const dtype of ['float32', 'uint8'] as const) {
      const bytes = tinyIdentityModel({ h: 5, w: 7, dtype });
      const d = readModelDescriptor(bytes);
      expect(d.inputs[0]).toEqual({ name: 'images', dataType: dtype, shape: [1, 3, 5, 7] });
      // An image-shaped output is no detection or classification layout.
      expect(() => detectOutputLayout(d)).toThrow(/cannot tell the layout/);
      for (const [rt, out] of await runBoth(bytes, x, [1, 3, 5, 7], dtype)) {
        expect(out.dims, rt).toEqual([1, 3, 5, 7]);
        expect(Array.from(out.data), rt).toEqual(Array.from(x));
      }
    }
  });
});

describe('pythonNamesDict', () => {
  it('round-trips awkward names through the core metadata parser', () => {
    const names = ["cat's toy", 'say "hi"', 'both \' and "', 'back\\slash', 'new\nline', 'ünïcode 猫'];
    const bytes = tinyYoloV8Model({ numClasses: names.length, names });
    expect(pythonNamesDict(['a', "b'c"])).toBe(`{0: 'a', 1: "b'c"}`);
    expect(readModelDescriptor(bytes).ultralytics?.names).toEqual(names);
  });
});

describe('tiny detection models through describeModel + core decoders', () => {
  // Boxes far apart so NMS keeps all of them; box 1's score comes from the input (mean of channel 0 = 0.6).
  const boxes = [
    { cx: 12, cy: 12, w: 10, h: 8, classId: 1, score: 0.9 },
    { cx: 48, cy: 40, w: 12, h: 14, classId: 0, score: 0 },
    { cx: 20, cy: 50, w: 6, h: 6, classId: 2, score: 0.4 },
  ];
  const names = ['cat', 'dog', 'bird'];
  const want = boxes.map((b, k) => ({ classId: b.classId, label: names[b.classId], score: k === 1 ? 0.6 : b.score, box: [b.cx - b.w / 2, b.cy - b.h / 2, b.cx + b.w / 2, b.cy + b.h / 2] }));

  async function detect(bytes: Uint8Array, dtype: Dtype = 'float32'): Promise<Detection[]> {
    const d = describeModel(bytes);
    expect(d.labels).toEqual(names);
    const s = await ort.InferenceSession.create(bytes);
    try {
      const r = await s.run({ [d.inputName]: new ort.Tensor(dtype, feedData(image(1, 64, 64, [[0.6, 0.1, 0.1]]), dtype), [1, 3, 64, 64]) });
      const out = r[d.outputName];
      return decodeDetections({ data: out.data as Float32Array | Uint16Array, dims: out.dims }, d.layout, null, { labels: d.labels, conf: 0.25 });
    } finally {
      await s.release();
    }
  }

  function expectPlanted(dets: Detection[], tol: number): void {
    const sorted = [...dets].sort((a, b) => b.score - a.score);
    const expected = [...want].sort((a, b) => b.score - a.score);
    expect(sorted.map((x) => x.label)).toEqual(expected.map((x) => x.label));
    sorted.forEach((x, i) => {
      expect(x.score).toBeCloseTo(expected[i].score, tol);
      x.box.forEach((v, k) => expect(v).toBeCloseTo(expected[i].box[k], tol));
    });
  }

  it('yolov8, transposed and fp16 variants', async () => {
    expectPlanted(await detect(tinyYoloV8Model({ numClasses: 3, names, planted: boxes, scoreFromInput: 1 })), 5);
    expectPlanted(await detect(tinyYoloV8Model({ numClasses: 3, names, planted: boxes, scoreFromInput: 1, transposed: true })), 5);
    expectPlanted(await detect(tinyYoloV8Model({ numClasses: 3, names, planted: boxes, scoreFromInput: 1, dtype: 'float16' }), 'float16'), 2);
  });

  it('yolov5 and end2end', async () => {
    // v5 multiplies the input-driven class probability by objectness, so box 1 keeps objectness 1.
    expectPlanted(await detect(tinyYoloV5Model({ numClasses: 3, names, planted: boxes.map((b, k) => ({ ...b, objectness: k === 1 ? 1 : 0.95 })), scoreFromInput: 1 })), 5);
    const rows = boxes.map((b) => ({ x1: b.cx - b.w / 2, y1: b.cy - b.h / 2, x2: b.cx + b.w / 2, y2: b.cy + b.h / 2, score: b.score, classId: b.classId }));
    expectPlanted(await detect(tinyEnd2EndModel({ numClasses: 3, names, planted: rows, scoreFromInput: 1 })), 5);
  });
});

