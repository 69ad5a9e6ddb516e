/**
 * One thread of the memcpy probe: copies its own (unshared) buffer each time generation control[0] moves
 * on, then counts itself done in control[1]. A negative generation ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { bytes, control } = workerData as { bytes: number; control: SharedArrayBuffer };
const ctrl = new Int32Array(control);
const src = Buffer.alloc(bytes, 1);
const dst = Buffer.alloc(bytes);
let seen = 0;
parentPort!.postMessage('ready');
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  if (seen < 0) break;
  src.copy(dst);
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
