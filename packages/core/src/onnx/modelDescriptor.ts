import type { TensorDataType } from '../types.js';
import type { UltralyticsMetadata } from './ultralyticsMetadata.js';

/** One dimension: a fixed size, a symbolic name ('batch', 'height'), or null when the model leaves it unknown. */
export type DimInfo = number | string | null;

/** What a graph input/output declares. */
export interface TensorInfo {
  name: string;
  /** Element type; for non-tensor values (sequence, map) 'unknown'. */
  dataType: TensorDataType;
  /** Declared dims; null when the model declares no shape at all (rank unknown). */
  shape: DimInfo[] | null;
  /** Absent for plain tensors; set for the other ONNX value kinds (optional<tensor> reports its inner tensor). */
  kind?: 'sequence' | 'map' | 'optional' | 'sparse_tensor' | 'unknown';
}

export interface OpsetInfo {
  domain: string;
  version: number;
}

/** The facts about an ONNX model that engines need before creating a session. */
export interface ModelDescriptor {
  irVersion: number;
  /** Version of the default (ai.onnx / '') operator set; 0 when the model imports none. */
  opsetVersion: number;
  opsets: OpsetInfo[];
  producerName: string;
  producerVersion: string;
  graphName: string;
  /** Graph inputs that are not initializers (what a caller must feed). */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** metadata_props; a repeated key keeps its last value. A null-prototype object (keys come from the file). */
  metadata: Record<string, string>;
  /** Parsed Ultralytics/YOLOv5 export metadata, or null when the model carries none. */
  ultralytics: UltralyticsMetadata | null;
  byteLength: number;
}
