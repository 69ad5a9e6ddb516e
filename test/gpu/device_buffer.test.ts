import { describe, expect, it } from 'vitest';

import { gpuAddon, noGpu } from './helpers/gpu.js';

describe.skipIf(noGpu)('the GPU runtime through the addon', () => {
  it('describes its devices', () => {
    const { gpu } = gpuAddon();
    expect(gpu.deviceCount()).toBeGreaterThan(0);
    const info = gpu.deviceInfo(0);
    expect(info.vendor).toBe(gpu.vendor);
    expect(info.waveSize).toBe(gpu.vendor === 'cuda' ? 32 : 64);
    expect(info.computeUnits).toBeGreaterThan(0);
    expect(info.totalBytes).toBeGreaterThan(info.freeBytes);
    expect(info.freeBytes).toBeGreaterThan(0);
    expect(info.arch).toMatch(/^(sm_\d+|gfx[0-9a-f]+)$/);
    expect(() => gpu.deviceInfo(gpu.deviceCount())).toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });

  it('round-trips bytes through a device buffer, at offsets', () => {
    const { gpu } = gpuAddon();
    const buf = new gpu.DeviceBuffer(4096);
    const data = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) & 0xff);
    buf.upload(data);
    const back = new Uint8Array(4096);
    buf.download(back);
    expect(back).toEqual(data);
    buf.upload(new Uint8Array([1, 2, 3]), 100);
    const part = new Uint8Array(5);
    buf.download(part, 99);
    expect(Array.from(part)).toEqual([data[99], 1, 2, 3, data[103]]);
    buf.fill(0xab);
    buf.download(part, 4091);
    expect(Array.from(part)).toEqual([0xab, 0xab, 0xab, 0xab, 0xab]);
    buf.free();
  });

  it('copies between device buffers in stream order, at offsets', () => {
    const { gpu } = gpuAddon();
    const a = new gpu.DeviceBuffer(1000), b = new gpu.DeviceBuffer(600);
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13 + 1) & 0xff);
    a.upload(data);
    b.fill(0);
    b.copyFrom(a, 500, 100, 300); // enqueued after the fill, read back after both
    a.fill(7); // enqueued after the copy: must not reach b
    const back = new Uint8Array(600);
    b.download(back);
    expect(Array.from(back.subarray(0, 100))).toEqual(new Array(100).fill(0));
    expect(back.subarray(100)).toEqual(data.subarray(300, 800));
    a.copyFrom(b, 0);
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    const bad = expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' });
    expect(() => b.copyFrom(a, 501, 100)).toThrow(oob);
    expect(() => b.copyFrom(a, 100, 0, 901)).toThrow(oob);
    expect(() => a.copyFrom(a, 100, 50, 0)).toThrow(bad); // overlapping ranges
    expect(() => a.copyFrom({} as never, 1)).toThrow(bad);
    expect(() => a.copyFrom(b, -1)).toThrow(bad);
    b.free();
    expect(() => a.copyFrom(b, 1)).toThrow(bad);
    a.free();
  });

  it('reports free and total device memory', () => {
    const { gpu } = gpuAddon();
    const mem = gpu.memGetInfo(0);
    expect(mem.totalBytes).toBe(gpu.deviceInfo(0).totalBytes);
    expect(mem.freeBytes).toBeGreaterThan(0);
    expect(mem.freeBytes).toBeLessThanOrEqual(mem.totalBytes);
    expect(() => gpu.memGetInfo(-1)).toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });

  it('rejects copies past the end and use after free', () => {
    const { gpu } = gpuAddon();
    const buf = new gpu.DeviceBuffer(16);
    expect(() => buf.upload(new Uint8Array(17))).toThrow(expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
    expect(() => buf.download(new Uint8Array(8), 9)).toThrow(expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
    buf.free();
    expect(() => buf.download(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
    expect(() => new gpu.DeviceBuffer(0)).toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
    expect(() => new gpu.DeviceBuffer(16, 999)).toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });

  it('serves a freed block again without asking the driver, and empties its cache on request', () => {
    const { gpu } = gpuAddon();
    const size = 3 << 20;
    const first = new gpu.DeviceBuffer(size);
    first.free();
    const before = gpu.allocatorStats(0);
    const second = new gpu.DeviceBuffer(size);
    const after = gpu.allocatorStats(0);
    expect(after.deviceMallocs).toBe(before.deviceMallocs);
    expect(after.cacheHits).toBe(before.cacheHits + 1);
    expect(after.allocatedBytes).toBeGreaterThanOrEqual(before.allocatedBytes + size);
    second.free();
    gpu.emptyCache();
    const emptied = gpu.allocatorStats(0);
    expect(emptied.reservedBytes).toBe(emptied.allocatedBytes);
  });

  it('reports an allocation larger than the device as HS_DEVICE_ERROR', () => {
    const { gpu } = gpuAddon();
    const tooBig = gpu.deviceInfo(0).totalBytes * 2;
    expect(() => new gpu.DeviceBuffer(tooBig)).toThrow(expect.objectContaining({ code: 'HS_DEVICE_ERROR' }));
    const ok = new gpu.DeviceBuffer(1024);
    ok.free();
  });
});
