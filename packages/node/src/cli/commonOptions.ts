/** Options every model-running command shares (model, backend, remote), parsed and checked once. */
import { readFileSync } from 'node:fs';
import type { NodeBackendChoice } from '../engines/selectEngine.js';
import type { RemoteOptions } from '../engines/tritonRemote.js';
import { UsageError } from './cliError.js';

export const sharedOptionSpec = {
  model: { type: 'string' },
  labels: { type: 'string' },
  backend: { type: 'string' },
  remote: { type: 'string' },
  'remote-model': { type: 'string' },
  protocol: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface SharedValues {
  model?: string;
  labels?: string;
  backend?: string;
  remote?: string;
  'remote-model'?: string;
  protocol?: string;
}

export function numberOption(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

export function remoteOptions(v: SharedValues): RemoteOptions | undefined {
  if (!v.remote) {
    if (v['remote-model'] || v.protocol) throw new UsageError('--remote-model and --protocol need --remote URL');
    return undefined;
  }
  if (!v['remote-model']) throw new UsageError('--remote needs --remote-model NAME (the model name on the server)');
  const protocol = v.protocol ?? 'http';
  if (protocol !== 'http' && protocol !== 'grpc') throw new UsageError(`--protocol must be http or grpc, got "${protocol}"`);
  return { url: v.remote, model: v['remote-model'], protocol };
}

function readLabels(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  } catch (e) {
    throw new UsageError(`cannot read labels file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function engineOptions(v: SharedValues): { model: string; backend: NodeBackendChoice; labels?: string[] } {
  if (!v.model) throw new UsageError('--model is required');
  const backend = v.remote ? 'remote' : (v.backend ?? 'auto');
  if (!['auto', 'cpu', 'webgpu', 'wasm', 'remote'].includes(backend)) throw new UsageError(`--backend must be auto, cpu, webgpu or wasm, got "${backend}"`);
  return { model: v.model, backend: backend as NodeBackendChoice, ...(v.labels ? { labels: readLabels(v.labels) } : {}) };
}
