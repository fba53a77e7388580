// Module-resolution hook for the GPU machine, where the working tree arrives without node_modules: maps the
// workspace packages (@sightline/*) to their built dist/ when normal resolution cannot find them, and
// onnxruntime-web's entry points to SIGHTLINE_ORT_DIR.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export async function resolve(specifier, context, next) {
  const m = /^@sightline\/([a-z]+)$/.exec(specifier);
  if (m) {
    try {
      return await next(specifier, context);
    } catch (e) {
      const file = join(root, 'packages', m[1], 'dist', 'index.js');
      if (!existsSync(file)) throw e;
      return { url: pathToFileURL(file).href, shortCircuit: true };
    }
  }
  // onnxruntime-web's builds, from SIGHTLINE_ORT_DIR (the ORT dist carried to the GPU machine).
  const o = /^onnxruntime-web\/(webgpu|wasm)$/.exec(specifier);
  if (o && process.env.SIGHTLINE_ORT_DIR) {
    try {
      return await next(specifier, context);
    } catch {
      const file = join(process.env.SIGHTLINE_ORT_DIR, o[1] === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs');
      return { url: pathToFileURL(file).href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
