/**
 * Names common non-ONNX payloads by their magic bytes, so "not an ONNX model" can say what was received
 * instead (an HTML error page from a bad URL, an image, an archive, an ORT-format model…).
 */
export function sniffFormat(bytes: Uint8Array): string | null {
  const n = bytes.length;
  const at = (i: number, ...sig: number[]) => n >= i + sig.length && sig.every((b, k) => bytes[i + k] === b);
  if (at(0, 0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (at(0, 0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'a GIF image';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'a WebP image';
  if (at(0, 0x50, 0x4b, 0x03, 0x04)) return 'a zip archive (unzip it first)';
  if (at(0, 0x1f, 0x8b)) return 'gzip data (decompress it first)';
  if (at(4, 0x4f, 0x52, 0x54, 0x4d)) return 'an ONNX Runtime .ort model (flatbuffer), not .onnx';
  if (at(4, 0x54, 0x46, 0x4c, 0x33)) return 'a TensorFlow Lite model (.tflite), not ONNX';
  if (at(0, 0x89, 0x48, 0x44, 0x46)) return 'an HDF5 file (a Keras .h5 model?)';
  if (at(0, 0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'a NumPy .npy file';
  if (at(0, 0x80) && n > 1 && bytes[1] >= 2 && bytes[1] <= 5) return 'a Python pickle (a .pt/.pth checkpoint?)';
  // Text: skip a BOM and leading whitespace, then look at the first character.
  let i = at(0, 0xef, 0xbb, 0xbf) ? 3 : 0;
  while (i < n && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (i < n && bytes[i] === 0x3c) return 'HTML/XML text (an error page from the server?)';
  if (i < n && (bytes[i] === 0x7b || bytes[i] === 0x5b)) return 'JSON text';
  let printable = 0;
  const m = Math.min(n, 256);
  for (let k = 0; k < m; k++) if ((bytes[k] >= 0x20 && bytes[k] < 0x7f) || bytes[k] === 0x0a || bytes[k] === 0x0d || bytes[k] === 0x09) printable++;
  if (m >= 8 && printable === m) return 'plain text';
  return null;
}
