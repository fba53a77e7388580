import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, OptionError, ProtoReader, readModelDescriptor, type SightlineErrorCode } from '@sightline/core';
import { requireShared, sharedPath } from '@sightline/testkit';

const MODELS = ['yolov8n', 'yolov8n_fp16', 'yolov8n_dynamic_batch', 'yolov8n_320_int8_dynamic', 'yolov5n', 'mobilenetv2-12'];
const haveModels = requireShared(...MODELS.map((m) => ['models', `${m}.onnx`]), ['models', 'coco80.txt']);
const model = (name: string): Uint8Array => new Uint8Array(readFileSync(sharedPath('models', `${name}.onnx`)));

function codeOf(fn: () => unknown): SightlineErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModelFormatError || e instanceof OptionError) return e.code;
    throw e;
  }
  return 'no error';
}

describe.skipIf(!haveModels)('readModelDescriptor on the shared models', () => {
  const coco = readFileSync(sharedPath('models', 'coco80.txt'), 'utf8').trim().split('\n');

  it('yolov8n: opset, I/O, Ultralytics metadata', () => {
    const d = readModelDescriptor(model('yolov8n'));
    expect(d.irVersion).toBe(9);
    expect(d.opsetVersion).toBe(20);
    expect(d.inputs).toEqual([{ name: 'images', dataType: 'float32', shape: [1, 3, 640, 640] }]);
    expect(d.outputs).toEqual([{ name: 'output0', dataType: 'float32', shape: [1, 84, 8400] }]);
    expect(d.graphName).toBe('main_graph');
    expect(d.byteLength).toBe(12_821_893);
    expect(d.metadata.task).toBe('detect');
    const u = d.ultralytics!;
    expect(u.task).toBe('detect');
    expect(u.names).toEqual(coco);
    expect(u.imgsz).toEqual([640, 640]);
    expect(u.stride).toBe(32);
    expect(u.batch).toBe(1);
    expect(u.end2end).toBe(false);
    expect(u.warnings).toEqual([]);
  });

  it('accepts an ArrayBuffer and a view with an offset', () => {
    const b = model('yolov5n');
    const padded = new Uint8Array(b.length + 7);
    padded.set(b, 7);
    expect(readModelDescriptor(padded.subarray(7)).outputs[0].shape).toEqual([1, 25200, 85]);
    expect(readModelDescriptor(b.slice().buffer).outputs[0].shape).toEqual([1, 25200, 85]);
  });

  it('fp16 types and the half flag from args', () => {
    const d = readModelDescriptor(model('yolov8n_fp16'));
    expect(d.inputs[0].dataType).toBe('float16');
    expect(d.outputs[0].dataType).toBe('float16');
    expect(d.ultralytics?.half).toBe(true);
  });

  it('dynamic batch keeps the symbolic dim name', () => {
    const d = readModelDescriptor(model('yolov8n_dynamic_batch'));
    expect(d.inputs[0].shape).toEqual(['batch', 3, 640, 640]);
    expect(d.outputs[0].shape).toEqual(['batch', 84, 8400]);
    expect(d.ultralytics?.batch).toBe(-1);
  });

  it('320 int8 model reports imgsz 320', () => {
    const d = readModelDescriptor(model('yolov8n_320_int8_dynamic'));
    expect(d.ultralytics?.imgsz).toEqual([320, 320]);
    expect(d.outputs[0].shape).toEqual([1, 84, 2100]);
  });

  it('yolov5n: names and stride only', () => {
    const d = readModelDescriptor(model('yolov5n'));
    expect(d.opsetVersion).toBe(17);
    expect(d.producerName).toBe('pytorch');
    expect(d.outputs[0]).toEqual({ name: 'output0', dataType: 'float32', shape: [1, 25200, 85] });
    expect(d.ultralytics?.names).toEqual(coco);
    expect(d.ultralytics?.stride).toBe(32);
    expect(d.ultralytics?.task).toBeUndefined();
    expect(d.ultralytics?.imgsz).toBeUndefined();
  });

  it('mobilenetv2: symbolic batch_size, no Ultralytics metadata, initializers not listed as inputs', () => {
    const d = readModelDescriptor(model('mobilenetv2-12'));
    expect(d.opsetVersion).toBe(12);
    expect(d.inputs).toEqual([{ name: 'input', dataType: 'float32', shape: ['batch_size', 3, 224, 224] }]);
    expect(d.outputs).toEqual([{ name: 'output', dataType: 'float32', shape: ['batch_size', 1000] }]);
    expect(d.ultralytics).toBeNull();
  });

  it('maxBytes: too large → E_MODEL_TOO_LARGE; bad option → E_INVALID_OPTION', () => {
    const b = model('yolov5n');
    expect(codeOf(() => readModelDescriptor(b, { maxBytes: 1_000_000 }))).toBe('E_MODEL_TOO_LARGE');
    expect(codeOf(() => readModelDescriptor(b, { maxBytes: -1 }))).toBe('E_INVALID_OPTION');
    expect(readModelDescriptor(b, { maxBytes: b.length }).outputs.length).toBe(1);
  });

  it('truncation anywhere inside the graph → E_ONNX_TRUNCATED; elsewhere never a raw error', () => {
    const b = model('yolov8n_320_int8_dynamic');
    // Find where the graph frame starts and ends to know which cuts must say TRUNCATED.
    const r = new ProtoReader(b);
    let graphStart = -1;
    let graphEnd = -1;
    while (!r.eof()) {
      const at = r.pos;
      const tag = r.tag();
      if (tag >>> 3 === 7) {
        const m = r.message();
        graphStart = at;
        graphEnd = m.end;
      } else r.skip(tag);
    }
    expect(graphStart).toBeGreaterThan(0);
    const counts: Record<string, number> = {};
    const cuts = new Set<number>([1, 2, 3, graphStart, graphStart + 1, graphEnd - 1, graphEnd, b.length - 1]);
    for (let i = 0; i < 400; i++) cuts.add(Math.floor((i / 400) * b.length));
    for (const cut of cuts) {
      const code = codeOf(() => readModelDescriptor(b.subarray(0, cut)));
      counts[code] = (counts[code] ?? 0) + 1;
      if (cut > graphStart && cut < graphEnd) expect(code, `cut at ${cut}`).toBe('E_ONNX_TRUNCATED');
      if (cut === 0) expect(code).toBe('E_NOT_ONNX');
    }
    expect(counts.E_ONNX_TRUNCATED).toBeGreaterThan(350);
  });
});

describe('readModelDescriptor rejects what is not a model', () => {
  it('empty input → E_NOT_ONNX', () => {
    expect(codeOf(() => readModelDescriptor(new Uint8Array(0)))).toBe('E_NOT_ONNX');
    expect(codeOf(() => readModelDescriptor(new ArrayBuffer(0)))).toBe('E_NOT_ONNX');
  });

  it('JPEG, PNG, zip, gzip, JSON, HTML, text → E_NOT_ONNX', () => {
    const samples: Record<string, number[]> = {
      jpeg: [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01],
      png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
      zip: [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0],
      gzip: [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3],
      json: [...new TextEncoder().encode('{"model": "yolov8n", "size": 640}')],
      jsonString: [...new TextEncoder().encode('"yolov8n.onnx"')],
      html: [...new TextEncoder().encode('<!doctype html><html><body>404 Not Found</body></html>')],
      text: [...new TextEncoder().encode('hello world, this is not a model')],
    };
    for (const [kind, bytes] of Object.entries(samples)) {
      expect(codeOf(() => readModelDescriptor(new Uint8Array(bytes))), kind).toBe('E_NOT_ONNX');
    }
  });

  it('says what the bytes look like instead', () => {
    const msg = (bytes: number[] | Uint8Array) => {
      try {
        readModelDescriptor(new Uint8Array(bytes));
      } catch (e) {
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(msg([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])).toMatch(/JPEG/);
    expect(msg(new TextEncoder().encode('\n  <html><body>Not Found</body></html>'))).toMatch(/HTML/);
    expect(msg(new TextEncoder().encode('{"error": "forbidden"}'))).toMatch(/JSON/);
    expect(msg([0x50, 0x4b, 0x03, 0x04, 0x14, 0])).toMatch(/zip/);
    expect(msg([0x14, 0, 0, 0, 0x4f, 0x52, 0x54, 0x4d, 0, 0])).toMatch(/\.ort/);
    expect(msg([0x80, 0x02, 0x63, 0x00])).toMatch(/pickle/);
    expect(msg([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0, 0])).toMatch(/TensorFlow Lite/);
  });

  it('a real JPEG file → E_NOT_ONNX', () => {
    if (!requireShared(['images', 'bus.jpg'])) return;
    expect(codeOf(() => readModelDescriptor(new Uint8Array(readFileSync(sharedPath('images', 'bus.jpg')))))).toBe('E_NOT_ONNX');
  });

  it('seeded random bytes → E_NOT_ONNX', () => {
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24) & 0xff;
    for (let k = 0; k < 50; k++) {
      const b = new Uint8Array(64 + k * 13);
      for (let i = 0; i < b.length; i++) b[i] = rand();
      // Avoid the 1-in-a-few-hundred case where the first byte happens to be the ir_version tag.
      if (b[0] === 0x08) b[0] = 0xff;
      const code = codeOf(() => readModelDescriptor(b));
      expect(code, `sample ${k}`).toBe('E_NOT_ONNX');
    }
  });

  it('a huge declared length → E_ONNX_TRUNCATED; beyond 2^53 → E_ONNX_MALFORMED', () => {
    // ir_version 9, then graph with length 2^40.
    const huge = [0x08, 0x09, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x00];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(huge)))).toBe('E_ONNX_TRUNCATED');
    const tooHuge = [0x08, 0x09, 0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(tooHuge)))).toBe('E_ONNX_MALFORMED');
    const elevenByteVarint = [0x08, 0x09, 0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(elevenByteVarint)))).toBe('E_ONNX_MALFORMED');
  });

  it('an inner length that overruns its enclosing message → E_ONNX_MALFORMED', () => {
    // graph (len 4) holding input (field 11) that claims 100 bytes.
    const b = [0x08, 0x09, 0x3a, 0x04, 0x5a, 0x64, 0x00, 0x00];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(b)))).toBe('E_ONNX_MALFORMED');
  });

  it('deeply nested optional types → E_ONNX_MALFORMED, not a stack overflow', () => {
    // input { name "x", type { optional_type { elem_type { optional_type { … } } } } } nested 200 deep.
    let t: number[] = [];
    for (let i = 0; i < 200; i++) {
      const inner = [0x0a, ...varint(t.length), ...t]; // Optional.elem_type = 1
      t = [0x4a, ...varint(inner.length), ...inner]; // TypeProto.optional_type = 9
    }
    const vi = [0x0a, 0x01, 0x78, 0x12, ...varint(t.length), ...t];
    const graph = [0x5a, ...varint(vi.length), ...vi];
    const b = [0x08, 0x09, 0x3a, ...varint(graph.length), ...graph];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(b)))).toBe('E_ONNX_MALFORMED');
  });

  it('groups are skipped, mismatched or stray end-groups are malformed, wire types 6/7 invalid', () => {
    // graph with an unknown field 20 as a group containing a varint, then name "g".
    const ok = [0x08, 0x09, 0x3a, 0x09, 0xa3, 0x01, 0x08, 0x01, 0xa4, 0x01, 0x12, 0x01, 0x67, 0x42, 0x02, 0x10, 0x11];
    expect(readModelDescriptor(new Uint8Array(ok)).graphName).toBe('g');
    const mismatched = [0x08, 0x09, 0x3a, 0x05, 0xa3, 0x01, 0xac, 0x01, 0x00];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(mismatched)))).toBe('E_ONNX_MALFORMED');
    const stray = [0x08, 0x09, 0x3a, 0x02, 0xa4, 0x01];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(stray)))).toBe('E_ONNX_MALFORMED');
    const wire6 = [0x08, 0x09, 0x3a, 0x02, 0x0e, 0x00];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(wire6)))).toBe('E_ONNX_MALFORMED');
  });

  it('ModelProto with ir_version but no graph → E_ONNX_MALFORMED; neither → E_NOT_ONNX', () => {
    expect(codeOf(() => readModelDescriptor(new Uint8Array([0x08, 0x09])))).toBe('E_ONNX_MALFORMED');
    expect(codeOf(() => readModelDescriptor(new Uint8Array([0x12, 0x01, 0x61])))).toBe('E_NOT_ONNX');
  });

  it('a minimal model decodes symbolic, unknown, empty-named and negative dims and a __proto__ metadata key', () => {
    const dim = (d: number[]) => [0x0a, ...varint(d.length), ...d];
    const shape = [...dim([0x12, 0x01, 0x4e]), ...dim([]), ...dim([0x08, ...varint(-1)]), ...dim([0x08, 0x05]), ...dim([0x12, 0x00])];
    const tensor = [0x08, 0x01, 0x12, ...varint(shape.length), ...shape];
    const type = [0x0a, ...varint(tensor.length), ...tensor];
    const vi = [0x0a, 0x01, 0x78, 0x12, ...varint(type.length), ...type];
    const graph = [0x5a, ...varint(vi.length), ...vi, 0x62, ...varint(vi.length), ...vi];
    const entry = [0x0a, 0x09, ...new TextEncoder().encode('__proto__'), 0x12, 0x01, 0x76];
    const opset = [0x42, 0x02, 0x10, 0x11]; // opset_import { version: 17 }
    const b = [0x08, 0x09, 0x3a, ...varint(graph.length), ...graph, ...opset, 0x72, ...varint(entry.length), ...entry];
    const d = readModelDescriptor(new Uint8Array(b));
    expect(d.inputs[0]).toEqual({ name: 'x', dataType: 'float32', shape: ['N', null, null, 5, null] });
    expect(d.outputs).toHaveLength(1);
    expect(d.metadata['__proto__']).toBe('v');
    expect(Object.keys(d.metadata)).toEqual(['__proto__']);
    expect(d.opsetVersion).toBe(17);
    // Without opset_import (IR ≥ 3 requires one): what a cut right after the graph looks like.
    const noOpset = [0x08, 0x09, 0x3a, ...varint(graph.length), ...graph];
    expect(codeOf(() => readModelDescriptor(new Uint8Array(noOpset)))).toBe('E_ONNX_MALFORMED');
    // IR 2 predates opset_import.
    expect(readModelDescriptor(new Uint8Array([0x08, 0x02, ...noOpset.slice(2)])).opsetVersion).toBe(0);
  });
});

/** Protobuf varint of a (possibly negative, as int64) integer. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

describe('ProtoReader primitives', () => {
  it('reads varints, signed int64, fixed32/64 and floats with bounds checks', () => {
    const b = new Uint8Array([0xac, 0x02, ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 0x78, 0x56, 0x34, 0x12, 1, 0, 0, 0, 2, 0, 0, 0, 0x00, 0x00, 0x80, 0x3f]);
    const r = new ProtoReader(b);
    expect(r.uint()).toBe(300);
    expect(r.int64()).toBe(-1);
    expect(r.fixed32()).toBe(0x12345678);
    expect(r.fixed64()).toBe(2 * 2 ** 32 + 1);
    expect(r.float32()).toBe(1);
    expect(r.eof()).toBe(true);
    expect(codeOf(() => r.fixed32())).toBe('E_ONNX_TRUNCATED');
    expect(codeOf(() => new ProtoReader(new Uint8Array([0x80])).uint())).toBe('E_ONNX_TRUNCATED');
    expect(codeOf(() => new ProtoReader(new Uint8Array(4), 0, 4, 99))).toBe('E_ONNX_MALFORMED');
  });

  it('length-delimited fields are views into the input, not copies', () => {
    const b = new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]);
    const r = new ProtoReader(b);
    r.tag();
    const v = r.bytes();
    expect(v.buffer).toBe(b.buffer);
    expect(v.byteOffset).toBe(2);
    expect(v.length).toBe(3);
  });
});
