// Seeded generator of KServe v2 /infer response bodies for fuzzing the strict parser: a valid response
// (random outputs, datatypes, shapes, binary or JSON data) followed by zero or more hostile mutations of
// its JSON header, its lengths or its bytes. Shared by the unit suite (a sample) and tritonResponse.fuzz.mjs.

export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const DT = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES', 'BF16'];
const SIZE = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, BF16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8, BYTES: 0 };
const enc = new TextEncoder();

function pick(r, a) {
  return a[Math.floor(r() * a.length)];
}

function validResponse(r) {
  const outputs = [];
  const blobs = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const datatype = pick(r, DT);
    const shape = Array.from({ length: 1 + Math.floor(r() * 3) }, () => Math.floor(r() * 4));
    const count = shape.reduce((a, b) => a * b, 1);
    const binary = r() < 0.7 && datatype !== 'FP16' && datatype !== 'BF16' ? true : datatype === 'FP16' || datatype === 'BF16' || r() < 0.7;
    const o = { name: `out${i}`, datatype, shape };
    if (binary) {
      let bytes;
      if (datatype === 'BYTES') {
        const parts = [];
        for (let k = 0; k < count; k++) {
          const len = Math.floor(r() * 6);
          const p = new Uint8Array(4 + len);
          new DataView(p.buffer).setUint32(0, len, true);
          for (let j = 0; j < len; j++) p[4 + j] = Math.floor(r() * 256);
          parts.push(p);
        }
        bytes = concat(parts);
      } else {
        bytes = new Uint8Array(count * SIZE[datatype]);
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(r() * 256);
      }
      o.parameters = { binary_data_size: bytes.length };
      blobs.push(bytes);
    } else {
      o.data = Array.from({ length: count }, () =>
        datatype === 'BYTES' ? 'ab' : datatype === 'BOOL' ? r() < 0.5 : datatype.startsWith('FP') ? r() * 10 - 5 : Math.floor(r() * 100));
    }
    outputs.push(o);
  }
  const header = { model_name: 'm', model_version: '1', outputs };
  if (r() < 0.3) header.id = 'x';
  return { header, blobs };
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const HOSTILE_NUMBERS = [-1, 1.5, 2 ** 53, 2 ** 31, 2 ** 32 + 4, 1e308, NaN, '8', null, 4294967295, 0];

function mutateHeader(r, h) {
  const c = Array.isArray(h.outputs) && h.outputs.length ? pick(r, h.outputs) : undefined;
  const o = c !== null && typeof c === 'object' ? c : undefined;
  switch (Math.floor(r() * 12)) {
    case 0: if (o) o.shape = Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(r, HOSTILE_NUMBERS)); break;
    case 1: if (o) { o.parameters = { binary_data_size: pick(r, HOSTILE_NUMBERS) }; } break;
    case 2: if (o) o.datatype = pick(r, ['FP8', 'fp32', 7, null, 'BYTES', 'BOOL']); break;
    case 3: if (o) o.data = pick(r, [[1, 2], 'x', [[1], [2, [3]]], [null], [true], ['s'], {}]); break;
    case 4: h.outputs = pick(r, [null, 'x', [1], [null], {}, [{ name: 'a' }]]); break;
    case 5: h.model_name = pick(r, [7, null, undefined]); break;
    case 6: if (o) o.shape = [1e6, 1e6, 1e6]; break;
    case 7: if (o) delete o.name; break;
    case 8: if (o) o.shape = pick(r, ['3', { 0: 1 }, [], [-0], [0.5]]); break;
    case 9: h.parameters = pick(r, [7, 'x', [], { a: 1 }]); break;
    case 10: if (o && o.parameters && typeof o.parameters === 'object') o.parameters.binary_data_size += pick(r, [1, -1, 4, 1000]); break;
    default: if (o) o.shape = Array.isArray(o.shape) ? o.shape.concat([Math.floor(r() * 3)]) : [1];
  }
}

/** Case number `i` of the run seeded with `seed`: { body: Uint8Array, headerLength: number | undefined }. */
export function fuzzCase(seed, i) {
  const r = rng((seed * 2654435761 + i * 40503 + 1) >>> 0);
  const { header, blobs } = validResponse(r);
  const m = Math.floor(r() * 4); // 0: valid, 1-3 mutations
  for (let k = 0; k < m; k++) if (r() < 0.6) mutateHeader(r, header);
  let json = enc.encode(JSON.stringify(header));
  if (r() < 0.05) json = enc.encode(JSON.stringify(header).slice(0, Math.floor(r() * 40)));
  let body = concat([json, ...blobs]);
  let headerLength = blobs.length || r() < 0.5 ? json.length : undefined;
  if (m > 0) {
    switch (Math.floor(r() * 6)) {
      case 0: if (body.length) body[Math.floor(r() * body.length)] ^= 1 << Math.floor(r() * 8); break;
      case 1: body = body.subarray(0, Math.floor(r() * body.length)); break;
      case 2: headerLength = pick(r, [0, -1, body.length + 1, 2 ** 40, Math.floor(r() * body.length)]); break;
      case 3: body = concat([body, new Uint8Array(1 + Math.floor(r() * 9))]); break;
      case 4: if (body.length > json.length) body[json.length + Math.floor(r() * (body.length - json.length))] = 255; break;
      default: break;
    }
  }
  return { body, headerLength };
}
