// Real yolov8n outputs ([1, 84, 8400] float32) for the 172 coco128-lightly images, for decode/NMS benches.
// Produced once with sharp (decode, EXIF-rotate, bilinear resize to the core's letterbox geometry, pad 114)
// + onnxruntime-node, then cached in the git-ignored .cache/bench/coco128/ (one .bin per image + index.json).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { repoRoot } from './harness.mjs';

const sharedDir = process.env.SIGHTLINE_SHARED ? resolve(process.env.SIGHTLINE_SHARED) : resolve(repoRoot, '..', 'shared');
const imagesDir = join(sharedDir, 'datasets', 'coco128-lightly', 'images');
const modelPath = join(sharedDir, 'models', 'yolov8n.onnx');
const cacheDir = join(repoRoot, '.cache', 'bench', 'coco128');
const indexFile = join(cacheDir, 'index.json');
const IMGSZ = 640;

function listImages(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listImages(p));
    else if (/\.(jpe?g|png|bmp|webp)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

async function letterboxTensor(sharp, computeLetterbox, file) {
  const img = sharp(file).rotate();
  const { data: rgb, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const g = computeLetterbox(info.width, info.height, IMGSZ, IMGSZ);
  const { data } = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
    .resize(g.newWidth, g.newHeight, { kernel: 'linear', fit: 'fill' })
    .extend({ top: g.padTop, bottom: g.padBottom, left: g.padLeft, right: g.padRight, background: { r: 114, g: 114, b: 114 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = g.dstWidth * g.dstHeight;
  const chw = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    chw[i] = data[i * 3] / 255;
    chw[plane + i] = data[i * 3 + 1] / 255;
    chw[2 * plane + i] = data[i * 3 + 2] / 255;
  }
  return { chw, geometry: g };
}

/**
 * All cached outputs: [{ name, width, height, geometry, data: Float32Array(84·8400), dims }]. Generates the
 * cache on first use (~0.2 s per image).
 */
export async function loadCoco128Outputs({ log = console.log } = {}) {
  if (!existsSync(imagesDir) || !existsSync(modelPath)) {
    throw new Error(`coco128 outputs need ${imagesDir} and ${modelPath} (../shared)`);
  }
  const files = listImages(imagesDir);
  let index = existsSync(indexFile) ? JSON.parse(readFileSync(indexFile, 'utf8')) : null;
  const complete =
    index &&
    index.count === files.length &&
    index.images.every((e) => existsSync(join(cacheDir, e.bin)) && statSync(join(cacheDir, e.bin)).size === 84 * 8400 * 4);
  if (!complete) {
    log(`generating yolov8n outputs for ${files.length} coco128 images into ${cacheDir} …`);
    const { default: sharp } = await import('sharp');
    const ort = await import('onnxruntime-node');
    const { computeLetterbox } = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));
    const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    mkdirSync(cacheDir, { recursive: true });
    const images = [];
    const t0 = performance.now();
    for (const file of files) {
      const { chw, geometry } = await letterboxTensor(sharp, computeLetterbox, file);
      const input = new ort.Tensor('float32', chw, [1, 3, IMGSZ, IMGSZ]);
      const result = await session.run({ [session.inputNames[0]]: input });
      const out = result[session.outputNames[0]];
      const bin = basename(file).replace(/\.[^.]+$/, '') + '.bin';
      const f32 = out.data;
      writeFileSync(join(cacheDir, bin), Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength));
      images.push({ name: basename(file), bin, width: geometry.srcWidth, height: geometry.srcHeight, dims: out.dims });
    }
    await session.release?.();
    index = { model: 'yolov8n.onnx', imgsz: IMGSZ, count: images.length, images };
    writeFileSync(indexFile, JSON.stringify(index, null, 1));
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const { computeLetterbox } = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));
  return index.images.map((e) => {
    const buf = readFileSync(join(cacheDir, e.bin));
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return { ...e, data, geometry: computeLetterbox(e.width, e.height, IMGSZ, IMGSZ) };
  });
}
