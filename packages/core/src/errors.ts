/**
 * Every failure Sightline reports is a SightlineError with a stable `code`, so callers can branch on
 * `err.code` instead of parsing messages. Subclasses exist only to group codes by area.
 */
export type SightlineErrorCode =
  // model bytes / descriptor
  | 'E_NOT_ONNX'
  | 'E_ONNX_TRUNCATED'
  | 'E_ONNX_MALFORMED'
  | 'E_MODEL_TOO_LARGE'
  | 'E_MODEL_INTEGRITY'
  // layouts and tensors
  | 'E_UNKNOWN_LAYOUT'
  | 'E_SHAPE_MISMATCH'
  | 'E_UNSUPPORTED_DTYPE'
  // images and sources
  | 'E_IMAGE_EMPTY'
  | 'E_IMAGE_TOO_LARGE'
  | 'E_IMAGE_BUFFER'
  | 'E_IMAGE_DECODE'
  | 'E_UNSUPPORTED_SOURCE'
  // options
  | 'E_INVALID_OPTION'
  // evaluation inputs (ground truth / detections)
  | 'E_EVAL_INPUT'
  // runtime / engines
  | 'E_DISPOSED'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_SESSION_CREATE'
  | 'E_INFERENCE'
  | 'E_DEVICE_LOST'
  | 'E_FETCH'
  | 'E_ABORTED'
  // remote (Triton / KServe v2)
  | 'E_REMOTE_HTTP'
  | 'E_REMOTE_TIMEOUT'
  | 'E_REMOTE_NETWORK'
  | 'E_REMOTE_PROTOCOL'
  | 'E_REMOTE_TOO_LARGE'
  | 'E_REMOTE_UNAVAILABLE';

export interface SightlineErrorOptions {
  cause?: unknown;
  /** Small, JSON-safe facts that help debugging (offsets, shapes, HTTP status…). */
  details?: Record<string, unknown>;
}

export class SightlineError extends Error {
  readonly code: SightlineErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: SightlineErrorCode, message: string, options: SightlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** The ONNX bytes could not be read as a ModelProto. */
export class ModelFormatError extends SightlineError {}
/** Output/input tensors do not match any known layout or the declared shape. */
export class LayoutError extends SightlineError {}
/** A pixel buffer or image source is empty, too large or inconsistent with its declared size. */
export class ImageInputError extends SightlineError {}
/** An option is out of its valid range. */
export class OptionError extends SightlineError {}
/** An engine (WebGPU, WASM, onnxruntime-node, TF.js) failed or is gone. */
export class EngineError extends SightlineError {}
/** The remote server answered with an error, timed out, or sent something malformed. */
export class RemoteError extends SightlineError {}

export function isSightlineError(e: unknown): e is SightlineError {
  return e instanceof SightlineError;
}
