import type { ByteSlab } from './byte-slab.js';
import { type Entry, EntryKind } from './message-codec.js';

/** A reliable message being received: whole, or fragments gathered so far. */
interface IncomingMessage {
  /** 1 for a whole message, the fragment count otherwise. */
  fragmentCount: number;
  /** The whole payload once complete. */
  payload: Uint8Array | undefined;
  /** Fragments received so far (sparse: never sized by the claimed count). */
  fragments: Map<number, Uint8Array> | undefined;
  bytes: number;
  /** Arrays held for it (1 when whole, one per fragment while gathering). */
  pieces: number;
}

/**
 * Bytes charged per held array on top of its payload, so a flood of tiny fragments cannot hold
 * more memory than the cap says. Measured on Node 20: a held fragment (a `Uint8Array`, its
 * `ArrayBuffer` and its `Map` entry) takes 212-236 bytes of V8 heap besides its payload.
 */
export const PIECE_OVERHEAD = 256;

/**
 * What the largest message costs the receive buffer while it is gathered from fragments of
 * `fragmentSize` bytes: its bytes plus {@link PIECE_OVERHEAD} per fragment. The buffer keeps this
 * much free for the message next in order. @internal
 */
export function largestMessageCost(maxMessageSize: number, fragmentSize: number): number {
  return maxMessageSize + Math.ceil(maxMessageSize / fragmentSize) * PIECE_OVERHEAD;
}

/** What a reliable entry would do to the receive buffer. @internal */
export type UnitCheck = 'new' | 'duplicate' | 'overflow' | 'malformed';

/**
 * The reliable receive window: a fixed ring of `size` slots indexed by full message id, from the
 * next id to deliver (`expected`). Messages that arrive early wait here; duplicates are detected
 * by slot lookup, never by scanning.
 *
 * Everything held (payload bytes plus {@link PIECE_OVERHEAD} per held array), the message next in
 * order included, stays within `maxBufferedBytes`, whatever the peer sends. Data for any other
 * message may use only `maxBufferedBytes - reserve`, so the next message in order always has at
 * least `reserve` (the cost of the largest message, {@link largestMessageCost}) to complete in:
 * early data can never stall the channel.
 * @internal
 */
export class ReliableReceiveBuffer {
  /** Full id of the next message to deliver. */
  expected = 0;
  /**
   * First id from `expected` on whose message is not complete: everything before it is delivered
   * by the `takeNext` calls that end the same `receive`, so it is never held for later.
   */
  private ready = 0;
  /** Bytes held in the ring. */
  bufferedBytes = 0;
  /** Arrays held in the ring. */
  pieces = 0;
  private readonly ids: Float64Array;
  private readonly slots: (IncomingMessage | undefined)[];

  constructor(
    readonly size: number,
    private readonly maxMessageSize: number,
    private readonly maxBufferedBytes: number,
    /** Bytes kept free for the message next in order (at most `maxBufferedBytes`). */
    private readonly reserve: number,
    /** Where copies of received bytes are carved from. */
    private readonly slab: ByteSlab,
  ) {
    this.ids = new Float64Array(size).fill(-1);
    this.slots = new Array<IncomingMessage | undefined>(size).fill(undefined);
  }

  /** The full id nearest `expected` whose low 16 bits are `wireId`. */
  resolve(wireId: number): number {
    return this.expected + ((((wireId - this.expected) & 0xffff) + 32768) & 0xffff) - 32768;
  }

  /** Slots in use (for bound checks). */
  occupied(): number {
    let n = 0;
    for (const id of this.ids) if (id >= 0) n++;
    return n;
  }

  /**
   * Classifies a reliable entry without changing anything. `pendingBytes` is what earlier
   * entries of the same packet would add (payload plus {@link PIECE_OVERHEAD} each). The message
   * `nextInOrder` (by default the expected one, or later when earlier entries of the packet
   * complete the gap) may fill the whole cap; any other only the cap less the reserve.
   */
  check(e: Entry, pendingBytes: number, nextInOrder = this.expected): UnitCheck {
    const id = this.resolve(e.id);
    if (id < this.expected) return 'duplicate';
    if (id >= this.expected + this.size) return 'overflow';
    const length = e.end - e.start;
    const slot = this.slotFor(id);
    if (e.kind === EntryKind.Reliable) {
      if (length > this.maxMessageSize) return 'malformed';
      if (slot) return slot.fragmentCount === 1 ? 'duplicate' : 'malformed';
    } else {
      if (e.fragmentCount > this.maxMessageSize) return 'malformed';
      if (slot) {
        if (slot.fragmentCount !== e.fragmentCount) return 'malformed';
        if (slot.payload || slot.fragments?.has(e.fragmentIndex)) return 'duplicate';
        if (slot.bytes + length > this.maxMessageSize) return 'malformed';
      } else if (length > this.maxMessageSize) {
        return 'malformed';
      }
    }
    const after = this.bufferedBytes + this.pieces * PIECE_OVERHEAD + pendingBytes + length + PIECE_OVERHEAD;
    const limit = id === nextInOrder ? this.maxBufferedBytes : this.maxBufferedBytes - this.reserve;
    if (after > limit) return 'overflow';
    return 'new';
  }

  /**
   * Stores a reliable entry of `packet` (copying its bytes). A message that completes the run of
   * messages ready for delivery (all before it complete, so the caller's `takeNext` loop delivers
   * it at once) is copied into the shared slab (or, with `adopt`, is a view into the packet);
   * data held for later gets arrays of its own, so a peer cannot make a few held bytes pin whole
   * slabs or packets. Returns false if it turned out to be a duplicate or inconsistent (possible
   * only within one hostile packet).
   */
  store(e: Entry, packet: Uint8Array, adopt = false): boolean {
    if (this.check(e, 0) === 'duplicate') return false;
    const id = this.resolve(e.id);
    if (id < this.expected || id >= this.expected + this.size) return false;
    const index = id % this.size;
    let slot = this.slotFor(id);
    if (e.kind === EntryKind.Reliable) {
      if (slot) return false;
      const bytes =
        id !== this.ready
          ? packet.slice(e.start, e.end)
          : adopt
            ? packet.subarray(e.start, e.end)
            : this.slab.copy(packet, e.start, e.end);
      this.ids[index] = id;
      this.fill(index, 1, bytes, undefined, bytes.length, 1);
      this.bufferedBytes += bytes.length;
      this.pieces++;
      this.advanceReady();
      return true;
    }
    if (!slot) {
      this.ids[index] = id;
      slot = this.fill(index, e.fragmentCount, undefined, new Map(), 0, 0);
    }
    if (slot.fragmentCount !== e.fragmentCount || !slot.fragments || slot.fragments.has(e.fragmentIndex))
      return false;
    if (slot.bytes + (e.end - e.start) > this.maxMessageSize) return false;
    const bytes = packet.slice(e.start, e.end);
    slot.fragments.set(e.fragmentIndex, bytes);
    slot.bytes += bytes.length;
    slot.pieces++;
    this.bufferedBytes += bytes.length;
    this.pieces++;
    if (slot.fragments.size === slot.fragmentCount) {
      const whole = id === this.ready ? this.slab.alloc(slot.bytes) : new Uint8Array(slot.bytes);
      let p = 0;
      for (let i = 0; i < slot.fragmentCount; i++) {
        const part = slot.fragments.get(i)!;
        whole.set(part, p);
        p += part.length;
      }
      slot.payload = whole;
      slot.fragments = undefined;
      this.pieces -= slot.pieces - 1;
      slot.pieces = 1;
      this.advanceReady();
    }
    return true;
  }

  /**
   * Gives the complete messages still waiting before `ready` arrays of their own (they were
   * stored as slab or packet views because they were to be delivered at once; a listener that
   * threw stopped that) and moves `ready` back to `expected`. Nothing to do when all were taken.
   */
  detachReady(): void {
    for (let id = this.expected; id < this.ready; id++) {
      const slot = this.slotFor(id);
      if (slot?.payload !== undefined) slot.payload = slot.payload.slice();
    }
    this.ready = this.expected;
  }

  /** Moves `ready` past the complete messages from it on. */
  private advanceReady(): void {
    if (this.ready < this.expected) this.ready = this.expected;
    while (this.ready < this.expected + this.size && this.slotFor(this.ready)?.payload !== undefined)
      this.ready++;
  }

  /** Removes and returns the next message in order if it is complete. */
  takeNext(): Uint8Array | undefined {
    const slot = this.slotFor(this.expected);
    if (!slot?.payload) return undefined;
    const payload = slot.payload;
    this.ids[this.expected % this.size] = -1;
    slot.payload = undefined;
    this.bufferedBytes -= slot.bytes;
    this.pieces -= slot.pieces;
    this.expected++;
    return payload;
  }

  /** Sets up slot `index` for a message, reusing its object. */
  private fill(
    index: number,
    fragmentCount: number,
    payload: Uint8Array | undefined,
    fragments: Map<number, Uint8Array> | undefined,
    bytes: number,
    pieces: number,
  ): IncomingMessage {
    let slot = this.slots[index];
    if (slot === undefined) {
      slot = { fragmentCount, payload, fragments, bytes, pieces };
      this.slots[index] = slot;
    } else {
      slot.fragmentCount = fragmentCount;
      slot.payload = payload;
      slot.fragments = fragments;
      slot.bytes = bytes;
      slot.pieces = pieces;
    }
    return slot;
  }

  private slotFor(id: number): IncomingMessage | undefined {
    const index = id % this.size;
    return this.ids[index] === id ? this.slots[index] : undefined;
  }
}
