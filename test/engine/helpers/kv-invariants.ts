function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`invariant broken: ${message}`);
}

import type { Scheduler } from '../../../src/engine/scheduler.js';
import type { SchedulerOutput } from '../../../src/engine/scheduler-output.js';

/**
 * Checks after a step: every block's refCnt equals its occurrences in live block tables, free blocks are exactly the
 * unreferenced ones (each once), only running requests hold blocks, the prefix-cache map is consistent and the step
 * kept its budgets.
 */
export function checkInvariants(scheduler: Scheduler, out: SchedulerOutput | null): void {
  const kv = scheduler.kvCacheManager;
  const pool = kv.pool;
  const running = new Set(scheduler.runningRequests().map((r) => r.requestId));
  const waiting = [...scheduler.waitingRequests()].map((r) => r.requestId);
  for (const id of waiting) check(!running.has(id), `${id} both waiting and running`);
  check(new Set(waiting).size === waiting.length, 'a request waits twice');

  const occurrences = new Map<number, number>();
  for (const id of kv.requestIds()) {
    check(running.has(id), `request ${id} holds blocks but is not running`);
    for (const group of kv.getBlocks(id)) {
      for (const block of group) if (!block.isNull) occurrences.set(block.blockId, (occurrences.get(block.blockId) ?? 0) + 1);
    }
  }
  const free = new Set<number>();
  for (const block of pool.freeQueueBlocks()) {
    check(!free.has(block.blockId), `block ${block.blockId} twice in the free queues`);
    free.add(block.blockId);
  }
  for (const block of pool.blocks) {
    if (block.isNull) continue;
    const refs = occurrences.get(block.blockId) ?? 0;
    check(block.refCnt === refs, `block ${block.blockId} has refCnt ${block.refCnt} but ${refs} table entries`);
    check(free.has(block.blockId) === (refs === 0), `block ${block.blockId} is free iff unreferenced`);
  }
  check(pool.numFreeBlocks === free.size, 'free block count');
  for (const [key, block] of pool.cachedEntries()) check(block.blockHash === key, `cached block ${block.blockId} hash`);

  for (const r of scheduler.runningRequests()) {
    const table = kv.getBlockIds(r.requestId)[0]!;
    check(table.length * kv.blockSize >= r.numComputedTokens, `${r.requestId} computed tokens outside its blocks`);
    check(r.numComputedTokens <= r.numTokens, `${r.requestId} computed more than it has`);
  }
  check(scheduler.numRunning <= scheduler.config.maxNumSeqs, 'max_num_seqs exceeded');
  if (out) {
    check(out.totalNumScheduledTokens <= scheduler.config.maxNumBatchedTokens, 'token budget exceeded');
    check(out.scheduled.length <= scheduler.config.maxNumSeqs, 'too many sequences in a step');
    check(out.scheduled.reduce((a, s) => a + s.numScheduledTokens, 0) === out.totalNumScheduledTokens, 'token total');
    const threshold = scheduler.config.longPrefillTokenThreshold ?? 0;
    for (const s of out.scheduled) {
      check(s.numScheduledTokens > 0, 'empty share scheduled');
      check(threshold <= 0 || s.numScheduledTokens <= threshold, 'long prefill threshold exceeded');
      check(s.numComputedTokens + s.numScheduledTokens <= s.request.numTokens, 'scheduled past the end');
    }
  }
}
