/** `sightline detect`: detections for files/dirs/globs, JSON in the reference schema, annotated images. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Detection } from '@sightline/core';
import { createDetector } from '../createDetector.js';
import { writeAnnotated } from './annotate.js';
import { describeError, UsageError } from './cliError.js';
import { collectInputs, displayNames } from './collectInputs.js';
import { engineOptions, numberOption, remoteOptions, sharedOptionSpec } from './commonOptions.js';
import { Progress } from './progress.js';

export const detectHelp = `usage: sightline detect <files|dirs|globs...> --model M [options]

Detect objects in images (JPEG, PNG, WebP, AVIF, TIFF, GIF). Directories are searched recursively.

options:
  --model M            ONNX detection model (YOLOv8/11, YOLOv5, end-to-end)
  --conf X             score threshold (default 0.25)
  --labels FILE        class names, one per line (default: the model's metadata)
  --iou X              NMS IoU threshold (default 0.7)
  --max-det N          most detections per image (default 300)
  --json FILE          write results as JSON ({ model, conf, iou, maxDet, imgsz, images, errors? })
  --save-dir DIR       write annotated images into DIR
  --backend B          auto | cpu | webgpu | wasm (default auto)
  --remote URL         run the model on a Triton server instead (needs --remote-model)
  --remote-model NAME  model name on the server
  --protocol P         http | grpc (default http)
  --progress           draw a progress bar even when stderr is not a terminal
  -h, --help           this help

Exit status: 0 when at least one image was processed, 1 when none could be, 2 on usage errors.`;

export interface DetectJson {
  model: string;
  conf: number;
  iou: number;
  maxDet: number;
  imgsz: number;
  images: Record<string, { width: number; height: number; detections: Detection[] }>;
  errors?: Record<string, { code: string; message: string }>;
}

export async function detectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...sharedOptionSpec,
      conf: { type: 'string' },
      iou: { type: 'string' },
      'max-det': { type: 'string' },
      json: { type: 'string' },
      'save-dir': { type: 'string' },
      progress: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(detectHelp);
    return 0;
  }
  if (!values.model) throw new UsageError('--model is required (see sightline detect --help)');
  const conf = numberOption(values.conf, 'conf', 0.25);
  const iou = numberOption(values.iou, 'iou', 0.7);
  const maxDet = numberOption(values['max-det'], 'max-det', 300);
  const { files, skipped, missing } = collectInputs(positionals);
  for (const m of missing) console.error(`warning: ${m}: no such file or directory`);
  if (skipped.length) console.error(`note: skipped ${skipped.length} non-image file(s) in the given directories`);
  if (files.length === 0) {
    console.error('error [E_NO_INPUT]: no images to process');
    return 1;
  }
  const detector = await createDetector({ ...engineOptions(values), remote: remoteOptions(values), conf, iou, maxDet });
  const names = displayNames(files);
  const out: DetectJson = { model: basename(values.model), conf, iou, maxDet, imgsz: Math.max(...detector.info.inputSize), images: {} };
  const errors: Record<string, { code: string; message: string }> = {};
  const saveDir = values['save-dir'];
  if (saveDir) mkdirSync(saveDir, { recursive: true });
  const progress = new Progress(files.length, values.progress === true || process.stderr.isTTY === true);
  let ok = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const name = names[i];
      try {
        const r = await detector.detect(files[i]);
        out.images[name] = { width: r.width, height: r.height, detections: r.detections };
        ok++;
        if (!values.json) {
          console.log(`${name}: ${r.detections.length} detection(s)`);
          for (const d of r.detections) console.log(`  ${d.label} ${d.score.toFixed(3)} [${d.box.map((v) => v.toFixed(1)).join(', ')}]`);
        }
        if (saveDir) await writeAnnotated(files[i], join(saveDir, basename(files[i])), r.width, r.height, r.detections);
      } catch (e) {
        errors[name] = describeError(e);
        console.error(`${name}: error [${errors[name].code}]: ${errors[name].message}`);
      }
      progress.tick(i + 1, name);
    }
  } finally {
    await detector.dispose();
  }
  if (Object.keys(errors).length) out.errors = errors;
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 1) + '\n');
  console.error(`${ok}/${files.length} image(s) processed${Object.keys(errors).length ? `, ${Object.keys(errors).length} failed` : ''}`);
  return ok > 0 ? 0 : 1;
}
