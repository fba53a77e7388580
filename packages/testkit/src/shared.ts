/**
 * Access to ../shared (real models, images, reference outputs). Files are read from there at run time and
 * never copied into the repo. Locally a missing folder skips the dependent tests with a visible message;
 * in CI (CI=true) it fails loudly, because a silent skip would hide that nothing was checked.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root: packages/testkit/src → ../../.. */
export const repoRoot = resolve(here, '..', '..', '..');

export function sharedDir(): string {
  return process.env.SIGHTLINE_SHARED ? resolve(process.env.SIGHTLINE_SHARED) : resolve(repoRoot, '..', 'shared');
}

export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

/**
 * True when every listed file exists under ../shared. When something is missing: throws in CI, otherwise
 * prints why the dependent tests are skipped and returns false (use with `describe.skipIf(!ok)`).
 */
export function requireShared(...parts: string[][]): boolean {
  const wanted = parts.length ? parts.map((p) => sharedPath(...p)) : [sharedDir()];
  const missing = wanted.filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  const msg = `../shared is incomplete; missing: ${missing.join(', ')}`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${msg}. CI must have ../shared beside the checkout (set SIGHTLINE_SHARED to override).`);
  }
  console.warn(`[sightline] SKIPPING tests that need ${msg}`);
  return false;
}
