// Fuzzes the gRPC ModelInferResponse decoder of @sightline/triton/grpc (built dist/): valid responses of every
// datatype (raw and typed contents), then hostile shapes (negative, fractional, > 2^53, huge products),
// raw sizes off by a few bytes, output/raw count mismatches, broken BYTES prefixes, byte flips, truncations,
// insertions and pure noise. Every case must decode to outputs whose element count equals product(shape),
// or throw a RemoteError with code E_REMOTE_PROTOCOL; anything else (another error, a hang, a crash) fails.
// Usage: node bench/fuzz/grpcResponse.fuzz.mjs [cases=100000] [seed=1] [only=<case index>]
// (build first: npx tsc -b packages/triton). Case i is reproducible alone from (seed, i).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseRange, fuzzArgs, rngFor, secondsSince } from './lib/fuzzHarness.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(repoRoot, 'packages', 'triton', 'dist', 'grpc');
const { decodeInferResponse } = await import(join(dist, 'index.js'));
const { inferenceMethods } = await import(join(dist, 'inferenceService.js'));
const { RemoteError } = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));

const { cases, seed, only } = fuzzArgs(100_000);
const encode = inferenceMethods().ModelInfer.responseSerialize;

const SIZE = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, BF16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8, BYTES: 0 };
const CONTENTS = { FP32: 'fp32_contents', FP64: 'fp64_contents', INT32: 'int_contents', INT8: 'int_contents', INT16: 'int_contents', UINT8: 'uint_contents', UINT32: 'uint_contents', INT64: 'int64_contents', UINT64: 'uint64_contents', BOOL: 'bool_contents', BYTES: 'bytes_contents' };

function makeCase(r) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const nOut = r() < 0.1 ? 0 : int(1, 3);
  const useContents = r() < 0.2;
  const outputs = [];
  const raws = [];
  for (let k = 0; k < nOut; k++) {
    const dt = useContents ? pick(Object.keys(CONTENTS)) : pick(Object.keys(SIZE));
    let shape = Array.from({ length: int(0, 3) }, () => int(0, 5));
    const count = shape.reduce((a, b) => a * b, 1);
    if (r() < 0.15) shape = shape.concat(pick([[-1], [2 ** 31], [2 ** 40, 2 ** 40], [2 ** 53 + 2], [1e300], [0, 2 ** 60]]));
    const out = { name: `o${k}`, datatype: r() < 0.03 ? pick(['FP8', '', 'TYPE_FP32']) : dt, shape, parameters: {}, contents: null };
    if (useContents) {
      const field = CONTENTS[dt];
      const n = r() < 0.15 ? count + int(-2, 2) : count;
      const vals = Array.from({ length: Math.max(0, n) }, () => (dt === 'BOOL' ? r() < 0.5 : dt === 'BYTES' ? Buffer.from([int(0, 255)]) : int(0, 100)));
      out.contents = { [field]: vals };
    } else if (dt === 'BYTES') {
      const parts = [];
      for (let i = 0; i < count; i++) {
        const len = int(0, 6);
        const p = Buffer.alloc(4 + len);
        p.writeUInt32LE(r() < 0.05 ? pick([len + 1, 0xffffffff, len + 1000]) : len, 0);
        parts.push(p);
      }
      raws.push(Buffer.concat(parts));
    } else {
      const bytes = count * SIZE[dt] + (r() < 0.15 ? int(-3, 3) : 0);
      const b = Buffer.alloc(Math.max(0, bytes));
      for (let i = 0; i < b.length; i++) b[i] = int(0, 255);
      raws.push(b);
    }
    outputs.push(out);
  }
  if (!useContents && r() < 0.05) raws.push(Buffer.alloc(int(0, 8)));
  let bytes = encode({ model_name: 'm', model_version: '1', id: r() < 0.5 ? 'x' : '', parameters: r() < 0.2 ? { p: { int64_param: int(0, 9) } } : {}, outputs, raw_output_contents: useContents ? [] : raws });
  const mutate = r();
  if (mutate < 0.15) {
    bytes = Buffer.from(bytes);
    for (let f = int(1, 4); f > 0; f--) if (bytes.length) bytes[int(0, bytes.length - 1)] ^= 1 << int(0, 7);
  } else if (mutate < 0.25) {
    bytes = bytes.subarray(0, int(0, bytes.length));
  } else if (mutate < 0.3) {
    const at = int(0, bytes.length);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: int(1, 8) }, () => int(0, 255))), bytes.subarray(at)]);
  } else if (mutate < 0.33) {
    bytes = Buffer.from(Array.from({ length: int(0, 64) }, () => int(0, 255)));
  }
  return bytes;
}

function check(bytes) {
  let res;
  try {
    res = decodeInferResponse(bytes);
  } catch (e) {
    if (e instanceof RemoteError && e.code === 'E_REMOTE_PROTOCOL') return 'rejected';
    throw new Error(`unexpected ${e?.constructor?.name}: ${e?.code ?? ''} ${e?.message}`);
  }
  for (const o of res.outputs) {
    const n = o.shape.reduce((a, b) => a * b, 1);
    if (!o.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`accepted bad shape [${o.shape}]`);
    if (o.data.length !== n) throw new Error(`output ${o.name}: ${o.data.length} elements for shape [${o.shape}]`);
  }
  return 'decoded';
}

const counts = { decoded: 0, rejected: 0 };
const t0 = performance.now();
const { first, end } = caseRange({ cases, only });
for (let i = first; i < end; i++) {
  try {
    counts[check(makeCase(rngFor(seed, i)))]++;
  } catch (e) {
    console.error(`FAIL case ${i} (seed ${seed}): ${e.message}\nrepro: node bench/fuzz/grpcResponse.fuzz.mjs 1 ${seed} ${i}`);
    process.exit(1);
  }
}
console.log(`grpcResponse fuzz: ${cases} cases OK (${counts.decoded} decoded, ${counts.rejected} rejected) in ${secondsSince(t0)} s`);
