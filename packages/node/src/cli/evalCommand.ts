/**
 * `sightline eval`: run the detector at validation settings (conf 0.001, IoU 0.7, 300 detections) over a
 * labelled set and report COCO mAP with core's evaluator. Data: a folder with images/ and labels/ (YOLO
 * txt, same sub-folders), or a COCO instances json plus its image folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateCoco, yoloLabelsToCoco, type CocoDetection, type CocoGroundTruth, type CocoEvalResult } from '@sightline/core';
import { createDetector } from '../createDetector.js';
import { describeError, UsageError } from './cliError.js';
import { collectInputs } from './collectInputs.js';
import { engineOptions, numberOption, remoteOptions, sharedOptionSpec } from './commonOptions.js';
import { Progress } from './progress.js';

export const evalHelp = `usage: sightline eval --model M (--data DIR | --coco instances.json --images DIR) [options]

COCO bbox mAP of a detector (pycocotools semantics: IoU .50:.95, 101-point AP, area ranges, iscrowd).

options:
  --model M            ONNX detection model
  --data DIR           folder with images/ and labels/ (YOLO txt: class cx cy w h, normalised)
  --labels FILE        class names, one per line (default: the model's metadata)
  --coco FILE          COCO instances json (ground truth) ...
  --images DIR         ... and the folder holding its images
  --conf X             score threshold (default 0.001)
  --iou X              NMS IoU (default 0.7)
  --max-det N          detections per image kept from NMS (default 300; COCO AP counts the top 100)
  --json FILE          write { model, images, mAP, mAP50, mAP75, stats, perClass, errors? }
  --save-coco DIR      also write DIR/gt.json and DIR/detections.json (for other evaluators)
  --backend B          auto | cpu | webgpu | wasm (default auto)
  --remote URL / --remote-model NAME / --protocol P   run the model on Triton
  --progress           draw a progress bar even when stderr is not a terminal
  -h, --help           this help`;

interface EvalImage {
  id: number;
  path: string;
  fileName: string;
  labelPath?: string;
}

function yoloImages(dataDir: string): EvalImage[] {
  const imagesDir = join(dataDir, 'images');
  if (!existsSync(imagesDir) || !existsSync(join(dataDir, 'labels'))) throw new UsageError(`${dataDir} must contain images/ and labels/`);
  const { files } = collectInputs([imagesDir]);
  return files.map((path, i) => {
    const rel = relative(imagesDir, path);
    return { id: i + 1, path, fileName: basename(path), labelPath: join(dataDir, 'labels', rel.replace(/\.[^.]+$/, '.txt')) };
  });
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function printEval(r: CocoEvalResult): void {
  console.log(`mAP50-95 ${r.mAP.toFixed(4)}  mAP50 ${r.mAP50.toFixed(4)}  mAP75 ${r.mAP75.toFixed(4)}  (${r.numImages} images, ${r.numDetections} detections)`);
  console.log('class                     GT     AP50   AP50-95');
  for (const c of r.perClass) {
    if (c.ap === null) continue;
    console.log(`${c.name.padEnd(22).slice(0, 22)} ${String(c.numGt).padStart(5)}   ${(c.ap50 ?? 0).toFixed(3)}   ${c.ap.toFixed(3)}`);
  }
}

export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      ...sharedOptionSpec,
      data: { type: 'string' },
      coco: { type: 'string' },
      images: { type: 'string' },
      conf: { type: 'string' },
      iou: { type: 'string' },
      'max-det': { type: 'string' },
      json: { type: 'string' },
      'save-coco': { type: 'string' },
      progress: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(evalHelp);
    return 0;
  }
  if (!values.model) throw new UsageError('--model is required (see sightline eval --help)');
  if (!values.data === !values.coco) throw new UsageError('give either --data DIR or --coco FILE --images DIR');
  if (values.coco && !values.images) throw new UsageError('--coco needs --images DIR');
  const conf = numberOption(values.conf, 'conf', 0.001);
  const iou = numberOption(values.iou, 'iou', 0.7);
  const maxDet = numberOption(values['max-det'], 'max-det', 300);

  let images: EvalImage[];
  let cocoGt: CocoGroundTruth | null = null;
  if (values.coco) {
    cocoGt = readJson(values.coco) as CocoGroundTruth;
    if (!Array.isArray(cocoGt?.images) || !Array.isArray(cocoGt.annotations) || !Array.isArray(cocoGt.categories)) {
      throw new UsageError(`${values.coco} is not a COCO instances file (images, annotations, categories)`);
    }
    const dir = values.images as string;
    images = cocoGt.images.map((im) => ({ id: im.id, path: join(dir, im.file_name ?? String(im.id)), fileName: im.file_name ?? String(im.id) }));
  } else {
    images = yoloImages(values.data as string);
  }
  if (images.length === 0) throw new UsageError('the data set has no images');

  const detector = await createDetector({ ...engineOptions(values), remote: remoteOptions(values), conf, iou, maxDet });
  const labels = detector.info.labels;
  // Detections carry the model's class ids; COCO json uses its own category ids, matched by name.
  const catByName = new Map((cocoGt?.categories ?? []).map((c) => [c.name, c.id]));
  const detections: CocoDetection[] = [];
  const sizes = new Map<number, { width: number; height: number }>();
  const errors: Record<string, { code: string; message: string }> = {};
  const progress = new Progress(images.length, values.progress === true || process.stderr.isTTY === true);
  try {
    for (let i = 0; i < images.length; i++) {
      const im = images[i];
      try {
        const r = await detector.detect(im.path);
        sizes.set(im.id, { width: r.width, height: r.height });
        for (const d of r.detections) {
          const category = cocoGt ? catByName.get(labels[d.classId]) : d.classId;
          if (category === undefined) continue;
          const [x1, y1, x2, y2] = d.box;
          detections.push({ image_id: im.id, category_id: category, bbox: [x1, y1, x2 - x1, y2 - y1], score: d.score });
        }
      } catch (e) {
        errors[im.fileName] = describeError(e);
        console.error(`${im.fileName}: error [${errors[im.fileName].code}]: ${errors[im.fileName].message}`);
      }
      progress.tick(i + 1, im.fileName);
    }
  } finally {
    await detector.dispose();
  }
  if (sizes.size === 0) {
    console.error('error [E_NO_INPUT]: no image could be processed');
    return 1;
  }
  // Unreadable images leave the evaluation (their GT would otherwise count as missed).
  const evaluated = images.filter((im) => sizes.has(im.id));
  let gt: CocoGroundTruth;
  if (cocoGt) {
    const keep = new Set(evaluated.map((im) => im.id));
    gt = { ...cocoGt, images: cocoGt.images.filter((im) => keep.has(im.id)) };
  } else {
    gt = yoloLabelsToCoco(
      evaluated.map((im) => {
        const { width, height } = sizes.get(im.id) as { width: number; height: number };
        const labelText = im.labelPath && existsSync(im.labelPath) ? readFileSync(im.labelPath, 'utf8') : '';
        return { id: im.id, fileName: im.fileName, width, height, labels: labelText };
      }),
      labels,
    );
  }
  const result = evaluateCoco(gt, detections);
  printEval(result);
  if (values['save-coco']) {
    mkdirSync(values['save-coco'], { recursive: true });
    writeFileSync(join(values['save-coco'], 'gt.json'), JSON.stringify(gt));
    writeFileSync(join(values['save-coco'], 'detections.json'), JSON.stringify(detections));
  }
  if (values.json) {
    const out = {
      model: basename(values.model),
      data: (values.data ?? values.coco ?? '').split(sep).join('/'),
      conf,
      iou,
      maxDet,
      images: evaluated.length,
      mAP: result.mAP,
      mAP50: result.mAP50,
      mAP75: result.mAP75,
      stats: result.stats,
      perClass: result.perClass,
      ...(Object.keys(errors).length ? { errors } : {}),
    };
    writeFileSync(values.json, JSON.stringify(out, null, 1) + '\n');
  }
  return 0;
}
