/**
 * Errors cross the Worker boundary with their class and `code` intact. comlink's default 'throw' handler
 * keeps only name/message/stack, so callers could not branch on `err.code`; this replaces it on both sides.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import {
  EngineError,
  ImageInputError,
  LayoutError,
  ModelFormatError,
  OptionError,
  RemoteError,
  SightlineError,
  type SightlineErrorCode,
} from '@sightline/core';

interface WireError {
  isError: true;
  sightline: boolean;
  name: string;
  message: string;
  stack?: string;
  code?: SightlineErrorCode;
  details?: Record<string, unknown>;
}
export type Wire = WireError | { isError: false; value: unknown };

const CLASSES: Record<string, new (code: SightlineErrorCode, message: string, o?: { details?: Record<string, unknown> }) => SightlineError> = {
  SightlineError,
  ModelFormatError,
  LayoutError,
  ImageInputError,
  OptionError,
  EngineError,
  RemoteError,
};

/** Details must survive structured clone; drop anything that does not (functions, DOM objects). */
function cloneSafe(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function serializeError(value: unknown): Wire {
  if (value instanceof SightlineError) {
    return { isError: true, sightline: true, name: value.name, message: value.message, stack: value.stack, code: value.code, details: cloneSafe(value.details) };
  }
  if (value instanceof Error) return { isError: true, sightline: false, name: value.name, message: value.message, stack: value.stack };
  return { isError: false, value };
}

export function deserializeError(w: Wire): unknown {
  if (!w.isError) return w.value;
  if (w.sightline && w.code) {
    const Cls = CLASSES[w.name] ?? SightlineError;
    const e = new Cls(w.code, w.message, { details: w.details ?? {} });
    // Keep the worker-side stack: it shows where the failure really happened.
    if (w.stack) e.stack = w.stack;
    return e;
  }
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

const THROW_MARKER_PROBE = 'throw';

let installed = false;
/** Install once per JS context (main thread and worker both call it). */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = transferHandlers.get(THROW_MARKER_PROBE) as TransferHandler<{ value: unknown }, Wire> | undefined;
  if (!original) return;
  const handler: TransferHandler<{ value: unknown }, Wire> = {
    canHandle: original.canHandle,
    serialize: ({ value }) => [serializeError(value), []],
    deserialize: (w) => {
      throw deserializeError(w);
    },
  };
  transferHandlers.set(THROW_MARKER_PROBE, handler as TransferHandler<unknown, unknown>);
}
