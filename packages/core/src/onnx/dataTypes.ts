import type { TensorDataType } from '../types.js';

/** ONNX TensorProto.DataType numbers, index = elem_type (onnx.proto). */
const BY_ELEM_TYPE: readonly TensorDataType[] = [
  'unknown', // 0 UNDEFINED
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
];

/** Maps an ONNX elem_type number to its name; anything not listed (fp8, int4, …) is 'unknown'. */
export function onnxElemTypeToDataType(elemType: number): TensorDataType {
  return Number.isInteger(elemType) && elemType > 0 && elemType < BY_ELEM_TYPE.length ? BY_ELEM_TYPE[elemType] : 'unknown';
}

/** Inverse of onnxElemTypeToDataType; 'unknown' maps to 0 (UNDEFINED). */
export function dataTypeToOnnxElemType(dataType: TensorDataType): number {
  const i = BY_ELEM_TYPE.indexOf(dataType);
  return i < 0 ? 0 : i;
}
