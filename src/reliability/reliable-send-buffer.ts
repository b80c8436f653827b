/**
 * One queued reliable message and the state of each of its units (the whole message, or each
 * fragment): when it was last sent, how often, and whether the peer acknowledged it.
 * @internal
 */
export interface OutgoingMessage {
  /** Full (never wrapping) message id; the low 16 bits go on the wire. */
  readonly id: number;
  readonly payload: Uint8Array;
  /** 1 for a whole message, >= 2 when fragmented. */
  readonly fragmentCount: number;
  readonly lastSent: Float64Array;
  readonly sends: Uint16Array;
  readonly acked: Uint8Array;
  ackedCount: number;
}

/**
 * The reliable send queue: a ring of `capacity` messages indexed by full message id, from the
 * oldest unacknowledged (`oldest`) to the next id to assign (`next`). Fixed size: when
 * `next - oldest` reaches the capacity, nothing more can be queued.
 * @internal
 */
export class ReliableSendBuffer {
  oldest = 0;
  next = 0;
  private readonly slots: (OutgoingMessage | undefined)[];

  constructor(readonly capacity: number) {
    this.slots = new Array<OutgoingMessage | undefined>(capacity).fill(undefined);
  }

  /** Messages queued and not yet fully acknowledged. */
  get length(): number {
    return this.next - this.oldest;
  }

  /** Queues a message; the caller has checked `length < capacity`. */
  push(payload: Uint8Array, fragmentCount: number): void {
    const id = this.next++;
    this.slots[id % this.capacity] = {
      id,
      payload,
      fragmentCount,
      lastSent: new Float64Array(fragmentCount),
      sends: new Uint16Array(fragmentCount),
      acked: new Uint8Array(fragmentCount),
      ackedCount: 0,
    };
  }

  /** The message with full id `id`, if still queued. */
  get(id: number): OutgoingMessage | undefined {
    const m = this.slots[id % this.capacity];
    return m !== undefined && m.id === id ? m : undefined;
  }

  /**
   * Marks one unit acknowledged; frees the message when all its units are, and advances
   * `oldest` past freed messages. Returns true if the unit was not acknowledged before.
   */
  ack(id: number, fragment: number): boolean {
    const m = this.get(id);
    if (!m || fragment >= m.fragmentCount || m.acked[fragment] === 1) return false;
    m.acked[fragment] = 1;
    m.ackedCount++;
    if (m.ackedCount === m.fragmentCount) {
      this.slots[id % this.capacity] = undefined;
      while (this.oldest < this.next && this.slots[this.oldest % this.capacity] === undefined) this.oldest++;
    }
    return true;
  }
}
