/** The fields every Node result shares (detector and classifier alike): provenance, size, stage timings, bytes. */
import type { PixelBuffer } from '@sightline/core';
import type { NodeBackendName } from '../engines/inferenceEngine.js';
import type { NodeTimings } from '../types.js';
import type { StageResult } from './batchRunner.js';

export interface ResultFields {
  backend: NodeBackendName;
  width: number;
  height: number;
  timings: NodeTimings;
  bytes?: { up: number; down: number };
}

export function resultFields(backend: NodeBackendName, px: PixelBuffer, decodeMs: number, s: StageResult<unknown>): ResultFields {
  return {
    backend,
    width: px.width,
    height: px.height,
    timings: { decode: decodeMs, preprocess: s.preprocessMs, inference: s.inferenceMs, postprocess: s.postprocessMs, total: decodeMs + s.preprocessMs + s.inferenceMs + s.postprocessMs },
    ...(s.bytes ? { bytes: s.bytes } : {}),
  };
}
