/**
 * Memory bandwidth as `threads` threads see it, from one large copy split between them (Buffer.copy, i.e.
 * memmove, on per-thread buffers). For `bytes` copied in t seconds, best of `reps`:
 *   read+write GB/s = 2 · bytes / t     read GB/s = bytes / t
 * The probe keeps its threads, so a benchmark can measure again next to each case it compares with.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface MemcpyBandwidth {
  bytes: number;
  threads: number;
  seconds: number;
  readWriteGBs: number;
  readGBs: number;
}

export class MemcpyProbe {
  private generation = 0;

  private constructor(
    private readonly control: Int32Array,
    private readonly workers: Worker[],
    private readonly bytes: number,
  ) {}

  static async start(bytes: number, threads: number): Promise<MemcpyProbe> {
    const control = new Int32Array(new SharedArrayBuffer(8));
    const share = Math.ceil(bytes / threads / 4096) * 4096;
    const script = new URL('./memcpy-worker.js', import.meta.url);
    const workers = Array.from({ length: threads }, () =>
      new Worker(script, { workerData: { bytes: share, control: control.buffer } }));
    await Promise.all(workers.map((w) => once(w, 'message')));
    const probe = new MemcpyProbe(control, workers, share * threads);
    probe.copyOnce();  // faults the destination pages in
    return probe;
  }

  /** Best of `reps` copies; blocks the calling thread meanwhile. */
  measure(reps: number): MemcpyBandwidth {
    let best = Infinity;
    for (let i = 0; i < reps; i++) best = Math.min(best, this.copyOnce());
    return {
      bytes: this.bytes, threads: this.workers.length, seconds: best,
      readWriteGBs: (2 * this.bytes) / best / 1e9, readGBs: this.bytes / best / 1e9,
    };
  }

  async close(): Promise<void> {
    Atomics.store(this.control, 0, -1);
    Atomics.notify(this.control, 0);
    await Promise.all(this.workers.map((w) => once(w, 'exit')));
  }

  private copyOnce(): number {
    const threads = this.workers.length;
    Atomics.store(this.control, 1, 0);
    const t0 = process.hrtime.bigint();
    Atomics.store(this.control, 0, ++this.generation);
    Atomics.notify(this.control, 0);
    for (let done = 0; (done = Atomics.load(this.control, 1)) < threads;) Atomics.wait(this.control, 1, done);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  }
}
