#!/usr/bin/env node
// `npm run demo`: build the demo (Vite, packages from source) and serve it on $PORT (default 5173) with
// COOP/COEP + CSP. The default model is ../shared/models/yolov8n.onnx when present, served, never copied.
import { buildDemo } from './build.mjs';
import { startDemoServer } from './server.mjs';

const port = Number(process.env.PORT ?? 5173);
const host = process.env.HOST ?? 'localhost';
console.log('building the demo…');
const root = await buildDemo({ quiet: true });
const s = await startDemoServer({ root, port, host });
console.log(`Sightline demo: ${s.url}`);
console.log(s.config.defaultModel
  ? `default model: ${s.config.defaultModel.name} (${(s.config.defaultModel.bytes / 1e6).toFixed(1)} MB, served from ../shared/models)`
  : 'no default model (../shared/models/yolov8n.onnx not found): the page asks for a model URL or file');
if (s.config.remoteUrls.length) console.log(`remote servers allowed by the CSP: ${s.config.remoteUrls.join(', ')}`);
else console.log('to try a Triton server, start with SIGHTLINE_REMOTE_URLS="http://host:8000"');
const shutdown = () => void s.close().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
