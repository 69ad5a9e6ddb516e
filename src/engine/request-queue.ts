import type { Request } from './request.js';

/**
 * fcfs:     arrival time first, priority breaks ties.
 * priority: priority first (lower runs first), arrival time breaks ties.
 */
export type SchedulingPolicy = 'fcfs' | 'priority';

/** Waiting requests in scheduling order; a preempted request returns to its place, ahead of later arrivals. */
export class RequestQueue implements Iterable<Request> {
  private readonly items: Request[] = [];

  constructor(private readonly policy: SchedulingPolicy) {}

  get length(): number {
    return this.items.length;
  }

  add(request: Request): void {
    let lo = 0, hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.items[mid]!, request) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, request);
  }

  peek(): Request | undefined {
    return this.items[0];
  }

  pop(): Request | undefined {
    return this.items.shift();
  }

  remove(request: Request): boolean {
    const i = this.items.indexOf(request);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  [Symbol.iterator](): Iterator<Request> {
    return this.items[Symbol.iterator]();
  }

  /** Negative when `a` is scheduled before `b`. */
  compare(a: Request, b: Request): number {
    return this.policy === 'fcfs'
      ? a.arrivalTime - b.arrivalTime || a.priority - b.priority
      : a.priority - b.priority || a.arrivalTime - b.arrivalTime;
  }
}
