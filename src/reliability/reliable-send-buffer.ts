import type { PayloadPool, PooledSlab } from './payload-pool.js';

/**
 * One queued reliable message and the state of each of its units (the whole message, or each
 * fragment): when it was last sent, how often, and whether the peer acknowledged it.
 * @internal
 */
export interface OutgoingMessage {
  /** Full (never wrapping) message id; the low 16 bits go on the wire. -1 when the slot is free. */
  id: number;
  payload: Uint8Array;
  /** The pool slab holding `payload`, released when the message is freed. */
  slab: PooledSlab | undefined;
  /** 1 for a whole message, >= 2 when fragmented. */
  fragmentCount: number;
  /** Per unit, at least `fragmentCount` long (reused between the messages of one slot). */
  lastSent: Float64Array;
  sends: Uint16Array;
  acked: Uint8Array;
  ackedCount: number;
}

const EMPTY = new Uint8Array(0);

/**
 * The reliable send queue: a ring of `capacity` messages indexed by full message id, from the
 * oldest unacknowledged (`oldest`) to the next id to assign (`next`). Fixed size: when
 * `next - oldest` reaches the capacity, nothing more can be queued. Slot objects and their unit
 * arrays are reused, so queueing a message allocates nothing once the ring has gone round.
 * @internal
 */
export class ReliableSendBuffer {
  oldest = 0;
  next = 0;
  private readonly slots: (OutgoingMessage | undefined)[];

  constructor(
    readonly capacity: number,
    private readonly pool: PayloadPool,
  ) {
    this.slots = new Array<OutgoingMessage | undefined>(capacity).fill(undefined);
  }

  /** Messages queued and not yet fully acknowledged. */
  get length(): number {
    return this.next - this.oldest;
  }

  /** Queues a message (its payload a copy from the pool); the caller has checked `length < capacity`. */
  push(payload: Uint8Array, slab: PooledSlab | undefined, fragmentCount: number): void {
    const id = this.next++;
    const index = id % this.capacity;
    const m = this.slots[index];
    if (m === undefined || m.acked.length < fragmentCount) {
      this.slots[index] = {
        id,
        payload,
        slab,
        fragmentCount,
        lastSent: new Float64Array(fragmentCount),
        sends: new Uint16Array(fragmentCount),
        acked: new Uint8Array(fragmentCount),
        ackedCount: 0,
      };
      return;
    }
    m.id = id;
    m.payload = payload;
    m.slab = slab;
    m.fragmentCount = fragmentCount;
    m.ackedCount = 0;
    if (fragmentCount === 1) {
      m.lastSent[0] = 0;
      m.sends[0] = 0;
      m.acked[0] = 0;
    } else {
      m.lastSent.fill(0, 0, fragmentCount);
      m.sends.fill(0, 0, fragmentCount);
      m.acked.fill(0, 0, fragmentCount);
    }
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
      m.id = -1;
      m.payload = EMPTY;
      if (m.slab !== undefined) this.pool.release(m.slab);
      m.slab = undefined;
      while (this.oldest < this.next && this.slots[this.oldest % this.capacity]?.id !== this.oldest)
        this.oldest++;
    }
    return true;
  }
}
