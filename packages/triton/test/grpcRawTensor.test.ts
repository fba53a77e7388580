// gRPC raw-contents codec, status mapping and config summary, without a server: hostile outputs must give
// typed errors (never an out-of-bounds read or a giant allocation), inputs must be checked before sending.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { RemoteError, SightlineError } from '@sightline/core';
import { decodeRawOutput, encodeRawInput } from '../src/grpc/rawTensor.js';
import { fromGrpcError } from '../src/grpc/grpcErrors.js';
import { summarizeConfig } from '../src/grpc/wireDecoding.js';
import { inferenceMethods } from '../src/grpc/inferenceService.js';
import { serializeInferRequest } from '../src/grpc/serializeInferRequest.js';
import { fieldDataOffset } from '../src/grpc/http2UnaryCall.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SightlineError);
    return (e as SightlineError).code;
  }
  return 'no error';
};

describe('encodeRawInput', () => {
  it('wraps typed arrays without copying and packs BOOL / BYTES', () => {
    const f = new Float32Array([1, 2, 3, 4]);
    const b = encodeRawInput('x', 'FP32', [2, 2], f);
    expect(b.buffer).toBe(f.buffer);
    expect(b.byteLength).toBe(16);
    expect([...encodeRawInput('b', 'BOOL', [3], [true, false, true])]).toEqual([1, 0, 1]);
    const s = encodeRawInput('s', 'BYTES', [2], ['ab', new Uint8Array([9])]);
    expect([...s]).toEqual([2, 0, 0, 0, 97, 98, 1, 0, 0, 0, 9]);
  });
  it('rejects count, dtype and shape mismatches with E_INVALID_OPTION', () => {
    expect(codeOf(() => encodeRawInput('x', 'FP32', [3], new Float32Array(2)))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => encodeRawInput('x', 'FP32', [2], new Float64Array(2)))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => encodeRawInput('x', 'FP16', [2], new Float32Array(2)))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => encodeRawInput('x', 'FP32', [-1], new Float32Array(1)))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => encodeRawInput('x', 'BYTES', [1], [3 as unknown as string]))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => encodeRawInput('x', 'BOOL', [1], [1 as unknown as boolean]))).toBe('E_INVALID_OPTION');
    expect(codeOf(() => encodeRawInput('x', 'NOPE' as 'FP32', [1], new Float32Array(1)))).toBe('E_INVALID_OPTION');
  });
});

describe('decodeRawOutput', () => {
  it('decodes aligned data as a view and copies misaligned data', () => {
    const src = new Float32Array([1.5, -2, 7]);
    const aligned = decodeRawOutput('y', 'FP32', [3], new Uint8Array(src.buffer)) as Float32Array;
    expect(aligned.buffer).toBe(src.buffer);
    const mis = new Uint8Array(13);
    mis.set(new Uint8Array(src.buffer), 1);
    const y = decodeRawOutput('y', 'FP32', [1, 3], mis.subarray(1)) as Float32Array;
    expect(Array.from(y)).toEqual([1.5, -2, 7]);
    const i64 = decodeRawOutput('y', 'INT64', [1], new Uint8Array(new BigInt64Array([-5n]).buffer)) as BigInt64Array;
    expect(i64[0]).toBe(-5n);
    expect(decodeRawOutput('y', 'BOOL', [2], new Uint8Array([0, 3]))).toEqual([false, true]);
  });
  it('rejects sizes that do not match the shape, hostile shapes and broken BYTES', () => {
    expect(codeOf(() => decodeRawOutput('y', 'FP32', [3], new Uint8Array(11)))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'FP32', [2 ** 40, 2 ** 40], new Uint8Array(16)))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'FP32', [-4], new Uint8Array(16)))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'FP32', [1.5], new Uint8Array(16)))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'WEIRD', [1], new Uint8Array(4)))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'BYTES', [1], new Uint8Array([255, 255, 255, 255, 1])))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'BYTES', [1_000_000], new Uint8Array(8)))).toBe('E_REMOTE_PROTOCOL');
    expect(codeOf(() => decodeRawOutput('y', 'BYTES', [1], new Uint8Array([1, 0, 0, 0, 7, 9])))).toBe('E_REMOTE_PROTOCOL');
  });
  it('never throws anything but a RemoteError on random input (property)', () => {
    const dts = ['FP32', 'FP16', 'UINT8', 'INT64', 'BOOL', 'BYTES', 'INT8', 'FP64', 'BF16'];
    fc.assert(
      fc.property(fc.constantFrom(...dts), fc.array(fc.integer({ min: -3, max: 70 }), { maxLength: 4 }), fc.uint8Array({ maxLength: 96 }), fc.nat(3), (dt, shape, bytes, off) => {
        const raw = bytes.subarray(Math.min(off, bytes.length));
        try {
          const out = decodeRawOutput('y', dt, shape, raw);
          const n = shape.reduce((a, b) => a * b, 1);
          expect(out.length).toBe(n);
        } catch (e) {
          expect(e).toBeInstanceOf(RemoteError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('fromGrpcError', () => {
  const err = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: undefined });
  it('maps status codes to the shared remote codes with the equivalent HTTP status', () => {
    const nf = fromGrpcError(err(GrpcStatus.NOT_FOUND, "Request for unknown model: 'm' is not found"), 'ModelInfer', 'grpc://h:1', false);
    expect([nf.code, nf.details.status, nf.details.serverMessage]).toEqual(['E_REMOTE_HTTP', 404, "Request for unknown model: 'm' is not found"]);
    expect(fromGrpcError(err(GrpcStatus.INVALID_ARGUMENT, 'batch-size must be <= 8'), 'm', 'u', false).details.status).toBe(400);
    expect(fromGrpcError(err(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'm', 'u', false).code).toBe('E_REMOTE_TIMEOUT');
    expect(fromGrpcError(err(GrpcStatus.CANCELLED, 'Cancelled on client'), 'm', 'u', true).code).toBe('E_ABORTED');
    expect(fromGrpcError(err(GrpcStatus.CANCELLED, 'Cancelled'), 'm', 'u', false).code).toBe('E_REMOTE_NETWORK');
    expect(fromGrpcError(err(GrpcStatus.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED'), 'm', 'u', false).code).toBe('E_REMOTE_NETWORK');
    expect(fromGrpcError(err(GrpcStatus.UNAVAILABLE, 'model is not ready'), 'm', 'u', false).code).toBe('E_REMOTE_UNAVAILABLE');
    expect(fromGrpcError(err(GrpcStatus.RESOURCE_EXHAUSTED, 'Received message larger than max (9 vs. 4)'), 'm', 'u', false).code).toBe('E_REMOTE_TOO_LARGE');
    expect(fromGrpcError(err(GrpcStatus.INTERNAL, 'Response message parsing error: index out of range'), 'm', 'u', false).code).toBe('E_REMOTE_PROTOCOL');
  });
});

describe('serializeInferRequest', () => {
  it('decodes exactly like protobuf.js encoding, for large and empty raw contents', () => {
    const m = inferenceMethods().ModelInfer;
    const req = {
      model_name: 'm', model_version: '2', id: 'r', parameters: { priority: { int64_param: 1 } },
      inputs: [{ name: 'a', datatype: 'FP32', shape: [70000], parameters: {} }, { name: 'b', datatype: 'BYTES', shape: [0], parameters: {} }],
      outputs: [{ name: 'o', parameters: { classification: { int64_param: 3 } } }],
      raw_input_contents: [new Uint8Array(280000).map((_, i) => i % 251), new Uint8Array(0)],
    };
    const ours = serializeInferRequest(m, req);
    expect(ours.length).toBe(m.requestSerialize(req).length);
    expect(JSON.stringify(m.requestDeserialize(ours))).toBe(JSON.stringify(m.requestDeserialize(m.requestSerialize(req))));
  });
});

describe('ModelConfig decoding', () => {
  it('summarizes a config decoded from protobuf bytes', () => {
    const m = inferenceMethods().ModelConfig;
    const bytes = m.responseSerialize({
      config: {
        name: 'y', platform: 'tensorrt_plan', backend: '', max_batch_size: 16,
        input: [{ name: 'images', data_type: 'TYPE_FP16', dims: [3, 640, 640] }],
        output: [{ name: 'txt', data_type: 'TYPE_STRING', dims: [-1] }],
        instance_group: [{ name: 'a', count: 2, kind: 'KIND_GPU', gpus: [0] }, { name: 'b', count: 1, kind: 'KIND_GPU', gpus: [1] }],
        dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 2000, preserve_ordering: false },
      },
    });
    const s = summarizeConfig(m.responseDeserialize(bytes).config!);
    expect(s).toMatchObject({ name: 'y', platform: 'tensorrt_plan', maxBatchSize: 16, instanceCount: 3, dynamicBatching: { preferredBatchSize: [4, 8], maxQueueDelayMicroseconds: 2000 } });
    expect(s.backend).toBeUndefined();
    expect(s.inputs).toEqual([{ name: 'images', datatype: 'FP16', dims: [3, 640, 640] }]);
    expect(s.outputs[0].datatype).toBe('BYTES');
  });
  it('a truncated response fails to decode (grpc-js reports it as INTERNAL → E_REMOTE_PROTOCOL)', () => {
    const m = inferenceMethods().ModelInfer;
    const full = m.responseSerialize({ model_name: 'x', model_version: '1', id: '', parameters: {}, outputs: [{ name: 'o', datatype: 'FP32', shape: [4], parameters: {}, contents: null }], raw_output_contents: [Buffer.alloc(16)] });
    expect(() => m.responseDeserialize(full.subarray(0, full.length - 5))).toThrow();
  });
});

describe('fieldDataOffset (alignment hint for received ModelInfer responses)', () => {
  it('finds where the first raw_output_contents bytes start, and gives -1 for truncated or non-protobuf bytes', () => {
    const raw = Buffer.from(new Float32Array([1, 2, 3]).buffer);
    const msg = inferenceMethods().ModelInfer.responseSerialize({
      model_name: 'm', model_version: '1', id: 'abc', parameters: { p: { int64_param: 5 } },
      outputs: [{ name: 'y', datatype: 'FP32', shape: [3], parameters: {}, contents: null }],
      raw_output_contents: [raw],
    });
    const at = fieldDataOffset(msg, 0, msg.length, 6);
    expect(at).toBeGreaterThan(0);
    expect(Buffer.from(msg.subarray(at, at + raw.length)).equals(raw)).toBe(true);
    const shifted = Buffer.concat([Buffer.alloc(3), msg]);
    expect(fieldDataOffset(shifted, 3, shifted.length, 6)).toBe(at);
    expect(fieldDataOffset(msg, 0, 4, 6)).toBe(-1);
    expect(fieldDataOffset(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0, 9, 6)).toBe(-1);
    expect(fieldDataOffset(Buffer.from([0x0f]), 0, 1, 6)).toBe(-1); // wire type 7 does not exist
  });
});
