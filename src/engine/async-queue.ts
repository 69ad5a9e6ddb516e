/** A single-consumer queue of values that an async iterator drains; `fail` ends it with an error. */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private done = false;
  private error: unknown = null;

  constructor(private readonly onReturn: () => void = () => {}) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      this.waiter.resolve({ value: item, done: false });
      this.waiter = null;
    } else {
      this.items.push(item);
    }
  }

  /** No more items after those queued. */
  end(): void {
    this.done = true;
    if (this.waiter && this.items.length === 0) {
      this.waiter.resolve({ value: undefined, done: true });
      this.waiter = null;
    }
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.error = error;
    this.done = true;
    if (this.waiter) {
      this.waiter.reject(error);
      this.waiter = null;
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.error !== null) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The consumer stopped early (break, return, throw in for await). */
  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.items.length = 0;
      this.onReturn();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
