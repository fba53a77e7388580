/** `sightline classify`: top-k classes per image, JSON in the reference schema. */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClassScore } from '@sightline/core';
import { createClassifier } from '../createClassifier.js';
import { describeError, UsageError } from './cliError.js';
import { collectInputs, displayNames } from './collectInputs.js';
import { engineOptions, numberOption, remoteOptions, sharedOptionSpec } from './commonOptions.js';
import { Progress } from './progress.js';

export const classifyHelp = `usage: sightline classify <files|dirs|globs...> --model M [options]

Classify images with an ONNX classifier (e.g. MobileNetV2, YOLO-cls).

options:
  --model M            ONNX classification model
  --top-k K            classes per image (default 5)
  --labels FILE        class names, one per line (default: the model's metadata)
  --json FILE          write { model, images: { "<file>": { top5: [ { classId, label, score } ] } }, errors? }
                       (the key is top<K>)
  --backend B          auto | cpu | webgpu | wasm (default auto)
  --remote URL         run the model on a Triton server (needs --remote-model)
  --remote-model NAME  model name on the server
  --protocol P         http | grpc (default http)
  --progress           draw a progress bar even when stderr is not a terminal
  -h, --help           this help

Exit status: 0 when at least one image was processed, 1 when none could be, 2 on usage errors.`;

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...sharedOptionSpec, 'top-k': { type: 'string' }, json: { type: 'string' }, progress: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(classifyHelp);
    return 0;
  }
  if (!values.model) throw new UsageError('--model is required (see sightline classify --help)');
  const topK = numberOption(values['top-k'], 'top-k', 5);
  if (!Number.isInteger(topK) || topK < 1) throw new UsageError(`--top-k must be a positive integer, got ${topK}`);
  const { files, skipped, missing } = collectInputs(positionals);
  for (const m of missing) console.error(`warning: ${m}: no such file or directory`);
  if (skipped.length) console.error(`note: skipped ${skipped.length} non-image file(s) in the given directories`);
  if (files.length === 0) {
    console.error('error [E_NO_INPUT]: no images to process');
    return 1;
  }
  const classifier = await createClassifier({ ...engineOptions(values), remote: remoteOptions(values), topK });
  const names = displayNames(files);
  const key = `top${topK}`;
  const images: Record<string, Record<string, ClassScore[]>> = {};
  const errors: Record<string, { code: string; message: string }> = {};
  const progress = new Progress(files.length, values.progress === true || process.stderr.isTTY === true);
  let ok = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      try {
        const r = await classifier.classify(files[i]);
        images[names[i]] = { [key]: r.classes };
        ok++;
        if (!values.json) console.log(`${names[i]}: ${r.classes.map((c) => `${c.label} ${(c.score * 100).toFixed(1)}%`).join(', ')}`);
      } catch (e) {
        errors[names[i]] = describeError(e);
        console.error(`${names[i]}: error [${errors[names[i]].code}]: ${errors[names[i]].message}`);
      }
      progress.tick(i + 1, names[i]);
    }
  } finally {
    await classifier.dispose();
  }
  if (values.json) {
    const out = { model: basename(values.model), images, ...(Object.keys(errors).length ? { errors } : {}) };
    writeFileSync(values.json, JSON.stringify(out, null, 1) + '\n');
  }
  console.error(`${ok}/${files.length} image(s) processed${Object.keys(errors).length ? `, ${Object.keys(errors).length} failed` : ''}`);
  return ok > 0 ? 0 : 1;
}
