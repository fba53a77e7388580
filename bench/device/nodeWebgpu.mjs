// navigator.gpu for Node from the npm `webgpu` package (Dawn), for the bench scripts' CPU smoke runs here
// (SwiftShader); on the GPU machine /tmp/dw/setup.mjs (../shared/device/webgpu-node-pack.sh) does the same.
export async function installNavigatorGpu() {
  if (globalThis.navigator?.gpu) return;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  // ORT's threaded wasm heap is a SharedArrayBuffer and dawn.node's writeBuffer rejects SAB-backed views:
  // copy only the bytes being written.
  const wb = globals.GPUQueue.prototype.writeBuffer;
  globals.GPUQueue.prototype.writeBuffer = function (buffer, offset, data, dataOffset = 0, size) {
    if (data instanceof SharedArrayBuffer) return wb.call(this, buffer, offset, new Uint8Array(data, dataOffset, size ?? data.byteLength - dataOffset).slice());
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) data = data.slice();
    return size === undefined ? wb.call(this, buffer, offset, data, dataOffset) : wb.call(this, buffer, offset, data, dataOffset, size);
  };
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(globalThis.navigator ?? {}, { gpu }), configurable: true, writable: true });
}
