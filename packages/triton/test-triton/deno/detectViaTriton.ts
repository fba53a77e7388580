// Runs under Deno (npm package `deno`), not Node: proves the core and the Triton client need nothing but
// `fetch` and standard web APIs. Reads raw RGB pixels prepared by the test, letterboxes them with the core,
// sends them to Triton with the fetch-based client, decodes with the core, prints the detections as JSON.
// usage: deno run --allow-read --allow-net detectViaTriton.ts <httpUrl> <model> <pixels.rgb> <width> <height> <labels.txt>
import { LetterboxPreprocessor } from '@sightline/core';
import { RemoteDetector, TritonHttpClient } from '@sightline/triton';

declare const Deno: { args: string[]; readFile(p: string): Promise<Uint8Array>; readTextFile(p: string): Promise<string>; version: { deno: string } };

const [url, model, pixelsPath, w, h, labelsPath] = Deno.args;
const width = Number(w);
const height = Number(h);
const data = await Deno.readFile(pixelsPath);
const labels = (await Deno.readTextFile(labelsPath)).split('\n').map((s) => s.trim()).filter(Boolean);

const client = new TritonHttpClient({ url });
const detector = await RemoteDetector.create({ client, model, labels });
const pre = new LetterboxPreprocessor();
const { data: tensor, geometry } = pre.run({ data, width, height, channels: 3 }, { width: detector.inputWidth, height: detector.inputHeight, dtype: detector.inputDType });
const [result] = await detector.detect([{ data: tensor.slice(), geometry }], { conf: 0.25, iou: 0.7, maxDet: 300 });
if (!result.ok) {
  console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, error: { code: result.error.code, message: result.error.message } }));
} else {
  console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, detections: result.detections, bytesSent: result.bytesSent, bytesReceived: result.bytesReceived }));
}
await client.close();
