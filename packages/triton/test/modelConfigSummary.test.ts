// The model config summary every remote client acts on (batching, I/O shapes), and its fuzzing: whatever JSON a
// server returns, the result is a summary or a RemoteError, never a TypeError from deep inside a client.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RemoteError } from '@sightline/core';
import { perItemDims, summarizeModelConfig } from '../src/index.js';

const yolo = {
  name: 'yolov8n',
  platform: 'onnxruntime_onnx',
  max_batch_size: 8,
  input: [{ name: 'images', data_type: 'TYPE_FP32', dims: ['3', '640', '640'] }],
  output: [{ name: 'output0', data_type: 'TYPE_FP32', dims: [84, 8400] }],
  dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: '500' },
  instance_group: [{ count: 2, kind: 'KIND_CPU' }, { count: 1 }],
};

describe('summarizeModelConfig', () => {
  it('reads snake_case JSON with int64 strings, the gRPC wrapper and camelCase alike', () => {
    const s = summarizeModelConfig(yolo);
    expect(s).toMatchObject({
      name: 'yolov8n',
      platform: 'onnxruntime_onnx',
      maxBatchSize: 8,
      inputs: [{ name: 'images', datatype: 'FP32', dims: [3, 640, 640] }],
      outputs: [{ name: 'output0', datatype: 'FP32', dims: [84, 8400] }],
      dynamicBatching: { preferredBatchSize: [4, 8], maxQueueDelayMicroseconds: 500 },
      instanceCount: 3,
    });
    const camel = { config: { name: 'm', maxBatchSize: '0', input: [{ name: 'x', dataType: 'TYPE_UINT8', dims: [1, 640, 640, 3] }], output: [{ name: 'y', dataType: 'TYPE_STRING', dims: [1] }] } };
    expect(summarizeModelConfig(camel)).toMatchObject({ name: 'm', maxBatchSize: 0, inputs: [{ datatype: 'UINT8' }], outputs: [{ datatype: 'BYTES' }], dynamicBatching: null, instanceCount: 1 });
  });

  it('rejects what is not a config with E_REMOTE_PROTOCOL, naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /not an object with a name/],
      [{ input: [] }, /not an object with a name/],
      [{ name: 'm', input: {} }, /input is not an array/],
      [{ name: 'm', input: [{ dims: [3] }] }, /input\[0\] has no name/],
      [{ name: 'm', output: [{ name: 'y', data_type: 'TYPE_FP32' }] }, /output 'y' has no dims/],
      [{ name: 'm', input: [{ name: 'x', data_type: 'TYPE_FP128', dims: [3] }] }, /unknown data_type "TYPE_FP128"/],
    ];
    for (const [raw, message] of bad) {
      const e = (() => {
        try {
          summarizeModelConfig(raw);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(RemoteError);
      expect(e).toMatchObject({ code: 'E_REMOTE_PROTOCOL', message: expect.stringMatching(message) });
    }
  });

  it('fuzz: any JSON gives a summary or a RemoteError', () => {
    const tensor = fc.record({ name: fc.oneof(fc.string(), fc.integer()), data_type: fc.oneof(fc.constantFrom('TYPE_FP32', 'TYPE_UINT8', 'TYPE_BOOL', 'FP32', ''), fc.jsonValue()), dims: fc.oneof(fc.array(fc.oneof(fc.integer(), fc.string())), fc.jsonValue()) }, { requiredKeys: [] });
    const config = fc.record(
      {
        name: fc.oneof(fc.string(), fc.jsonValue()),
        max_batch_size: fc.oneof(fc.integer(), fc.string(), fc.jsonValue()),
        input: fc.oneof(fc.array(tensor), fc.jsonValue()),
        output: fc.oneof(fc.array(tensor), fc.jsonValue()),
        dynamic_batching: fc.jsonValue(),
        instance_group: fc.oneof(fc.array(fc.record({ count: fc.jsonValue() }, { requiredKeys: [] })), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(config, fc.jsonValue(), fc.record({ config })), (raw) => {
        try {
          const s = summarizeModelConfig(raw);
          expect(Number.isInteger(s.maxBatchSize) && s.maxBatchSize >= 0).toBe(true);
          expect(s.instanceCount).toBeGreaterThanOrEqual(1);
          for (const t of [...s.inputs, ...s.outputs]) expect(t.dims.every(Number.isInteger)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(RemoteError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('perItemDims', () => {
  it('drops the batch dim only where the config lists it (max_batch_size 0), and never aliases the config', () => {
    const batched = summarizeModelConfig(yolo);
    const dims = perItemDims(batched, batched.inputs[0]!);
    expect(dims).toEqual([3, 640, 640]);
    dims[0] = 1;
    expect(batched.inputs[0]!.dims).toEqual([3, 640, 640]);
    const unbatched = summarizeModelConfig({ ...yolo, max_batch_size: 0, input: [{ name: 'images', data_type: 'TYPE_FP32', dims: [1, 3, 640, 640] }] });
    expect(perItemDims(unbatched, unbatched.inputs[0]!)).toEqual([3, 640, 640]);
    expect(perItemDims(unbatched, unbatched.outputs[0]!)).toEqual([8400]);
  });
});
