// Encoder/parser round trips for every datatype, hostile responses, and a sampled parser fuzz.
import { describe, expect, it } from 'vitest';
import { isSightlineError } from '@sightline/core';
import { decodeBytesTensor, encodeBytesTensor, encodeInferRequest, float16ToFloat32, float32ToFloat16, parseInferResponse, type InferInput } from '../src/index.js';
import { fuzzCase } from '../../../bench/fuzz/tritonResponseCases.mjs';

const inputs: InferInput[] = [
  { name: 'b', datatype: 'BYTES', shape: [2, 2], data: ['a', '', 'ü', 'x'.repeat(70000)] },
  { name: 'f32', datatype: 'FP32', shape: [3], data: new Float32Array([1.5, -0, Infinity]) },
  { name: 'f64', datatype: 'FP64', shape: [1], data: new Float64Array([Math.E]) },
  { name: 'f16', datatype: 'FP16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
  { name: 'bf16', datatype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
  { name: 'u8', datatype: 'UINT8', shape: [1, 3], data: new Uint8Array([1, 2, 255]) },
  { name: 'i8', datatype: 'INT8', shape: [1], data: new Int8Array([-7]) },
  { name: 'i16', datatype: 'INT16', shape: [1], data: new Int16Array([-300]) },
  { name: 'u16', datatype: 'UINT16', shape: [1], data: new Uint16Array([60000]) },
  { name: 'i32', datatype: 'INT32', shape: [2], data: new Int32Array([-1, 7]) },
  { name: 'u32', datatype: 'UINT32', shape: [1], data: new Uint32Array([4e9]) },
  { name: 'i64', datatype: 'INT64', shape: [1], data: new BigInt64Array([-(2n ** 60n)]) },
  { name: 'u64', datatype: 'UINT64', shape: [1], data: new BigUint64Array([2n ** 63n]) },
  { name: 'bool', datatype: 'BOOL', shape: [3], data: [true, false, true] },
  { name: 'empty', datatype: 'FP32', shape: [0, 4], data: new Float32Array(0) },
];

/** Turn an encoded request into the response an echo server would send (same tensors as outputs). */
function echoResponse(body: Uint8Array, headerLength: number): Uint8Array {
  const h = JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength))) as { inputs: unknown[] };
  const json = new TextEncoder().encode(JSON.stringify({ model_name: 'echo', model_version: '1', outputs: h.inputs }));
  const out = new Uint8Array(json.length + body.length - headerLength);
  out.set(json);
  out.set(body.subarray(headerLength), json.length);
  return out;
}

describe('infer request encoder and response parser', () => {
  it('round-trips every datatype through the binary extension', () => {
    const enc = encodeInferRequest({ inputs, id: 'r1', parameters: { priority: 2, timeout: 1000 } });
    expect(enc.contentType).toBe('application/octet-stream');
    const header = JSON.parse(new TextDecoder().decode(enc.body.subarray(0, enc.headerLength)));
    expect(header.parameters).toEqual({ priority: 2, timeout: 1000, binary_data_output: true });
    expect(header.inputs[1].parameters.binary_data_size).toBe(12);
    const body = echoResponse(enc.body, enc.headerLength!);
    const r = parseInferResponse(body, body.length - (enc.body.length - enc.headerLength!));
    expect(r.modelName).toBe('echo');
    r.outputs.forEach((o, i) => {
      expect(o.name).toBe(inputs[i].name);
      expect(o.shape).toEqual(inputs[i].shape);
      if (o.datatype === 'BYTES') expect((o.data as Uint8Array[]).map((b) => new TextDecoder().decode(b))).toEqual(inputs[i].data);
      else expect(Array.from(o.data as ArrayLike<unknown>)).toEqual(Array.from(inputs[i].data as ArrayLike<unknown>));
    });
  });

  it('encodes a JSON body when binary inputs are off and parses JSON outputs', () => {
    const enc = encodeInferRequest({ inputs: inputs.filter((i) => !['u64', 'i64', 'bf16'].includes(i.name)), outputs: [{ name: 'x', binary: false }] }, { binaryInputs: false });
    expect(enc.headerLength).toBeUndefined();
    const h = JSON.parse(new TextDecoder().decode(enc.body));
    expect(h.inputs[0].data).toEqual(['a', '', 'ü', 'x'.repeat(70000)]);
    expect(h.inputs[3].data).toEqual([1, -2]); // FP16 bits as numbers
    expect(h.outputs).toEqual([{ name: 'x', parameters: { binary_data: false } }]);
    // An INT64 beyond 2^53 cannot be a JSON number without losing precision.
    expect(() => encodeInferRequest({ inputs: [inputs.find((i) => i.name === 'i64')!] }, { binaryInputs: false })).toThrow(/exactly as JSON/);
    const body = new TextEncoder().encode(JSON.stringify({ model_name: 'm', outputs: [
      { name: 'a', datatype: 'INT64', shape: [2], data: [1, -2] },
      { name: 'b', datatype: 'FP32', shape: [2, 1], data: [[0.5], [2]] },
      { name: 'c', datatype: 'BYTES', shape: [1], data: ['hi'] },
      { name: 'd', datatype: 'BOOL', shape: [1], data: [true] },
    ] }));
    const r = parseInferResponse(body, undefined);
    expect(Array.from(r.outputs[0].data as BigInt64Array)).toEqual([1n, -2n]);
    expect(Array.from(r.outputs[1].data as Float32Array)).toEqual([0.5, 2]);
    expect(r.outputs[3].data).toEqual([true]);
  });

  it('rejects invalid requests with OptionError before sending', () => {
    const bad = (i: InferInput) => { try { encodeInferRequest({ inputs: [i] }); return 'ok'; } catch (e) { return (e as { code: string }).code; } };
    expect(bad({ name: 'a', datatype: 'FP32', shape: [3], data: new Float32Array(2) })).toBe('E_INVALID_OPTION');
    expect(bad({ name: 'a', datatype: 'FP32', shape: [2], data: new Float64Array(2) })).toBe('E_INVALID_OPTION');
    expect(bad({ name: 'a', datatype: 'FP32', shape: [-1], data: new Float32Array(0) })).toBe('E_INVALID_OPTION');
    expect(bad({ name: 'a', datatype: 'BYTES', shape: [1], data: new Uint8Array(1) })).toBe('E_INVALID_OPTION');
    expect(() => encodeInferRequest({ inputs: [] })).toThrow(/at least one input/);
  });

  it('copies unaligned binary outputs into aligned typed arrays', () => {
    const vals = new Float32Array([1, 2, 3]);
    const json = new TextEncoder().encode(JSON.stringify({ model_name: 'm', outputs: [
      { name: 'u', datatype: 'UINT8', shape: [1], parameters: { binary_data_size: 1 } },
      { name: 'f', datatype: 'FP32', shape: [3], parameters: { binary_data_size: 12 } },
    ] }));
    const body = new Uint8Array(json.length + 13);
    body.set(json);
    body[json.length] = 9;
    body.set(new Uint8Array(vals.buffer), json.length + 1);
    const r = parseInferResponse(body, json.length);
    expect(Array.from(r.outputs[1].data as Float32Array)).toEqual([1, 2, 3]);
  });

  const hostile: [string, () => { body: Uint8Array; hl: number | undefined }, string][] = [
    ['header length past the body', () => ({ body: new TextEncoder().encode('{"model_name":"m"}'), hl: 999 }), 'E_REMOTE_PROTOCOL'],
    ['invalid JSON', () => ({ body: new TextEncoder().encode('{"model_name":'), hl: undefined }), 'E_REMOTE_PROTOCOL'],
    ['not an object', () => ({ body: new TextEncoder().encode('[1]'), hl: undefined }), 'E_REMOTE_PROTOCOL'],
    ['size ≠ shape × dtype', () => bin([{ name: 'o', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 4 } }], 4), 'E_REMOTE_PROTOCOL'],
    ['size past the body', () => bin([{ name: 'o', datatype: 'UINT8', shape: [8], parameters: { binary_data_size: 8 } }], 4), 'E_REMOTE_PROTOCOL'],
    ['trailing bytes', () => bin([{ name: 'o', datatype: 'UINT8', shape: [2], parameters: { binary_data_size: 2 } }], 3), 'E_REMOTE_PROTOCOL'],
    ['giant shape', () => bin([{ name: 'o', datatype: 'FP32', shape: [2 ** 20, 2 ** 20, 2 ** 20], parameters: { binary_data_size: 0 } }], 0), 'E_REMOTE_PROTOCOL'],
    ['negative dim', () => bin([{ name: 'o', datatype: 'FP32', shape: [-1], parameters: { binary_data_size: 0 } }], 0), 'E_REMOTE_PROTOCOL'],
    ['fractional size', () => bin([{ name: 'o', datatype: 'UINT8', shape: [1], parameters: { binary_data_size: 0.5 } }], 1), 'E_REMOTE_PROTOCOL'],
    ['BYTES prefix out of bounds', () => ({ ...bytesBody(new Uint8Array([255, 255, 255, 127, 1])) }), 'E_REMOTE_PROTOCOL'],
    ['unknown datatype', () => bin([{ name: 'o', datatype: 'FP8', shape: [1], parameters: { binary_data_size: 1 } }], 1), 'E_REMOTE_PROTOCOL'],
    ['JSON data count mismatch', () => ({ body: new TextEncoder().encode('{"model_name":"m","outputs":[{"name":"o","datatype":"FP32","shape":[3],"data":[1]}]}'), hl: undefined }), 'E_REMOTE_PROTOCOL'],
    ['JSON data wrong type', () => ({ body: new TextEncoder().encode('{"model_name":"m","outputs":[{"name":"o","datatype":"FP32","shape":[1],"data":["x"]}]}'), hl: undefined }), 'E_REMOTE_PROTOCOL'],
  ];
  function bin(outputs: unknown[], extra: number) {
    const json = new TextEncoder().encode(JSON.stringify({ model_name: 'm', outputs }));
    const body = new Uint8Array(json.length + extra);
    body.set(json);
    return { body, hl: json.length };
  }
  function bytesBody(data: Uint8Array) {
    const r = bin([{ name: 'o', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: data.length } }], data.length);
    r.body.set(data, r.hl);
    return r;
  }
  it.each(hostile)('rejects a hostile response: %s', (_n, make, code) => {
    const { body, hl } = make();
    let err: unknown;
    try { parseInferResponse(body, hl); } catch (e) { err = e; }
    expect(isSightlineError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
  });

  it('enforces the total size limit', () => {
    const { body, hl } = bin([{ name: 'o', datatype: 'UINT8', shape: [100], parameters: { binary_data_size: 100 } }], 100);
    expect(() => parseInferResponse(body, hl, { maxResponseBytes: 64 })).toThrow(expect.objectContaining({ code: 'E_REMOTE_TOO_LARGE' }));
  });

  it('BYTES encoding round trip and FP16 conversions', () => {
    const e = encodeBytesTensor(['ab', new Uint8Array([0, 1]), '']);
    expect(Array.from(e.subarray(0, 6))).toEqual([2, 0, 0, 0, 97, 98]);
    expect(decodeBytesTensor(e, 3).map((b) => b.length)).toEqual([2, 2, 0]);
    expect(() => decodeBytesTensor(e, 4)).toThrow();
    expect(() => decodeBytesTensor(e, 2)).toThrow(/trailing/);
    const f = new Float32Array([0, 1, -2.5, 65504, 1e-7, 70000]);
    expect(Array.from(float16ToFloat32(float32ToFloat16(f)))).toEqual([0, 1, -2.5, 65504, 2 ** -23, Infinity]);
  });

  it('sampled fuzz: 3000 generated bodies parse consistently or fail with a SightlineError', () => {
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const { body, headerLength } = fuzzCase(12345, i);
      try {
        const r = parseInferResponse(body, headerLength, { maxResponseBytes: 1 << 20 });
        for (const o of r.outputs) expect(o.data.length).toBe(o.shape.reduce((a, b) => a * b, 1));
        parsed++;
      } catch (e) {
        if (!isSightlineError(e)) throw e;
      }
    }
    expect(parsed).toBeGreaterThan(300);
    expect(parsed).toBeLessThan(3000);
  });
});
