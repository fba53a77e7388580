/**
 * The one call engines make after fetching model bytes: descriptor + output layout + input size + labels,
 * with every guess overridable.
 */
import type { OutputLayout } from '../decode/outputLayout.js';
import { ModelFormatError, OptionError } from '../errors.js';
import type { ModelDescriptor, TensorInfo } from '../onnx/modelDescriptor.js';
import { readModelDescriptor } from '../onnx/readModelDescriptor.js';
import type { TensorDataType } from '../types.js';
import { detectOutputLayout, pickOutput, type OutputLayoutOverride } from './detectOutputLayout.js';
import type { OutputLayoutKind } from '../decode/outputLayout.js';
import { pickImageInput, staticInputSize } from './inputSize.js';

export interface DescribeModelOverrides {
  layout?: OutputLayoutOverride | OutputLayoutKind;
  inputName?: string;
  outputName?: string;
  /** Class labels, index = class id; also a class-count hint for layout detection. */
  labels?: string[];
  numClasses?: number;
  /** Model input size [h, w] (or a square side) when neither metadata nor a static input shape gives it. */
  inputSize?: number | [number, number];
  maxBytes?: number;
}

export interface ModelDescription {
  descriptor: ModelDescriptor;
  layout: OutputLayout;
  /** [h, w] the image must be letterboxed/resized to. */
  inputSize: [number, number];
  /** Index = class id; always covers every class of the layout (missing names become `class_<i>`). */
  labels: string[];
  inputName: string;
  outputName: string;
  inputDataType: TensorDataType;
}

/** Used when neither metadata, a static input shape nor the caller gives an input size. */
export const DEFAULT_INPUT_SIZE = 640;

function checkSize(v: number | [number, number]): [number, number] {
  const s: [number, number] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => Number.isInteger(x) && x > 0 && x <= 65536)) {
    throw new OptionError('E_INVALID_OPTION', `inputSize must be a positive integer or [h, w], got ${JSON.stringify(v)}`);
  }
  return s;
}

export function describeModel(bytes: Uint8Array | ArrayBuffer, overrides: DescribeModelOverrides = {}): ModelDescription {
  const descriptor = readModelDescriptor(bytes, { maxBytes: overrides.maxBytes });
  let input: TensorInfo | undefined;
  if (overrides.inputName !== undefined) {
    input = descriptor.inputs.find((i) => i.name === overrides.inputName);
    if (!input) {
      throw new OptionError('E_INVALID_OPTION', `model has no input '${overrides.inputName}' (inputs: ${descriptor.inputs.map((i) => i.name).join(', ') || 'none'})`);
    }
  } else {
    input = pickImageInput(descriptor.inputs);
    if (!input) throw new ModelFormatError('E_ONNX_MALFORMED', 'model graph declares no inputs to feed');
  }
  const output = pickOutput(descriptor.outputs, overrides.outputName);
  const layout = detectOutputLayout(descriptor, {
    override: overrides.layout,
    outputName: output.name,
    numClasses: overrides.numClasses ?? (overrides.labels?.length || undefined),
  });
  const meta = descriptor.ultralytics;
  const inputSize =
    overrides.inputSize !== undefined ? checkSize(overrides.inputSize) : (meta?.imgsz ?? staticInputSize(input) ?? [DEFAULT_INPUT_SIZE, DEFAULT_INPUT_SIZE]);
  const labels = [...(overrides.labels ?? meta?.names ?? [])];
  const numClasses = layout.kind === 'end2end' ? 0 : layout.numClasses;
  for (let i = labels.length; i < numClasses; i++) labels.push(`class_${i}`);
  return { descriptor, layout, inputSize: [inputSize[0], inputSize[1]], labels, inputName: input.name, outputName: output.name, inputDataType: input.dataType };
}
