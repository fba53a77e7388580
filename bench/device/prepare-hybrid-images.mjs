// Decodes a few shared images to raw RGBA for bench/device/hybrid-gpu.mjs (the GPU machine has no sharp):
// writes .device-hybrid/<name>.<w>x<h>.rgba (git-ignored; carried to the GPU machine).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../lib/harness.mjs';

const shared = process.env.SIGHTLINE_SHARED ?? join(repoRoot, '..', 'shared');
const out = join(repoRoot, '.device-hybrid');
mkdirSync(out, { recursive: true });
for (const f of (process.argv[2] ?? 'bus.jpg,zidane.jpg').split(',')) {
  const { data, info } = await sharp(join(shared, 'images', f)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const file = join(out, `${f.replace(/\.[a-z]+$/, '')}.${info.width}x${info.height}.rgba`);
  writeFileSync(file, data);
  console.log(file, data.length);
}
