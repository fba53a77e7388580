import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LayoutError,
  OptionError,
  isSightlineError,
  anchorCount,
  describeModel,
  detectOutputLayout,
  parseUltralyticsMetadata,
  readModelDescriptor,
  validateOutputShape,
  type DimInfo,
  type LayoutSource,
  type SightlineErrorCode,
  type UltralyticsMetadata,
} from '@sightline/core';
import { requireShared, sharedPath } from '@sightline/testkit';

const MODELS = ['yolov8n', 'yolov8n_fp16', 'yolov8n_dynamic_batch', 'yolov8n_320_int8_dynamic', 'yolov5n', 'mobilenetv2-12'];
const haveModels = requireShared(...MODELS.map((m) => ['models', `${m}.onnx`]));
const model = (name: string): Uint8Array => new Uint8Array(readFileSync(sharedPath('models', `${name}.onnx`)));

function codeOf(fn: () => unknown): SightlineErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    if (e instanceof LayoutError || e instanceof OptionError) return e.code;
    throw e;
  }
  return 'no error';
}

const src = (shape: DimInfo[] | null, meta: Partial<UltralyticsMetadata> | null = null, inputs?: LayoutSource['inputs']): LayoutSource => ({
  outputs: [{ name: 'output0', dataType: 'float32', shape }],
  inputs,
  ultralytics: meta ? { warnings: [], ...meta } : null,
});
const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe('anchorCount', () => {
  it('matches the YOLOv8 heads', () => {
    expect(anchorCount([640, 640])).toBe(8400);
    expect(anchorCount([320, 320])).toBe(2100);
    expect(anchorCount([480, 640])).toBe(6300);
    expect(anchorCount([640, 640], 64)).toBe(8500);
  });
});

describe.skipIf(!haveModels)('describeModel on the shared models', () => {
  it('yolov8n → yolov8 [1,84,8400], 80 labels, 640', () => {
    const d = describeModel(model('yolov8n'));
    expect(d.layout).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false });
    expect(d.inputSize).toEqual([640, 640]);
    expect(d.labels).toHaveLength(80);
    expect(d.labels[0]).toBe('person');
    expect(d).toMatchObject({ inputName: 'images', outputName: 'output0', inputDataType: 'float32' });
  });

  it('fp16 input type, dynamic batch and 320 imgsz', () => {
    expect(describeModel(model('yolov8n_fp16')).inputDataType).toBe('float16');
    expect(describeModel(model('yolov8n_dynamic_batch')).layout).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false });
    const d = describeModel(model('yolov8n_320_int8_dynamic'));
    expect(d.inputSize).toEqual([320, 320]);
    expect(d.layout).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 2100, transposed: false });
  });

  it('yolov5n → yolov5 [1,25200,85] with names from metadata', () => {
    const d = describeModel(model('yolov5n'));
    expect(d.layout).toEqual({ kind: 'yolov5', numClasses: 80, numAnchors: 25200 });
    expect(d.labels[79]).toBe('toothbrush');
    expect(d.inputSize).toEqual([640, 640]);
  });

  it('mobilenetv2 → classification of 1000, input 224 from the static dims, class_<i> labels', () => {
    const d = describeModel(model('mobilenetv2-12'));
    expect(d.layout).toEqual({ kind: 'classification', numClasses: 1000, activation: 'auto' });
    expect(d.inputSize).toEqual([224, 224]);
    expect(d.labels).toHaveLength(1000);
    expect(d.labels[999]).toBe('class_999');
    expect(d.inputName).toBe('input');
    const labels = readFileSync(sharedPath('models', 'imagenet_labels.txt'), 'utf8').trim().split('\n');
    expect(describeModel(model('mobilenetv2-12'), { labels }).labels[1]).toBe(labels[1]);
  });

  it('overrides: layout kind, bad names, bad input size', () => {
    const b = model('yolov5n');
    expect(codeOf(() => describeModel(b, { layout: 'classification' }))).toBe('E_SHAPE_MISMATCH');
    expect(codeOf(() => describeModel(b, { outputName: 'nope' }))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => describeModel(b, { inputName: 'nope' }))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => describeModel(b, { inputSize: [0, 640] }))).toBe('E_INVALID_OPTION');
    expect(describeModel(b, { inputSize: 320 }).inputSize).toEqual([320, 320]);
    // 81 classes from a labels file cannot fit 85 columns as v5 (86) but fit as transposed v8 (85).
    expect(describeModel(b, { labels: names(81) }).layout).toEqual({ kind: 'yolov8', numClasses: 81, numAnchors: 25200, transposed: true });
  });
});

describe('detectOutputLayout rules', () => {
  it('channels-first [B, 4+nc, N] → yolov8', () => {
    expect(detectOutputLayout(src([1, 84, 8400]))).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false });
    expect(detectOutputLayout(src([1, 6, 2100]))).toEqual({ kind: 'yolov8', numClasses: 2, numAnchors: 2100, transposed: false });
  });

  it('channels-first that does not fit the names count → E_UNKNOWN_LAYOUT mentioning override', () => {
    try {
      detectOutputLayout(src([1, 84, 8400], { names: names(3) }));
      expect.unreachable();
    } catch (e) {
      expect((e as LayoutError).code).toBe('E_UNKNOWN_LAYOUT');
      expect((e as Error).message).toMatch(/\[1, 84, 8400\]/);
      expect((e as Error).message).toMatch(/override/);
    }
  });

  it('[B, N, C] is told apart by class count, by anchor count, then by task', () => {
    // class count
    expect(detectOutputLayout(src([1, 8400, 84], { names: names(80) })).kind).toBe('yolov8');
    expect(detectOutputLayout(src([1, 8400, 84], { names: names(79) })).kind).toBe('yolov5');
    expect(detectOutputLayout(src([1, 8400, 84], null), { numClasses: 80 })).toMatchObject({ kind: 'yolov8', transposed: true });
    // anchor count from imgsz or the static input
    expect(detectOutputLayout(src([1, 25200, 85], { imgsz: [640, 640] })).kind).toBe('yolov5');
    expect(detectOutputLayout(src([1, 8400, 85], { imgsz: [640, 640] })).kind).toBe('yolov8');
    const input = [{ name: 'images', dataType: 'float32' as const, shape: [1, 3, 320, 320] }];
    expect(detectOutputLayout(src([1, 2100, 85], null, input))).toMatchObject({ kind: 'yolov8', numClasses: 81, transposed: true });
    // task only Ultralytics ≥ v8 writes
    expect(detectOutputLayout(src([1, 5000, 85], { task: 'detect' })).kind).toBe('yolov8');
    // no hints: the [B, N, 85] YOLOv5 default
    expect(detectOutputLayout(src([1, 25200, 85]))).toEqual({ kind: 'yolov5', numClasses: 80, numAnchors: 25200 });
    // names fit neither
    expect(codeOf(() => detectOutputLayout(src([1, 8400, 84], { names: names(10) })))).toBe('E_UNKNOWN_LAYOUT');
    // N not ≫ C and nothing else to go on
    expect(codeOf(() => detectOutputLayout(src([1, 100, 85])))).toBe('E_UNKNOWN_LAYOUT');
  });

  it('[B, K, 6] → end2end, unless metadata or the class count says otherwise', () => {
    expect(detectOutputLayout(src([1, 300, 6]))).toEqual({ kind: 'end2end', maxDetections: 300 });
    expect(detectOutputLayout(src([1, 300, 6], { end2end: true, names: names(80) }))).toEqual({ kind: 'end2end', maxDetections: 300 });
    expect(detectOutputLayout(src([1, 'k', 6], { end2end: true }))).toEqual({ kind: 'end2end', maxDetections: 300 });
    expect(detectOutputLayout(src([1, 84, 6], { end2end: false, task: 'detect', names: names(2) }))).toMatchObject({ kind: 'yolov8', transposed: true, numClasses: 2 });
    expect(detectOutputLayout(src([1, 252, 6], { names: names(1) }))).toEqual({ kind: 'yolov5', numClasses: 1, numAnchors: 252 });
    expect(detectOutputLayout(src([1, 25200, 6])).kind).toBe('yolov5');
    expect(codeOf(() => detectOutputLayout(src([1, 300, 7], { end2end: true })))).toBe('E_UNKNOWN_LAYOUT');
  });

  it('[B, C] → classification; symbolic C needs a count', () => {
    expect(detectOutputLayout(src(['N', 1000]))).toEqual({ kind: 'classification', numClasses: 1000, activation: 'auto' });
    expect(detectOutputLayout(src(['N', 'C'], { names: names(5) }))).toEqual({ kind: 'classification', numClasses: 5, activation: 'auto' });
    expect(codeOf(() => detectOutputLayout(src(['N', 'C'])))).toBe('E_UNKNOWN_LAYOUT');
  });

  it('symbolic anchors use imgsz and stride from metadata', () => {
    const meta = { imgsz: [480, 640] as [number, number], stride: 32, task: 'detect', names: names(80) };
    expect(detectOutputLayout(src(['batch', 84, 'anchors'], meta))).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 6300, transposed: false });
    expect(detectOutputLayout(src(['batch', 'anchors', 84], meta))).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 6300, transposed: true });
    expect(detectOutputLayout(src(['batch', 'anchors', 85], { ...meta, task: undefined }))).toEqual({ kind: 'yolov5', numClasses: 80, numAnchors: 18900 });
    expect(codeOf(() => detectOutputLayout(src(['batch', 84, 'anchors'])))).toBe('E_UNKNOWN_LAYOUT');
    expect(codeOf(() => detectOutputLayout(src(['batch', 'a', 'b'], meta)))).toBe('E_UNKNOWN_LAYOUT');
  });

  it('unsupported heads, ranks and missing shapes → E_UNKNOWN_LAYOUT', () => {
    expect(codeOf(() => detectOutputLayout(src([1, 116, 8400], { task: 'segment' })))).toBe('E_UNKNOWN_LAYOUT');
    expect(codeOf(() => detectOutputLayout(src([1, 3, 80, 80, 85])))).toBe('E_UNKNOWN_LAYOUT');
    expect(codeOf(() => detectOutputLayout(src(null)))).toBe('E_UNKNOWN_LAYOUT');
    expect(codeOf(() => detectOutputLayout(src([1, 85, 85])))).toBe('E_UNKNOWN_LAYOUT');
    expect(codeOf(() => detectOutputLayout(src([1, 1000], { task: 'classify' })))).toBe('no error');
    expect(codeOf(() => detectOutputLayout(src([1, 84, 8400], { task: 'classify' })))).toBe('E_UNKNOWN_LAYOUT');
    expect(codeOf(() => detectOutputLayout({ outputs: [] }))).toBe('E_UNKNOWN_LAYOUT');
  });

  it('overrides: kind string, partial object, full layout; bad values are option errors', () => {
    expect(detectOutputLayout(src([1, 100, 85]), { override: 'yolov5' })).toEqual({ kind: 'yolov5', numClasses: 80, numAnchors: 100 });
    expect(detectOutputLayout(src([1, 100, 85]), { override: { kind: 'yolov8' } })).toEqual({ kind: 'yolov8', numClasses: 81, numAnchors: 100, transposed: true });
    expect(detectOutputLayout(src(['N', 1000]), { override: { activation: 'none' } })).toEqual({ kind: 'classification', numClasses: 1000, activation: 'none' });
    expect(detectOutputLayout(src(['b', 84, 'n']), { override: { numAnchors: 8400 } })).toEqual({ kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false });
    expect(codeOf(() => detectOutputLayout(src([1, 84, 8400]), { override: { kind: 'yolov8', numClasses: 3 } }))).toBe('E_SHAPE_MISMATCH');
    expect(codeOf(() => detectOutputLayout(src([1, 84, 8400]), { override: { numAnchors: -1 } }))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => detectOutputLayout(src([1, 84, 8400]), { override: 'yolov9' as never }))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => detectOutputLayout(src([1, 84, 8400]), { numClasses: 0 }))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => detectOutputLayout(src([1, 84, 8400]), { outputName: 'missing' }))).toBe('E_INVALID_OPTION');
  });

  it('picks output0 among several outputs, or the named one', () => {
    const s: LayoutSource = {
      outputs: [
        { name: 'protos', dataType: 'float32', shape: [1, 32, 160, 160] },
        { name: 'output0', dataType: 'float32', shape: [1, 84, 8400] },
        { name: 'logits', dataType: 'float32', shape: [1, 10] },
      ],
    };
    expect(detectOutputLayout(s).kind).toBe('yolov8');
    expect(detectOutputLayout(s, { outputName: 'logits' }).kind).toBe('classification');
  });
});

describe('validateOutputShape', () => {
  const v8 = { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false } as const;
  it('accepts matching dims and any batch', () => {
    expect(() => validateOutputShape(v8, [1, 84, 8400], 84 * 8400)).not.toThrow();
    expect(() => validateOutputShape(v8, [4, 84, 8400])).not.toThrow();
    expect(() => validateOutputShape({ kind: 'end2end', maxDetections: 300 }, [1, 17, 6])).not.toThrow();
    expect(() => validateOutputShape({ kind: 'classification', numClasses: 10, activation: 'auto' }, [2, 10], 20)).not.toThrow();
  });
  it('rejects wrong rank, dims, batch 0, non-integers and data length', () => {
    const bad: [readonly number[], number?][] = [[[84, 8400]], [[1, 8400, 84]], [[1, 84, 2100]], [[0, 84, 8400]], [[1, 84.5, 8400]], [[1, 84, 8400], 100]];
    for (const [dims, len] of bad) expect(codeOf(() => validateOutputShape(v8, dims, len)), String(dims)).toBe('E_SHAPE_MISMATCH');
    expect(codeOf(() => validateOutputShape({ kind: 'yolov5', numClasses: 80, numAnchors: 25200 }, [1, 25200, 84]))).toBe('E_SHAPE_MISMATCH');
    expect(codeOf(() => validateOutputShape({ kind: 'end2end', maxDetections: 300 }, [1, 301, 6]))).toBe('E_SHAPE_MISMATCH');
  });
});

describe('parseUltralyticsMetadata', () => {
  it('returns null without marker keys', () => {
    expect(parseUltralyticsMetadata({ author: 'x' })).toBeNull();
    expect(parseUltralyticsMetadata({})).toBeNull();
  });

  it('names: quotes inside names, escapes, non-contiguous ids, list form', () => {
    const m = parseUltralyticsMetadata({ names: `{0: "cat's toy", 1: 'say \\'hi\\'', 2: 'tab\\there', 4: 'caf\\xe9 \\u00e9', 3: 'back\\\\slash'}` })!;
    expect(m.names).toEqual(["cat's toy", "say 'hi'", 'tab\there', 'back\\slash', 'café é']);
    expect(m.warnings).toEqual([]);
    const gaps = parseUltralyticsMetadata({ names: "{0: 'a', 3: 'd'}" })!;
    expect(gaps.names).toEqual(['a', 'class_1', 'class_2', 'd']);
    expect(gaps.warnings.join()).toMatch(/missing/);
    expect(parseUltralyticsMetadata({ names: "['x', 'y']" })!.names).toEqual(['x', 'y']);
    expect(parseUltralyticsMetadata({ names: "{'0': 'a', '1': 'b'}" })!.names).toEqual(['a', 'b']);
  });

  it('imgsz, stride, batch, flags, args', () => {
    const m = parseUltralyticsMetadata({
      imgsz: '640',
      stride: '32',
      batch: '-1',
      task: 'detect',
      end2end: 'True',
      args: "{'batch': 1, 'half': True, 'dynamic': False, 'imgsz': 640}",
      kpt_shape: '[17, 3]',
    })!;
    expect(m).toMatchObject({ imgsz: [640, 640], stride: 32, batch: -1, task: 'detect', end2end: true, half: true, dynamic: false, kptShape: [17, 3] });
    expect(parseUltralyticsMetadata({ imgsz: '[480, 640]' })!.imgsz).toEqual([480, 640]);
    expect(parseUltralyticsMetadata({ imgsz: '(320, 320)' })!.imgsz).toEqual([320, 320]);
  });

  it('malformed fields are omitted with a warning, never thrown', () => {
    const m = parseUltralyticsMetadata({
      names: "{0: 'unterminated",
      imgsz: '[640, -1]',
      stride: 'abc',
      end2end: 'maybe',
      args: '{{{{',
    })!;
    expect(m.names).toBeUndefined();
    expect(m.imgsz).toBeUndefined();
    expect(m.stride).toBeUndefined();
    expect(m.end2end).toBeUndefined();
    expect(m.warnings).toHaveLength(5);
    const deep = parseUltralyticsMetadata({ names: '['.repeat(100_000) })!;
    expect(deep.names).toBeUndefined();
    expect(deep.warnings[0]).toMatch(/deeper/);
    const huge = parseUltralyticsMetadata({ names: '{99999999: "x"}' })!;
    expect(huge.names).toBeUndefined();
  });
});

describe.skipIf(!haveModels)('readModelDescriptor + detectOutputLayout agree with describeModel', () => {
  it('for every shared model', () => {
    for (const m of MODELS) {
      const b = model(m);
      expect(describeModel(b).layout, m).toEqual(detectOutputLayout(readModelDescriptor(b)));
    }
  });
});

describe('detectOutputLayout properties (fast-check, seeded)', () => {
  const dim = fc.oneof(fc.integer({ min: 0, max: 30000 }), fc.constantFrom('batch', 'anchors', 'N'), fc.constant(null), fc.constantFrom(1, 4, 5, 6, 84, 85, 8400, 25200));
  const meta = fc.option(
    fc.record(
      {
        task: fc.constantFrom('detect', 'classify', 'segment', 'pose', 'obb', 'weird'),
        names: fc.array(fc.string({ maxLength: 5 }), { maxLength: 90 }),
        imgsz: fc.tuple(fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 1, max: 2048 })),
        stride: fc.integer({ min: 1, max: 128 }),
        end2end: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    { nil: null },
  );

  it('returns a layout the declared numeric dims satisfy, or throws a typed error', () => {
    fc.assert(
      fc.property(fc.option(fc.array(dim, { maxLength: 5 }), { nil: null }), meta, fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }), (shape, m, numClasses) => {
        let layout;
        try {
          layout = detectOutputLayout(src(shape, m), { numClasses });
        } catch (e) {
          if (!isSightlineError(e) || e.code !== 'E_UNKNOWN_LAYOUT') throw e;
          return;
        }
        // Every number in the layout is a positive integer…
        for (const v of Object.values(layout)) if (typeof v === 'number') expect(Number.isInteger(v) && v > 0).toBe(true);
        // …and a fully static shape (batch ≥ 1) passes the runtime check of the same layout.
        if (shape && shape.every((d) => typeof d === 'number') && (shape[0] as number) >= 1) {
          validateOutputShape(layout, shape as number[]);
        }
      }),
      { seed: 4242, numRuns: 3000 },
    );
  });
});

