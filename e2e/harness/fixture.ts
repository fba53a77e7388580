/**
 * Builds the fixture app (e2e/fixtures: a page that imports @sightline/web from source and exposes
 * `window.sightline`) with Vite's JS API into a git-ignored folder. Rebuilt only when a source file is newer
 * than the last build, so a test run pays for it once (~seconds) and later files reuse it.
 */
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const e2eDir = resolve(here, '..');
export const repoRoot = resolve(e2eDir, '..');
export const fixtureSrcDir = join(e2eDir, 'fixtures');
export const fixtureDistDir = join(repoRoot, '.cache', 'e2e-fixture');
const stampFile = join(fixtureDistDir, '.stamp');

/** Folders whose files end up in the fixture bundle. */
const SOURCES = [fixtureSrcDir, join(repoRoot, 'packages', 'web', 'src'), join(repoRoot, 'packages', 'core', 'src')];

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function sourcesStamp(): string {
  return String(Math.max(...SOURCES.map(newestMtime)));
}

export function fixtureIsFresh(): boolean {
  // Set by whoever built the fixture just before the run (e.g. with extra Vite options): trust it.
  if (process.env.SIGHTLINE_FIXTURE_PREBUILT === '1' && existsSync(join(fixtureDistDir, 'index.html'))) return true;
  return existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourcesStamp() && existsSync(join(fixtureDistDir, 'index.html'));
}

/** Build the fixture app unless it is up to date (force: always). Returns the output folder. */
export async function buildFixture({ force = false, quiet = true } = {}): Promise<string> {
  if (!force && fixtureIsFresh()) return fixtureDistDir;
  const stamp = sourcesStamp();
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: fixtureSrcDir,
    base: '/',
    logLevel: quiet ? 'warn' : 'info',
    resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
    worker: { format: 'es' },
    build: {
      outDir: fixtureDistDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 100_000,
    },
  });
  mkdirSync(fixtureDistDir, { recursive: true });
  writeFileSync(stampFile, stamp);
  return fixtureDistDir;
}
