import { sequenceGreaterThan, sequenceLessThan } from './sequence.js';

const EMPTY = 0xffffffff;

/**
 * A fixed-size ring indexed by 16-bit sequence number (reliable.c's `reliable_sequence_buffer`):
 * O(1) insert, lookup and duplicate detection, memory fixed at construction. Entries older than
 * `size` behind the newest sequence are stale and refused.
 * @internal
 */
export class SequenceBuffer<T> {
  /** One past the newest sequence inserted (16-bit). */
  sequence = 0;
  private readonly entrySequence: Uint32Array;
  private readonly entries: (T | undefined)[];

  constructor(readonly size: number) {
    this.entrySequence = new Uint32Array(size).fill(EMPTY);
    this.entries = new Array<T | undefined>(size).fill(undefined);
  }

  /** True when `sequence` is too old to be stored (more than `size` behind the newest). */
  isStale(sequence: number): boolean {
    return sequenceLessThan(sequence, (this.sequence - this.size) & 0xffff);
  }

  /**
   * Stores `value` under `sequence`, clearing the slots skipped over when it is newer than
   * anything seen. Returns false (and stores nothing) when `sequence` is stale.
   */
  insert(sequence: number, value: T): boolean {
    if (this.isStale(sequence)) return false;
    const next = (sequence + 1) & 0xffff;
    if (sequenceGreaterThan(next, this.sequence)) {
      this.clearRange(this.sequence, sequence);
      this.sequence = next;
    }
    const index = sequence % this.size;
    this.entrySequence[index] = sequence;
    this.entries[index] = value;
    return true;
  }

  /** The value stored under exactly `sequence`, if any. */
  find(sequence: number): T | undefined {
    const index = sequence % this.size;
    return this.entrySequence[index] === sequence ? this.entries[index] : undefined;
  }

  /** Whether exactly `sequence` is stored. */
  exists(sequence: number): boolean {
    return this.entrySequence[sequence % this.size] === sequence;
  }

  /** The value in the slot `sequence` maps to, whatever sequence it holds (for reuse on overwrite). */
  atSlot(sequence: number): T | undefined {
    const index = sequence % this.size;
    return this.entrySequence[index] === EMPTY ? undefined : this.entries[index];
  }

  /** The value last stored in the slot `sequence` maps to, even if cleared since (for reuse). */
  slotValue(sequence: number): T | undefined {
    return this.entries[sequence % this.size];
  }

  /** Number of occupied slots (for bound checks in tests). */
  occupied(): number {
    let n = 0;
    for (const s of this.entrySequence) if (s !== EMPTY) n++;
    return n;
  }

  /**
   * An ack and the bitfield of the 32 sequences ending at it (entries stored as `false` are
   * present but not acknowledged): by default the newest received
   * sequence; `base` acknowledges an older stretch instead.
   */
  ackBits(base?: number): { ack: number; ackBits: number } {
    const ack = base ?? (this.sequence - 1) & 0xffff;
    let bits = 0;
    for (let i = 0; i < 32; i++) {
      const s = (ack - i) & 0xffff;
      if (this.exists(s) && this.entries[s % this.size] !== false) bits |= 1 << i;
    }
    return { ack, ackBits: bits >>> 0 };
  }

  private clearRange(start: number, finish: number): void {
    let end = finish;
    if (end < start) end += 65536;
    if (end - start < this.size) {
      for (let s = start; s <= end; s++) this.entrySequence[(s & 0xffff) % this.size] = EMPTY;
    } else {
      this.entrySequence.fill(EMPTY);
    }
  }
}
