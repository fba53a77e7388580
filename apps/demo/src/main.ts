// The Sightline demo: camera, images (single, batch, paste, drop), model picker with download progress and
// cache control, backend switch with visible fallback reasons, thresholds, live HUD, local vs remote.
import type { Detection } from '@sightline/core';
import {
  createDetector,
  createOverlay,
  DEFAULT_CACHE_NAME,
  evictModel,
  type DetectResult,
  isItemError,
  type Detector,
  type DetectorOptions,
  type ItemError,
  type Overlay,
  type WatchHandle,
} from '@sightline/web';
import { formatBytes, setStatus, showStats, showTimings, summarize, ui } from './ui.js';
import { paintStill } from './stillImage.js';
import { hook, recordFrame } from './testHook.js';

interface DemoConfig {
  defaultModel: { url: string; name: string; bytes: number } | null;
  samples: string[];
  remoteUrls: string[];
}

type BackendUi = 'auto' | 'webgpu' | 'wasm' | 'remote';
type ModelChoice = { kind: 'url'; url: string; name: string } | { kind: 'file'; file: File };

const params = new URLSearchParams(location.search);
let config: DemoConfig = { defaultModel: null, samples: [], remoteUrls: [] };
let model: ModelChoice | null = null;
let detector: Detector | null = null;
let remoteSupported: boolean | null = null;
let watchHandle: WatchHandle | null = null;
let overlay: Overlay | null = null;
let stream: MediaStream | null = null;
let sampleIndex = 0;
let bytesToServer = 0;
let currentStill: { bitmap: ImageBitmap; name: string } | null = null;
let loadSeq = 0;

const conf = () => Number(ui.conf.value);
const iou = () => Number(ui.iou.value);
const errorText = (e: unknown) => (e instanceof Error ? `${(e as { code?: string }).code ? `${(e as { code?: string }).code}: ` : ''}${e.message}` : String(e));

function fail(what: string, e: unknown): void {
  const text = `${what}: ${errorText(e)}`;
  hook.errors.push(text);
  setStatus(text);
  console.error(text, e);
}

function remoteConfig(): { url: string; model: string } | null {
  const url = ui.remoteUrl.value.trim();
  const name = ui.remoteModel.value.trim();
  return url && name ? { url, model: name } : null;
}

function modelSource(m: ModelChoice): DetectorOptions['model'] {
  return m.kind === 'url' ? m.url : m.file;
}

/** Create a detector for the current model and backend. `remote` routing is used when this build has it. */
async function makeDetector(m: ModelChoice, backend: BackendUi, onProgress = true, withRemote = true): Promise<Detector> {
  const remote = remoteConfig();
  const opts: DetectorOptions = {
    model: modelSource(m),
    backend: backend === 'remote' ? 'auto' : backend,
    conf: conf(),
    iou: iou(),
    onProgress: onProgress
      ? (e) => {
          if (e.stage === 'model') {
            ui.progress.max = e.total ?? Math.max(e.loaded, 1);
            ui.progress.value = e.loaded;
            ui.modelInfo.textContent = e.fromCache ? 'Loading from cache…' : `Downloading ${formatBytes(e.loaded)}${e.total ? ` of ${formatBytes(e.total)}` : ''}…`;
          } else if (e.stage === 'session') ui.modelInfo.textContent = 'Compiling the model…';
          else ui.modelInfo.textContent = 'Warming up…';
        }
      : undefined,
    onFallback: (e) => {
      const text = `Fell back from ${e.from} to ${e.to}: ${e.reason}`;
      hook.fallbacks.push(text);
      ui.fallback.textContent = text;
      ui.fallback.hidden = false;
    },
  };
  if (remote && (backend === 'remote' || withRemote)) {
    // Hybrid mode: 'remote' pins every call to Triton; otherwise the library routes per call (batches go remote
    // when that is cheaper) and recomputes failed items locally.
    try {
      const d = await createDetector({ ...opts, remote, policy: { mode: backend === 'remote' ? 'remote' : 'auto' } });
      remoteSupported = true;
      return d as unknown as Detector;
    } catch (e) {
      if ((e as { code?: string }).code !== 'E_INVALID_OPTION') throw e;
      remoteSupported = false;
      ui.remoteNote.textContent = `Remote routing refused: ${errorText(e)}; running locally.`;
    }
  }
  return createDetector(opts);
}

async function loadModel(m: ModelChoice): Promise<void> {
  const seq = ++loadSeq;
  model = m;
  hook.modelReady = false;
  ui.modelHelp.hidden = true;
  ui.fallback.hidden = true;
  ui.progress.value = 0;
  const wasWatching = !!watchHandle;
  stopWatching();
  const old = detector;
  detector = null;
  await old?.dispose().catch(() => {});
  const backend = ui.backend.value as BackendUi;
  setStatus(`Loading ${m.kind === 'url' ? m.name : m.file.name} on ${backend}…`);
  try {
    const d = await makeDetector(m, backend);
    if (seq !== loadSeq) return void d.dispose();
    detector = d;
    hook.info = d.info;
    hook.modelReady = true;
    ui.progress.value = ui.progress.max;
    const i = d.info;
    ui.modelInfo.textContent = `${m.kind === 'url' ? m.name : m.file.name}: ${i.inputSize[1]}×${i.inputSize[0]}, ${i.labels.length} classes, ${formatBytes(i.modelBytes)}, ${i.numThreads} thread${i.numThreads === 1 ? '' : 's'}`;
    ui.hud.backend.textContent = i.backend;
    if (i.fallbacks.length === 0) ui.fallback.hidden = true;
    setStatus(`Ready on ${i.backend}. Start the camera or give it an image.`);
    await showCacheStatus();
    if (wasWatching && stream) startWatching();
    else if (currentStill) await detectStill(currentStill.bitmap, currentStill.name);
  } catch (e) {
    if (seq === loadSeq) fail('Could not load the model', e);
  }
}

async function showCacheStatus(): Promise<void> {
  if (!model || model.kind !== 'url' || typeof caches === 'undefined') {
    ui.cacheStatus.textContent = model?.kind === 'file' ? 'Local file: not cached.' : '';
    ui.cacheEvict.disabled = true;
    return;
  }
  const abs = new URL(model.url, location.href).href;
  const hit = await (await caches.open(DEFAULT_CACHE_NAME)).match(abs).catch(() => undefined);
  ui.cacheStatus.textContent = hit ? 'Cached in this browser: the next visit loads without downloading.' : 'Not cached.';
  ui.cacheEvict.disabled = !hit;
}

// ---- camera ----------------------------------------------------------------------------------------

async function listCameras(): Promise<void> {
  if (!navigator.mediaDevices?.enumerateDevices) return;
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const keep = ui.camera.value;
  ui.camera.replaceChildren(new Option('Default camera', ''));
  devices.forEach((d, i) => ui.camera.add(new Option(d.label || `Camera ${i + 1}`, d.deviceId)));
  ui.camera.value = devices.some((d) => d.deviceId === keep) ? keep : '';
}

function showMode(mode: 'idle' | 'camera' | 'image'): void {
  ui.stage.dataset.mode = mode;
  ui.video.hidden = mode !== 'camera';
  ui.still.hidden = mode !== 'image';
  ui.placeholder.hidden = mode !== 'idle';
}

async function startCamera(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) return fail('Camera', new Error('this browser has no camera access (needs https or localhost)'));
  stopCamera();
  ui.camStart.disabled = true;
  try {
    const id = ui.camera.value;
    stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: id ? { deviceId: { exact: id } } : { width: { ideal: 1280 }, height: { ideal: 720 } } });
    hook.stream = stream;
    ui.video.srcObject = stream;
    showMode('camera');
    await ui.video.play();
    ui.camStop.disabled = false;
    overlay ??= createOverlay(ui.video, { className: 'overlay' });
    void listCameras();
    if (detector) startWatching();
    else setStatus('Camera on; load a model to detect.');
  } catch (e) {
    stopCamera();
    fail('Could not start the camera', e);
  } finally {
    ui.camStart.disabled = false;
  }
}

function startWatching(): void {
  if (!detector || !stream) return;
  stopWatching();
  setStatus(`Watching the camera on ${detector.info.backend}.`);
  watchHandle = detector.watch(ui.video, {
    conf: conf(),
    iou: iou(),
    track: ui.track.checked,
    onResult: (r) => {
      overlay?.draw(r.detections, r.width, r.height);
      recordFrame({ frameIndex: r.frameIndex, width: r.width, height: r.height, detections: r.detections });
      hook.stats = r.stats;
      showStats(r.stats);
      ui.hud.objects.textContent = String(r.detections.length);
      addBytes(r);
    },
    onError: (e) => fail('Detection', e),
  });
}

function stopWatching(): void {
  watchHandle?.stop();
  watchHandle = null;
}

function stopCamera(): void {
  stopWatching();
  // Stopping the tracks releases the camera (the browser's indicator goes off).
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  ui.video.srcObject = null;
  overlay?.clear();
  ui.camStop.disabled = true;
  if (ui.stage.dataset.mode === 'camera') showMode(currentStill ? 'image' : 'idle');
}

// ---- images ----------------------------------------------------------------------------------------

function backendText(r: DetectResult): string {
  return r.route ? `${r.backend} (${r.route.path})` : r.backend;
}

function addBytes(r: DetectResult): void {
  if (r.bytes) {
    bytesToServer += r.bytes.up;
    ui.hud.bytes.textContent = formatBytes(bytesToServer);
  }
}

async function detectStill(bitmap: ImageBitmap, name: string): Promise<void> {
  currentStill?.bitmap !== bitmap && currentStill?.bitmap.close();
  currentStill = { bitmap, name };
  stopCamera();
  showMode('image');
  paintStill(ui.still, bitmap, []);
  if (!detector) return setStatus('Load a model to detect.');
  setStatus(`Detecting ${name}…`);
  try {
    // keep our bitmap: send the worker its own copy.
    const copy = await createImageBitmap(bitmap);
    const r = await detector.detect(copy, { conf: conf(), iou: iou() });
    paintStill(ui.still, bitmap, r.detections);
    hook.last = { source: 'image', frameIndex: 0, width: r.width, height: r.height, detections: r.detections };
    ui.hud.backend.textContent = backendText(r);
    ui.hud.objects.textContent = String(r.detections.length);
    ui.hud.fps.textContent = '–';
    showTimings(r.timings);
    addBytes(r);
    setStatus(`${name}: ${summarize(r.detections)} (${r.timings.total.toFixed(0)} ms on ${r.backend}).`);
  } catch (e) {
    fail(`Could not detect ${name}`, e);
  }
}

async function openImages(files: File[]): Promise<void> {
  const images = files.filter((f) => f.type.startsWith('image/') || (f.type === '' && /\.(jpe?g|png|webp|gif|bmp|avif)$/i.test(f.name)));
  if (images.length === 0) return setStatus('No images in what was given.');
  if (images.length === 1) {
    try {
      return await detectStill(await createImageBitmap(images[0]), images[0].name);
    } catch (e) {
      return fail(`Could not open ${images[0].name}`, e);
    }
  }
  await runBatch(images);
}

const BATCH_CHUNK = 8;

async function runBatch(files: File[]): Promise<void> {
  if (!detector) return setStatus('Load a model first.');
  ui.batch.hidden = false;
  ui.batchGrid.replaceChildren();
  hook.batch = [];
  const t0 = performance.now();
  let done = 0;
  for (let i = 0; i < files.length; i += BATCH_CHUNK) {
    const chunk = files.slice(i, i + BATCH_CHUNK);
    setStatus(`Batch: ${done}/${files.length}…`);
    try {
      // A hybrid detector answers one outcome per item: a result or that item's own error.
      const results = (await detector.detectBatch(chunk, { conf: conf(), iou: iou() })) as Array<DetectResult | ItemError>;
      for (let k = 0; k < chunk.length; k++) {
        const o = results[k];
        const li = document.createElement('li');
        const canvas = document.createElement('canvas');
        const cap = document.createElement('p');
        li.append(canvas, cap);
        ui.batchGrid.append(li);
        if (isItemError(o)) {
          cap.textContent = `${chunk[k].name}: failed (${errorText(o.error)})`;
          hook.errors.push(cap.textContent);
          continue;
        }
        const r = o;
        cap.textContent = `${chunk[k].name}: ${summarize(r.detections)}${r.route ? ` — ${r.route.path}` : ''}`;
        const bmp = await createImageBitmap(chunk[k]);
        paintStill(canvas, bmp, r.detections, 480);
        bmp.close();
        hook.batch.push({ name: chunk[k].name, detections: r.detections });
        addBytes(r);
        ui.hud.backend.textContent = backendText(r);
      }
    } catch (e) {
      fail(`Batch item ${i + 1}–${i + chunk.length}`, e);
    }
    done += chunk.length;
  }
  const per = (performance.now() - t0) / files.length;
  ui.batchSummary.textContent = `${files.length} images, ${per.toFixed(0)} ms each`;
  setStatus(`Batch done: ${files.length} images.`);
}

async function trySample(): Promise<void> {
  if (config.samples.length === 0) return;
  const url = config.samples[sampleIndex++ % config.samples.length];
  try {
    const blob = await (await fetch(url)).blob();
    await detectStill(await createImageBitmap(blob), decodeURIComponent(url.split('/').pop() ?? 'sample'));
  } catch (e) {
    fail('Could not load the sample', e);
  }
}

// ---- local vs remote -------------------------------------------------------------------------------

async function compare(): Promise<void> {
  const remote = remoteConfig();
  if (!model || !currentStill || !remote) return setStatus('Open an image and set a Triton URL first.');
  setStatus('Comparing local and remote…');
  let remoteDet: Detector | null = null;
  let localDet: Detector | null = null;
  try {
    localDet = await makeDetector(model, 'auto', false, false);
    remoteDet = await makeDetector(model, 'remote', false);
    if (remoteSupported === false) return;
    const [a, b] = [await localDet.detect(await createImageBitmap(currentStill.bitmap), { conf: conf(), iou: iou() }), await remoteDet.detect(await createImageBitmap(currentStill.bitmap), { conf: conf(), iou: iou() })];
    ui.compare.hidden = false;
    paintStill(ui.compareLocal, currentStill.bitmap, a.detections, 960);
    paintStill(ui.compareRemote, currentStill.bitmap, b.detections, 960);
    ui.compareLocalCap.textContent = `${a.backend}: ${summarize(a.detections)}, ${a.timings.total.toFixed(0)} ms`;
    ui.compareRemoteCap.textContent = `${b.backend}: ${summarize(b.detections)}, ${b.timings.total.toFixed(0)} ms`;
    addBytes(b);
    hook.compare = { local: a.detections as Detection[], remote: b.detections as Detection[] };
    setStatus('Compared.');
  } catch (e) {
    fail('Compare', e);
  } finally {
    await localDet?.dispose().catch(() => {});
    await remoteDet?.dispose().catch(() => {});
  }
}

function updateRemoteUi(): void {
  const r = remoteConfig();
  ui.compareBtn.disabled = !r || remoteSupported === false;
  if (remoteSupported === false) return;
  if (!r) ui.remoteNote.textContent = config.remoteUrls.length ? '' : 'The page may only reach servers the demo server allows: start it with SIGHTLINE_REMOTE_URLS="http://host:8000".';
  else if (!config.remoteUrls.some((u) => new URL(u).origin === safeOrigin(r.url))) ui.remoteNote.textContent = 'This server is not in the Content-Security-Policy: restart the demo with SIGHTLINE_REMOTE_URLS set to it.';
  else ui.remoteNote.textContent = 'Batches and the remote backend go to this server.';
}

function safeOrigin(u: string): string | null {
  try {
    return new URL(u).origin;
  } catch {
    return null;
  }
}

// ---- wiring ----------------------------------------------------------------------------------------

function wire(): void {
  ui.camStart.addEventListener('click', () => void startCamera());
  ui.camStop.addEventListener('click', () => {
    stopCamera();
    setStatus('Camera stopped.');
  });
  ui.camera.addEventListener('change', () => void (stream && startCamera()));
  ui.track.addEventListener('change', () => void (watchHandle && startWatching()));
  ui.files.addEventListener('change', () => void openImages([...(ui.files.files ?? [])]));
  // A folder holds anything: openImages keeps the images (by MIME type, or extension when the type is empty).
  ui.folder.addEventListener('change', () => void openImages([...(ui.folder.files ?? [])]));
  ui.sample.addEventListener('click', () => void trySample());
  ui.compareBtn.addEventListener('click', () => void compare());
  ui.modelLoad.addEventListener('click', () => {
    const file = ui.modelFile.files?.[0];
    const url = ui.modelUrl.value.trim();
    if (file) void loadModel({ kind: 'file', file });
    else if (url) void loadModel({ kind: 'url', url, name: url.split('/').pop() || url });
    else if (model) void loadModel(model);
    else ui.modelHelp.hidden = false;
  });
  ui.cacheEvict.addEventListener('click', async () => {
    if (model?.kind !== 'url') return;
    await evictModel(model.url);
    await showCacheStatus();
  });
  ui.backend.addEventListener('change', () => void (model && loadModel(model)));
  for (const [input, out] of [
    [ui.conf, ui.confOut],
    [ui.iou, ui.iouOut],
  ] as const) {
    input.addEventListener('input', () => {
      out.textContent = Number(input.value).toFixed(2);
      watchHandle?.setOptions({ conf: conf(), iou: iou() });
    });
    input.addEventListener('change', () => void (currentStill && !stream && detectStill(currentStill.bitmap, currentStill.name)));
  }
  ui.remoteUrl.addEventListener('input', updateRemoteUi);
  ui.remoteModel.addEventListener('input', updateRemoteUi);
  // Drop and paste: files only, never markup.
  ui.stage.addEventListener('dragover', (e) => {
    e.preventDefault();
    ui.stage.classList.add('drag');
  });
  ui.stage.addEventListener('dragleave', () => ui.stage.classList.remove('drag'));
  ui.stage.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.stage.classList.remove('drag');
    void openImages([...(e.dataTransfer?.files ?? [])]);
  });
  document.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) void openImages(files);
  });
  navigator.mediaDevices?.addEventListener?.('devicechange', () => void listCameras());
}

async function main(): Promise<void> {
  wire();
  showMode('idle');
  try {
    const r = await fetch('/config.json');
    if (r.ok) config = (await r.json()) as DemoConfig;
  } catch {
    /* static hosting without the demo server: no default model, no samples */
  }
  const b = params.get('backend');
  if (b === 'auto' || b === 'webgpu' || b === 'wasm' || b === 'remote') ui.backend.value = b;
  ui.sample.disabled = config.samples.length === 0;
  if (config.remoteUrls[0]) ui.remoteUrl.value = config.remoteUrls[0];
  updateRemoteUi();
  await listCameras().catch(() => {});
  hook.ready = true;
  const requested = params.get('model');
  if (requested) ui.modelUrl.value = requested;
  if (requested) await loadModel({ kind: 'url', url: requested, name: requested.split('/').pop() || requested });
  else if (config.defaultModel) {
    ui.modelUrl.value = new URL(config.defaultModel.url, location.href).href;
    await loadModel({ kind: 'url', url: config.defaultModel.url, name: config.defaultModel.name });
  } else {
    ui.modelHelp.hidden = false;
    setStatus('No default model: give a model URL or file.');
  }
}

void main();
