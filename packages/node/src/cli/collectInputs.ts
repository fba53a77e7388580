/**
 * Expand the CLI's file / directory / glob arguments into image paths. Directories are walked recursively
 * and only files with an image extension are taken from them (a directory may hold labels, notes…); files
 * named explicitly are always tried, so a broken one is reported rather than silently skipped.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from './cliError.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.avif', '.heic', '.heif', '.tif', '.tiff', '.gif']);

export function hasImageExtension(path: string): boolean {
  const m = /\.[^./\\]+$/.exec(path);
  return m !== null && IMAGE_EXTENSIONS.has(m[0].toLowerCase());
}

function walk(dir: string, out: string[], skipped: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out, skipped);
    else if (e.isFile() && hasImageExtension(e.name)) out.push(p);
    else skipped.push(p);
  }
}

/** `*` and `?` within a segment, `**` across segments. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function expandGlob(pattern: string, out: string[]): void {
  const abs = resolve(pattern).split(sep).join('/');
  const firstWild = abs.search(/[*?]/);
  const base = abs.slice(0, abs.lastIndexOf('/', firstWild) + 1) || '/';
  const re = globToRegExp(abs);
  const all: string[] = [];
  try {
    walk(base, all, all);
  } catch {
    return;
  }
  for (const p of all) if (re.test(p.split(sep).join('/'))) out.push(p);
}

export interface CollectedInputs {
  files: string[];
  /** Files inside given directories that were not taken (no image extension). */
  skipped: string[];
  /** Arguments that matched nothing. */
  missing: string[];
}

export function collectInputs(args: readonly string[]): CollectedInputs {
  if (args.length === 0) throw new UsageError('no input images given');
  const files: string[] = [];
  const skipped: string[] = [];
  const missing: string[] = [];
  for (const a of args) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(a);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) walk(a, files, skipped);
    else if (st) files.push(a);
    else if (/[*?]/.test(a)) {
      const before = files.length;
      expandGlob(a, files);
      if (files.length === before) missing.push(a);
    } else missing.push(a);
  }
  return { files: [...new Set(files)], skipped, missing };
}

/** Keys for the JSON output: the file name, or a path relative to the cwd where two names collide. */
export function displayNames(files: readonly string[]): string[] {
  const base = files.map((f) => f.split(/[\\/]/).pop() ?? f);
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  return files.map((f, i) => ((count.get(base[i]) ?? 0) > 1 ? relative(process.cwd(), f) : base[i]));
}
