/** Shapes shared by every path (browser, Node, Triton). Boxes are always x1,y1,x2,y2 in source-image pixels. */
export type Box = [x1: number, y1: number, x2: number, y2: number];

export interface Detection {
  classId: number;
  label: string;
  score: number;
  box: Box;
  /** Set only when a tracker is attached (stable across frames). */
  trackId?: number;
}

export interface ClassScore {
  classId: number;
  label: string;
  score: number;
}

/** ONNX / KServe element types the core knows by name. */
export type TensorDataType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'uint64'
  | 'int64'
  | 'bool'
  | 'string'
  | 'complex64'
  | 'complex128'
  | 'unknown';

/**
 * A dense tensor the decoders read. fp16 data comes either as raw IEEE-754 half bits (Uint16Array, what
 * onnxruntime-web and Triton hand out) or as a native Float16Array where the runtime has one.
 */
export type FloatData = Float32Array | Uint16Array | Float16ArrayLike;

/** Structural stand-in for `Float16Array` (ES2025) so the core compiles on older lib targets. */
export interface Float16ArrayLike {
  readonly [Symbol.toStringTag]: 'Float16Array';
  readonly length: number;
  readonly [index: number]: number;
}

export interface TensorView<D = FloatData> {
  data: D;
  dims: readonly number[];
}
