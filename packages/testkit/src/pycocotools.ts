/**
 * Run pycocotools (the reference COCO evaluator, installed in the repo's .venv by scripts/setup-python.mjs)
 * on COCO ground truth + detections, through scripts/pycocotools_eval.py. Locally a missing venv skips the
 * dependent tests with a message; in CI it fails, since a silent skip would hide that nothing was compared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from './shared.js';

export function venvPythonPath(): string {
  const dir = process.env.SIGHTLINE_VENV ? resolve(process.env.SIGHTLINE_VENV) : join(repoRoot, '.venv');
  return join(dir, 'bin', 'python');
}

/** True when .venv/bin/python exists; otherwise throws in CI, or warns and returns false locally. */
export function requirePycocotools(): boolean {
  if (existsSync(venvPythonPath())) return true;
  const msg = `${venvPythonPath()} is missing (run node scripts/setup-python.mjs)`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(msg);
  console.warn(`[sightline] SKIPPING pycocotools comparisons: ${msg}`);
  return false;
}

export interface PycocotoolsResult {
  /** COCOeval.stats: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
  stats: number[];
  /** Per category id: AP@[.5:.95] and AP@.5 at area all / maxDets 100; null where the category has no GT. */
  perClass: Record<string, { ap: number | null; ap50: number | null }>;
}

export function runPycocotools(gt: unknown, detections: unknown): PycocotoolsResult {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-coco-'));
  try {
    const gtPath = join(dir, 'gt.json');
    const dtPath = join(dir, 'dt.json');
    writeFileSync(gtPath, JSON.stringify(gt));
    writeFileSync(dtPath, JSON.stringify(detections));
    const r = spawnSync(venvPythonPath(), [join(repoRoot, 'scripts', 'pycocotools_eval.py'), gtPath, dtPath], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    if (r.status !== 0) throw new Error(`pycocotools_eval.py failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as PycocotoolsResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
