/** `sightline triton init`: write a Triton model repository for an ONNX model (via @sightline/triton/repository). */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineError } from '@sightline/core';
import { UsageError } from './cliError.js';
import { numberOption } from './commonOptions.js';

export const tritonHelp = `usage: sightline triton init --model M --out DIR [options]

Write a Triton model repository (config.pbtxt, model files, helper ensembles) for an ONNX model.

options:
  --model M          ONNX model
  --out DIR          repository folder to create
  --name NAME        Triton model name (default: the model file name without .onnx)
  --max-batch N      max_batch_size (default 16)
  --fp16             TensorRT FP16 engine with FP16 I/O
  --ensemble-uint8   add <name>_uint8: UINT8 HWC images, normalised on the server
  --end2end          add <name>_e2e: server-side NMS
  --device D         gpu | cpu (default gpu)
  -h, --help         this help`;

type WriteRepository = (opts: Record<string, unknown>) => Promise<unknown> | unknown;

export async function tritonCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(tritonHelp);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'init') throw new UsageError(`unknown triton command "${sub}" (expected: init)`);
  const { values } = parseArgs({
    args: rest,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      'max-batch': { type: 'string' },
      fp16: { type: 'boolean' },
      'ensemble-uint8': { type: 'boolean' },
      end2end: { type: 'boolean' },
      device: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(tritonHelp);
    return 0;
  }
  if (!values.model || !values.out) throw new UsageError('triton init needs --model M and --out DIR');
  let model: Uint8Array;
  try {
    model = readFileSync(values.model);
  } catch (e) {
    throw new UsageError(`cannot read ${values.model}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // Loaded on demand: the repository writer is an optional, Node-only part of @sightline/triton.
  let writeModelRepository: WriteRepository | undefined;
  try {
    const spec = '@sightline/triton/repository';
    const mod = (await import(spec)) as { writeModelRepository?: WriteRepository };
    writeModelRepository = mod.writeModelRepository;
  } catch {
    writeModelRepository = undefined;
  }
  if (!writeModelRepository) throw new EngineError('E_BACKEND_UNAVAILABLE', 'this build of @sightline/triton has no model repository writer');
  await writeModelRepository({
    model,
    outDir: values.out,
    name: values.name ?? basename(values.model).replace(/\.onnx$/i, ''),
    ...(values['max-batch'] ? { maxBatchSize: numberOption(values['max-batch'], 'max-batch', 16) } : {}),
    ...(values.fp16 !== undefined ? { fp16: values.fp16 } : {}),
    ...(values['ensemble-uint8'] !== undefined ? { ensembleUint8: values['ensemble-uint8'] } : {}),
    ...(values.end2end !== undefined ? { end2end: values.end2end } : {}),
    ...(values.device ? { device: values.device } : {}),
  });
  console.log(`wrote Triton model repository to ${values.out}`);
  return 0;
}
