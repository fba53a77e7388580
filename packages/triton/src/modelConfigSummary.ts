// Reads the parts of a Triton model config that clients act on (batching, I/O, instances) from the JSON
// form served at /v2/models/{m}/config (the gRPC ModelConfig in JSON form has the same field names).
import { RemoteError } from '@sightline/core';
import { isKServeDataType } from './datatypes.js';
import type { KServeDataType, ModelConfigSummary, TensorConfig } from './types.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pick(o: Record<string, unknown>, snake: string, camel: string): unknown {
  return o[snake] ?? o[camel];
}

/** int64/uint64 fields may come as JSON strings (protobuf JSON mapping). */
function int(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return fallback;
}

/** Triton config type (TYPE_FP32) → KServe datatype (FP32). */
export function configTypeToDataType(t: unknown): KServeDataType {
  const s = typeof t === 'string' ? t.replace(/^TYPE_/, '') : '';
  const dt = s === 'STRING' ? 'BYTES' : s;
  if (!isKServeDataType(dt)) throw new RemoteError('E_REMOTE_PROTOCOL', `model config has an unknown data_type ${JSON.stringify(t)}`);
  return dt;
}

function tensors(v: unknown, what: string): TensorConfig[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new RemoteError('E_REMOTE_PROTOCOL', `model config ${what} is not an array`);
  return v.map((t, i) => {
    if (!isRecord(t) || typeof t.name !== 'string') throw new RemoteError('E_REMOTE_PROTOCOL', `model config ${what}[${i}] has no name`);
    const dims = pick(t, 'dims', 'dims');
    if (!Array.isArray(dims)) throw new RemoteError('E_REMOTE_PROTOCOL', `model config ${what} '${t.name}' has no dims`);
    return { name: t.name, datatype: configTypeToDataType(pick(t, 'data_type', 'dataType')), dims: dims.map((d) => int(d, -1)) };
  });
}

/** Summarise a model config (JSON form). Throws E_REMOTE_PROTOCOL when it is not one. */
export function summarizeModelConfig(raw: unknown): ModelConfigSummary {
  // Some servers wrap it as { config: {...} } (gRPC ModelConfigResponse).
  const cfg = isRecord(raw) && isRecord(raw.config) && raw.name === undefined ? raw.config : raw;
  if (!isRecord(cfg) || typeof cfg.name !== 'string') throw new RemoteError('E_REMOTE_PROTOCOL', 'model config is not an object with a name');
  const db = pick(cfg, 'dynamic_batching', 'dynamicBatching');
  const groups = pick(cfg, 'instance_group', 'instanceGroup');
  let instanceCount = 1;
  if (Array.isArray(groups) && groups.length > 0) {
    instanceCount = groups.reduce((n: number, g) => n + (isRecord(g) ? Math.max(1, int(g.count, 1)) : 0), 0) || 1;
  }
  const summary: ModelConfigSummary = {
    name: cfg.name,
    maxBatchSize: Math.max(0, int(pick(cfg, 'max_batch_size', 'maxBatchSize'), 0)),
    inputs: tensors(cfg.input, 'input'),
    outputs: tensors(cfg.output, 'output'),
    dynamicBatching: isRecord(db)
      ? {
          preferredBatchSize: (Array.isArray(pick(db, 'preferred_batch_size', 'preferredBatchSize')) ? (pick(db, 'preferred_batch_size', 'preferredBatchSize') as unknown[]) : []).map((x) => int(x, 0)),
          maxQueueDelayMicroseconds: int(pick(db, 'max_queue_delay_microseconds', 'maxQueueDelayMicroseconds'), 0),
        }
      : null,
    instanceCount,
    raw,
  };
  if (typeof cfg.platform === 'string' && cfg.platform) summary.platform = cfg.platform;
  if (typeof cfg.backend === 'string' && cfg.backend) summary.backend = cfg.backend;
  return summary;
}

/**
 * A tensor's dims for one item: a config with max_batch_size > 0 leaves the batch dim out, one with 0 lists it
 * first. Every client reading image or output shapes off a config needs the same answer.
 */
export function perItemDims(config: Pick<ModelConfigSummary, 'maxBatchSize'>, tensor: Pick<TensorConfig, 'dims'>): number[] {
  return config.maxBatchSize > 0 ? [...tensor.dims] : tensor.dims.slice(1);
}
