/**
 * Live-buffer accounting for the shared GPUDevice: every buffer ORT, tfjs or our passes create on it is
 * counted until destroyed. Cheap (buffers are created rarely once a pipeline is warm) and the only way to
 * show a long-running page does not leak GPU memory — WebGPU exposes no such counter itself.
 */
export interface GpuBufferStats {
  /** Buffers created and not yet destroyed. */
  live: number;
  liveBytes: number;
  created: number;
  destroyed: number;
}

const stats = new WeakMap<GPUDevice, GpuBufferStats>();

/** Start counting buffers created on `device` from now on (idempotent). */
export function trackGpuBuffers(device: GPUDevice): void {
  if (stats.has(device)) return;
  const s: GpuBufferStats = { live: 0, liveBytes: 0, created: 0, destroyed: 0 };
  stats.set(device, s);
  const create = device.createBuffer.bind(device);
  device.createBuffer = (desc: GPUBufferDescriptor): GPUBuffer => {
    const buf = create(desc);
    s.created++;
    s.live++;
    s.liveBytes += desc.size;
    const destroy = buf.destroy.bind(buf);
    let done = false;
    buf.destroy = (): undefined => {
      if (!done) {
        done = true;
        s.destroyed++;
        s.live--;
        s.liveBytes -= desc.size;
      }
      return destroy();
    };
    return buf;
  };
}

export function gpuBufferStats(device: GPUDevice): GpuBufferStats | null {
  const s = stats.get(device);
  return s ? { ...s } : null;
}
