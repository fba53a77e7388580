/**
 * Shared plumbing of the WebAssembly pre-processing kernels: compile once from base64 (null where WebAssembly
 * or its SIMD is unavailable, or a CSP forbids compiling it — callers then keep their JS loops), grow
 * memory on demand and keep result views over it.
 */
const compiled = new Map<string, WebAssembly.Module | null>();

/** Module of a generated kernel file's base64, compiled on first use. */
export function kernelModule(base64: string): WebAssembly.Module | null {
  let m = compiled.get(base64);
  if (m !== undefined) return m;
  m = null;
  try {
    const bytes = decodeBase64(base64);
    // validate() is false where SIMD is unsupported; the modules are < 1 KB, so synchronous compile is allowed everywhere.
    if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) m = new WebAssembly.Module(bytes);
  } catch {
    m = null;
  }
  compiled.set(base64, m);
  return m;
}

/** A new instance's exports, or null. */
export function instantiate<T>(base64: string): T | null {
  const m = kernelModule(base64);
  if (!m) return null;
  try {
    return new WebAssembly.Instance(m).exports as unknown as T;
  } catch {
    return null;
  }
}

/** Grow `memory` to hold `bytes`; false when it cannot (the caller falls back to JS). */
export function ensureMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

export const align16 = (n: number): number => (n + 15) & ~15;

/**
 * `prev` while it still views `buf` at `byteOffset` with `length` floats, else a new view. Growing memory
 * replaces the buffer, so the view must follow it; otherwise reusing it hands callers the same object each run.
 */
export function float32View(prev: Float32Array | null, buf: ArrayBuffer, byteOffset: number, length: number): Float32Array {
  if (prev && prev.buffer === buf && prev.byteOffset === byteOffset && prev.length === length) return prev;
  return new Float32Array(buf, byteOffset, length);
}

/** Source images above this size keep the JS path: wasm memory never shrinks, so a one-off huge image would pin it. */
export const WASM_MAX_SOURCE_BYTES = 64 << 20;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  // atob exists in browsers, Deno and Node ≥ 16: no Buffer, so the core stays platform-neutral.
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
