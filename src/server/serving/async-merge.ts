/**
 * Interleaves several async iterables in arrival order. When the consumer stops early or one source throws, the
 * others are closed (their `return()` runs), so no source is left running unread.
 */
export async function* mergeAsync<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; result: IteratorResult<T> }>>();
  const pull = (i: number): void => {
    pending.set(i, iterators[i]!.next().then((result) => ({ i, result })));
  };
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { i, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield result.value;
    }
  } finally {
    const open = [...pending.keys()];
    pending.clear();
    await Promise.allSettled(open.map((i) => iterators[i]!.return?.()));
  }
}
