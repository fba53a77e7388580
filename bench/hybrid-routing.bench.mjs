// Issue 5 speed: a mixed workload — a stream of single frames plus occasional batches — run several ways
// against the same local engine (onnxruntime-node) and the same real tritonserver (CPU, python backend with
// onnxruntime, written by our own `writeModelRepository`): always-local, always-remote, the hybrid policy, and
// variants of the policy. Two setups on this 2-core machine:
//   - "shared cores": the server and the local engine share both cores, so "remote" is not extra hardware:
//     the policy has to find that out from its own timings and then do no worse than the better path alone.
//   - "separate cores": the server is pinned to core 1 and this process (local engine, HTTP client, decode)
//     to core 0, one thread each: a server on hardware of its own, as a real remote is. Here the policy
//     should beat both fixed choices wherever there is work for two (batches), and match them on a frame stream.
//
// Method: every (mix, strategy) run gets a fresh detector (so each policy run pays its own learning), the same
// warm-up, and the same workload; ROUNDS rounds, the strategy order from a carry-over-balanced design
// (lib/mixedWorkload balancedOrders) so none always runs first, last or behind the same strategy; 1 s of idle between runs. Reported per strategy: median images/s over the rounds, p95 and p99 over all rounds' latencies, and
// `vs_best_fixed` = median images/s ÷ the better fixed strategy's median. `vs_best_fixed_rounds` gives the
// same ratio within each round (min / median / max), i.e. the noise band of the comparison. Env: ROUNDS, FRAMES,
// BATCH, MIXES (comma list), SETUPS (shared,separate), DEBUG_BATCHES=1 (each batch's latency and summed stage timings),
// TRACE=1 (the policy's route per call and its cost models after each run), STRATEGIES (diagnostics: see strategiesFor),
// RESULT (results file name, default hybrid-routing: a subset run writes elsewhere rather than replace the full run).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, r3, summarize, writeResult } from './lib/harness.mjs';
import { mixRows, newAccumulator, routeCounter, routeTrace, schedule, selectStrategies } from './lib/mixedWorkload.mjs';
import { startTritonForBench } from './lib/tritonServer.mjs';

const shared = process.env.SIGHTLINE_SHARED ?? join(repoRoot, '..', 'shared');
const { createEngineDetector, createHybridDetector } = await import(join(repoRoot, 'packages/node/dist/index.js'));
const { writeModelRepository } = await import(join(repoRoot, 'packages/triton/dist/modelRepository/index.js'));

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const FRAMES = Number(process.env.FRAMES ?? 40);
const BATCH = Number(process.env.BATCH ?? 16);
const ONLY = process.env.MIXES?.split(',');
const SETUPS = (process.env.SETUPS ?? 'shared,separate').split(',');
const work = mkdtempSync(join(tmpdir(), 'sightline-hybrid-bench-'));
const model = join(shared, 'models', 'yolov8n_dynamic_batch.onnx');
const images = ['bus.jpg', 'zidane.jpg', 'coco_000000000074.jpg', 'horse-cart.jpg'].map((f) => readFileSync(join(shared, 'images', f)));
const pick = (n, o = 0) => Array.from({ length: n }, (_, i) => images[(i + o) % images.length]);

/**
 * The two setups. `cpus`: where this process (local engine, client, decode) and the server may run;
 * `threads`: onnxruntime threads per operator on each side (0 = all the process may use).
 */
const setups = {
  'shared cores': { key: 'shared', self: '0,1', server: undefined, threads: 0 },
  'separate cores': { key: 'separate', self: '0', server: '1', threads: 1 },
};

function strategiesFor(setup, remote) {
  const engine = setup.threads ? { intraOpNumThreads: setup.threads } : {};
  const all = {
    'always-local': () => createEngineDetector({ model, backend: 'cpu', ...engine }),
    // A/A control: always-local again, scored against the first one. Its ratio is the noise band any
    // policy-vs-fixed comparison on this machine has to be read against.
    'always-local, again (A/A)': () => createEngineDetector({ model, backend: 'cpu', ...engine }),
    'always-remote': () => createEngineDetector({ model, backend: 'remote', remote }),
    policy: (onRoute) => createHybridDetector({ model, remote, onRoute, ...engine }),
    'policy, interleave': (onRoute) => createHybridDetector({ model, remote, onRoute, contention: { interleave: true }, ...engine }),
    'policy, contention detection off': (onRoute) => createHybridDetector({ model, remote, onRoute, contention: { detect: false }, ...engine }),
    // Diagnostics, run only when named in STRATEGIES: the hybrid detector pinned local, without and with the
    // start-up probe — what the policy's wrapper and its probe cost with no routing at all.
    'hybrid, pinned local': (onRoute) => createHybridDetector({ model, remote, onRoute, policy: { mode: 'local' }, probe: false, ...engine }),
    'probe, then hybrid pinned local': (onRoute) => createHybridDetector({ model, remote, onRoute, policy: { mode: 'local' }, probe: true, ...engine }),
  };
  // With a server of its own there is no contention to detect: the variants would repeat the policy.
  if (setup.key === 'separate') for (const k of ['policy, interleave', 'policy, contention detection off']) delete all[k];
  return all;
}

// Mixes: frames only; a frame stream with a batch every ~FRAMES/2 frames (the stream keeps going while the
// batch runs); batches only.
const mixes = Object.fromEntries(
  Object.entries({
    'frames only': { frames: FRAMES, batches: 0 },
    'frames + batches': { frames: FRAMES, batches: 2 },
    'batches only': { frames: 0, batches: 4 },
  }).filter(([k]) => !ONLY || ONLY.includes(k)),
);

async function runMix(det, mix) {
  const frameLat = [];
  const batchLat = [];
  const paths = { local: 0, remote: 0 };
  let images = 0;
  // Where each image ran: the hybrid's route, or the fixed engine's backend.
  const tally = (o) => paths[(o.route?.path ?? (String(o.backend).startsWith('triton') ? 'remote' : 'local'))]++;
  const t0 = performance.now();
  const stream = (async () => {
    for (let i = 0; i < mix.frames; i++) {
      const t = performance.now();
      tally(await det.detect(pick(1, i)[0]));
      frameLat.push(performance.now() - t);
      images++;
    }
  })();
  const batches = (async () => {
    for (let b = 0; b < mix.batches; b++) {
      if (mix.frames) await new Promise((r) => setTimeout(r, 50));
      const t = performance.now();
      const out = await det.detectBatch(pick(BATCH, b));
      batchLat.push(performance.now() - t);
      if (process.env.DEBUG_BATCHES) {
        const sum = (k) => Math.round(out.reduce((a, o) => a + (o.timings?.[k] ?? 0), 0));
        console.log('  batch', b, JSON.stringify({ startMs: Math.round(t - t0), ms: Math.round(performance.now() - t), inference: sum('inference'), preprocess: sum('preprocess'), decode: sum('decode'), total: sum('total'), paths: [...new Set(out.map((o) => o.route?.path ?? o.backend))] }));
      }
      out.forEach(tally);
      images += out.length;
    }
  })();
  await Promise.all([stream, batches]);
  const wall = performance.now() - t0;
  return { ips: images / (wall / 1000), frameLat, batchLat, paths };
}

/** Every (round, mix, strategy) run of one setup; returns its rows, case names prefixed with the setup. */
async function runSetup(setupName, setup) {
  // Pin this process (all its threads) and the server; the shared setup undoes an earlier pinning.
  execFileSync('taskset', ['-a', '-p', '-c', setup.self, String(process.pid)], { stdio: 'ignore' });
  const repo = join(work, setup.key);
  await writeModelRepository({ onnx: model, outDir: repo, name: 'yolov8n', backend: 'python', device: 'cpu', maxBatchSize: 8, preferredBatchSizes: [4, 8], ensembleUint8: false, end2end: false, fp16: false });
  if (setup.threads) {
    // The python model reads its onnxruntime thread count from this parameter (0 = all cores it can see).
    appendFileSync(join(repo, 'models', 'yolov8n', 'config.pbtxt'), `\nparameters { key: "threads" value: { string_value: "${setup.threads}" } }\n`);
  }
  const server = await startTritonForBench([join(repo, 'models')], { cpus: setup.server });
  const strategies = strategiesFor(setup, { url: server.httpUrl, model: 'yolov8n', timeoutMs: 120_000 });
  // STRATEGIES: names separated by '|' (always-local and always-remote are always added); by default every strategy but the diagnostics.
  const names = selectStrategies(strategies, process.env.STRATEGIES, ['hybrid, pinned local', 'probe, then hybrid pinned local']);
  const results = {}; // mix -> strategy -> newAccumulator()
  try {
    for (const { round, mixName, mix, name } of schedule(ROUNDS, mixes, names)) {
      const acc = ((results[mixName] ??= {})[name] ??= newAccumulator());
      let counting = false;
      const count = routeCounter(acc, () => counting);
      let det;
      const trace = process.env.TRACE && name === 'policy' ? routeTrace(() => counting, () => det?.router) : null;
      const onRoute = (e) => {
        count(e);
        trace?.onRoute(e);
      };
      det = await strategies[name](onRoute);
      // Warm-up (the same for every strategy): one frame and one 4-image batch. The policy's start-up probe
      // ran at creation (solo on each path, then both at once), which is how it knows whether the paths contend.
      await det.detect(images[0]);
      await det.detectBatch(pick(4));
      counting = true;
      const r = await runMix(det, mix);
      if (det.router) acc.gain.push(det.router.assessContention().gain);
      if (trace) console.log('  trace', trace.summary());
      await det.dispose();
      // Let the server and the collector settle, so no run inherits the previous one's tail.
      await new Promise((r) => setTimeout(r, 1000));
      acc.ips.push(r.ips);
      acc.frameLat.push(...r.frameLat);
      acc.batchLat.push(...r.batchLat);
      acc.paths.local += r.paths.local;
      acc.paths.remote += r.paths.remote;
      console.log(`${setupName} · round ${round + 1}/${ROUNDS}`, mixName, '·', name, JSON.stringify({ ips: r3(r.ips), frameP95: r3(summarize(r.frameLat).p95), batchP95: r3(summarize(r.batchLat).p95), paths: r.paths }));
    }
  } finally {
    await server.stop();
  }
  return mixRows(results, names, (a) => ({ images_local_remote: `${a.paths.local} / ${a.paths.remote}` })).map((row) => ({ setup: setupName, ...row }));
}

const rows = [];
try {
  for (const [name, setup] of Object.entries(setups)) if (SETUPS.includes(setup.key)) rows.push(...(await runSetup(name, setup)));
} finally {
  rmSync(work, { recursive: true, force: true });
}

writeResult(process.env.RESULT ?? 'hybrid-routing', rows, {
  description:
    `Mixed workload with YOLOv8n: ${FRAMES} single frames (closed loop) and/or batches of ${BATCH} images; ${ROUNDS} rounds, strategy order from a carry-over-balanced design (each round the next row: over a full cycle every strategy runs once in every position and once right after every other), 1 s idle between runs, a fresh detector per run after a 1-frame + 4-image warm-up. ` +
    '`images_per_s` = median over rounds (range beside it); p95/p99 over all rounds\' latencies (with 2 batches per 40 frames, the frames that wait behind a whole batch are ~5 % of all: p99 shows them); `vs_best_fixed` = median images/s ÷ the better of always-local and always-remote (≥ 1.0 = the policy matches or beats the best fixed choice); `vs_best_fixed_rounds` = that ratio within each round, min / median / max (the noise band). ' +
    '`routes` counts the policy\'s onRoute reasons in the measured window; `overlap_gain` = the policy\'s learned combined rate of both paths at once ÷ the best single path (< 1.35 → contended).' + ' `fallbacks`: items recomputed on the other path, by error code (none expected here).',
  notes: [
    'Local = onnxruntime-node CPU; remote = the real tritonserver (python backend running onnxruntime). "shared cores": both on the same 2 cores, so remote adds no compute: running both at once only splits the cores, and the server is the dearer path per image. "separate cores": the server pinned to core 1, this process (local engine, HTTP client, JPEG decode, pre- and post-processing of both paths) to core 0, onnxruntime one thread on each side: the server is hardware of its own, as a real remote is.',
    'The policy learns that from overlap-aware timings (start-up probe: each path alone, then both at once; then every call): each path\'s slowdown while the other works, hence overlap_gain < 1.35 → reason \'contended\': each call runs on the path cheaper for it, one at a time across both paths (one queue, as a fixed path has), batches whole; a path that looks a little dearer is re-measured by a single frame every ~(ratio − 1)/1 % calls (by a batch every ~(ratio − 1)/1 % batches of that size; sooner, after 4, 8, 16, … calls, for a path left because it got dearer); a cost extrapolated to a batch size a path never ran counts 10 % dearer when choosing against one measured at that size; only a re-probe after a doubling back-off (30 s, 60 s, …) overlaps the paths again. "policy, interleave" (`contention: { interleave: true }`) feeds batches in chunks between frames instead. The start-up probe runs at detector creation, outside the measured window, as model loading does for every strategy.',
    '"always-local, again (A/A)" is always-local run a second time in the same rounds and scored like the policies: its vs_best_fixed and p95 spread are what identical routing gets on this machine, the yardstick for "matches the best fixed choice".',
    '"policy, contention detection off" is the same router with `contention: { detect: false }`: what the policy did before (send the batch remote while frames run locally; split batches) — both paths slow down on the shared cores.',
    'Separate cores: a closed-loop frame stream has one frame in flight, so no routing can beat the cheaper path there (the policy should match it); batches can be split so both cores finish together, and a frame stream meeting a batch can keep one path while the batch takes the other.',
    'The same mix with a GPU on both sides is hybrid-gpu-h100 / hybrid-gpu-h200 (WebGPU through Dawn vs Triton on the same GPU). core/test/routing-contention.test.ts checks on a simulated clock that the policy keeps offloading and splitting when the remote is an independent resource.',
  ],
});
