// readModelDescriptor (@sightline/core dist/) vs a generic protobuf decoder: protobufjs (reflection, the
// onnx.proto subset below) decoding the whole ModelProto, then picking the same facts (non-initializer inputs,
// outputs, opsets, metadata + the same Ultralytics metadata parse). Both run interleaved in one process.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { compareSync, repoRoot, writeResult } from './lib/harness.mjs';

const core = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));
const testkit = await import(join(repoRoot, 'packages', 'testkit', 'dist', 'index.js'));
// protobufjs is installed as a dependency of @grpc/proto-loader.
const protobuf = createRequire(join(repoRoot, 'package.json'))('protobufjs');
const sharedDir = process.env.SIGHTLINE_SHARED ? resolve(process.env.SIGHTLINE_SHARED) : resolve(repoRoot, '..', 'shared');

const f = (id, type, rule) => ({ id, type, ...(rule ? { rule } : {}) });
const root = protobuf.Root.fromJSON({
  nested: {
    ModelProto: {
      fields: {
        ir_version: f(1, 'int64'), opset_import: f(8, 'OperatorSetIdProto', 'repeated'), producer_name: f(2, 'string'),
        producer_version: f(3, 'string'), domain: f(4, 'string'), model_version: f(5, 'int64'), doc_string: f(6, 'string'),
        graph: f(7, 'GraphProto'), metadata_props: f(14, 'StringStringEntryProto', 'repeated'),
      },
    },
    OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
    StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
    GraphProto: {
      fields: {
        node: f(1, 'NodeProto', 'repeated'), name: f(2, 'string'), initializer: f(5, 'TensorProto', 'repeated'), doc_string: f(10, 'string'),
        input: f(11, 'ValueInfoProto', 'repeated'), output: f(12, 'ValueInfoProto', 'repeated'), value_info: f(13, 'ValueInfoProto', 'repeated'),
      },
    },
    NodeProto: {
      fields: {
        input: f(1, 'string', 'repeated'), output: f(2, 'string', 'repeated'), name: f(3, 'string'), op_type: f(4, 'string'),
        attribute: f(5, 'AttributeProto', 'repeated'), doc_string: f(6, 'string'), domain: f(7, 'string'),
      },
    },
    AttributeProto: {
      fields: {
        name: f(1, 'string'), f: f(2, 'float'), i: f(3, 'int64'), s: f(4, 'bytes'), t: f(5, 'TensorProto'), g: f(6, 'GraphProto'),
        floats: f(7, 'float', 'repeated'), ints: f(8, 'int64', 'repeated'), strings: f(9, 'bytes', 'repeated'), type: f(20, 'int32'),
      },
    },
    TensorProto: {
      fields: {
        dims: f(1, 'int64', 'repeated'), data_type: f(2, 'int32'), float_data: f(4, 'float', 'repeated'), int32_data: f(5, 'int32', 'repeated'),
        int64_data: f(7, 'int64', 'repeated'), name: f(8, 'string'), raw_data: f(9, 'bytes'),
      },
    },
    ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
    TypeProto: { fields: { tensor_type: f(1, 'TypeTensor') } },
    TypeTensor: { fields: { elem_type: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
    TensorShapeProto: { fields: { dim: f(1, 'Dimension', 'repeated') } },
    Dimension: { fields: { dim_value: f(1, 'int64'), dim_param: f(2, 'string') } },
  },
});
const ModelProto = root.lookupType('ModelProto');
const num = (v) => (typeof v === 'number' ? v : Number(v));

function baselineDescriptor(bytes) {
  const m = ModelProto.decode(bytes);
  const inits = new Set(m.graph.initializer.map((t) => t.name));
  const info = (vi) => {
    const t = vi.type?.tensor_type;
    return {
      name: vi.name,
      dataType: core.onnxElemTypeToDataType(t?.elem_type ?? 0),
      shape: t?.shape ? t.shape.dim.map((d) => (d.dim_param ? d.dim_param : d.dim_value != null ? num(d.dim_value) : null)) : null,
    };
  };
  const metadata = Object.fromEntries(m.metadata_props.map((e) => [e.key, e.value]));
  return {
    irVersion: num(m.ir_version),
    opsets: m.opset_import.map((o) => ({ domain: o.domain, version: num(o.version) })),
    inputs: m.graph.input.filter((i) => !inits.has(i.name)).map(info),
    outputs: m.graph.output.map(info),
    metadata,
    ultralytics: core.parseUltralyticsMetadata(metadata),
  };
}

const cases = [];
for (const name of ['yolov8n', 'yolov5n', 'mobilenetv2-12']) {
  const p = join(sharedDir, 'models', `${name}.onnx`);
  if (existsSync(p)) cases.push([`${name}.onnx`, new Uint8Array(readFileSync(p))]);
  else console.warn(`[bench] ${p} missing; skipped`);
}
cases.push(['tinyYoloV8Model (80 classes, 640)', testkit.tinyYoloV8Model({ numClasses: 80, imgsz: 640, planted: [{ cx: 1, cy: 2, w: 3, h: 4, classId: 5, score: 0.9 }] })]);

const rows = [];
for (const [label, bytes] of cases) {
  const ours = core.readModelDescriptor(bytes);
  const base = baselineDescriptor(bytes);
  // Same facts from both before timing anything.
  const same = JSON.stringify([ours.inputs, ours.outputs, ours.irVersion]) === JSON.stringify([base.inputs, base.outputs, base.irVersion]);
  if (!same) throw new Error(`${label}: baseline and ours disagree`);
  const r = compareSync(() => core.readModelDescriptor(bytes), () => baselineDescriptor(bytes), { runs: 60, warmup: 10 });
  rows.push({ case: label, bytes: bytes.length, ...r });
  console.log(label, r);
}
writeResult('onnxDescriptor', rows, {
  description: 'readModelDescriptor vs protobufjs 7 (reflection decode of the onnx.proto subset + the same field picking and metadata parse). ratio = baseline / ours.',
});
