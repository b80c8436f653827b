/**
 * A min-heap of timed deliveries ordered by time, ties broken by insertion order (so datagrams due
 * at the same instant keep the order they were scheduled in).
 *
 * @internal
 */
export class DeliveryQueue<T> {
  private readonly heap: { at: number; seq: number; item: T }[] = [];
  private nextSeq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.heap.length;
  }

  /** Time of the earliest item, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Adds `item` due at time `at`. */
  push(at: number, item: T): void {
    const heap = this.heap;
    const node = { at, seq: this.nextSeq++, item };
    let i = heap.length;
    heap.push(node);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(node, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = node;
  }

  /** Removes and returns the earliest item if it is due at or before `now`. */
  popDue(now: number): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && this.less(heap[right]!, heap[left]!) ? right : left;
        if (!this.less(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top.item;
  }

  /** Removes everything. */
  clear(): void {
    this.heap.length = 0;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
