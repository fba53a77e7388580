// Body helpers shared by the transports (internal: not exported from the package).

export const INFER_HEADER_LENGTH = 'inference-header-content-length';

/** Byte offset that makes `headerLength` land on an 8-byte boundary (0 when unknown). */
export function alignmentPad(headerLength: string | null): number {
  if (headerLength === null || !/^\d{1,15}$/.test(headerLength.trim())) return 0;
  return (8 - (Number(headerLength.trim()) % 8)) % 8;
}

export function totalLength(chunks: readonly Uint8Array[] | undefined): number {
  let n = 0;
  if (chunks) for (const c of chunks) n += c.byteLength;
  return n;
}

/** One buffer from chunks; the binary part after the JSON header starts 8-byte aligned (views, not copies). */
export function joinAligned(chunks: readonly Uint8Array[], total: number, headerLength: string | null): Uint8Array {
  const pad = alignmentPad(headerLength);
  if (chunks.length === 1 && (chunks[0].byteOffset - pad) % 8 === 0) return chunks[0];
  const out = new Uint8Array(new ArrayBuffer(total + pad), pad, total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
