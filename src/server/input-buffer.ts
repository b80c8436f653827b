/**
 * One seat's inputs waiting for their tick: a ring of fixed-size slots indexed by tick, allocated
 * once. A slot keeps the input with the highest sequence for its tick.
 * @internal
 */
export class InputBuffer {
  private readonly slotTicks: Float64Array;
  private readonly slotSeqs: Float64Array;
  private readonly bytes: Uint8Array;
  /** One view per slot, made once: handing an input to the game allocates nothing. */
  private readonly views: Uint8Array[];
  /** Highest sequence seen from the seat's current connection (-1: none). */
  highestSeq = -1;

  /**
   * @param inputSize - bytes per input.
   * @param capacity - ticks the ring spans (more than the input window's lead).
   */
  constructor(
    readonly inputSize: number,
    readonly capacity: number,
  ) {
    this.slotTicks = new Float64Array(capacity).fill(-1);
    this.slotSeqs = new Float64Array(capacity);
    this.bytes = new Uint8Array(capacity * inputSize);
    this.views = [];
    for (let i = 0; i < capacity; i++)
      this.views.push(this.bytes.subarray(i * inputSize, (i + 1) * inputSize));
  }

  /** Stores `src[at .. at + inputSize)` for `tick`, unless the slot holds a later sequence for that tick. */
  put(tick: number, seq: number, src: Uint8Array, at: number): void {
    const slot = tick % this.capacity;
    if (this.slotTicks[slot] === tick && this.slotSeqs[slot]! > seq) return;
    this.slotTicks[slot] = tick;
    this.slotSeqs[slot] = seq;
    const size = this.inputSize;
    const dst = slot * size;
    for (let i = 0; i < size; i++) this.bytes[dst + i] = src[at + i]!;
  }

  /** The input for `tick` (a view valid until the slot is reused), or undefined; clears the slot. */
  take(tick: number): Uint8Array | undefined {
    const slot = tick % this.capacity;
    if (this.slotTicks[slot] !== tick) return undefined;
    this.slotTicks[slot] = -1;
    return this.views[slot];
  }

  /** Forgets every input and sequence (a new connection starts its sequence again). */
  reset(): void {
    this.slotTicks.fill(-1);
    this.highestSeq = -1;
  }
}
