/** One slab of queued payload bytes. @internal */
export interface PooledSlab {
  readonly bytes: Uint8Array;
  /** First free byte. */
  offset: number;
  /** Copies in this slab not yet released. */
  live: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Copies of queued outgoing payloads, carved from slabs that are reused once every copy in them
 * is released (the message acknowledged, or the unreliable message packed). The copies never
 * leave the channel (they are only copied into packets), so reusing their memory is safe, and a
 * steady stream allocates nothing: allocating and collecting an ArrayBuffer per message cost
 * more than the rest of the channel's send path. Memory held: the slabs with live copies plus at
 * most `maxFree` spare ones.
 * @internal
 */
export class PayloadPool {
  /** The slab that holds the copy `copy()` returned last, `undefined` if it got its own array. */
  lastSlab: PooledSlab | undefined;
  private current: PooledSlab | undefined;
  private readonly free: PooledSlab[] = [];

  /**
   * @param slabSize - bytes per slab.
   * @param maxPooled - larger payloads get arrays of their own.
   * @param maxFree - spare slabs kept for reuse.
   */
  constructor(
    private readonly slabSize: number,
    private readonly maxPooled: number,
    private readonly maxFree: number,
  ) {}

  /** A copy of `src`; its slab (to release later) is left in `lastSlab`. */
  copy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n === 0 || n > this.maxPooled) {
      this.lastSlab = undefined;
      return n === 0 ? EMPTY : src.slice();
    }
    let slab = this.current;
    if (slab !== undefined && slab.live === 0) slab.offset = 0;
    if (slab === undefined || slab.offset + n > slab.bytes.length) {
      slab = this.free.pop() ?? { bytes: new Uint8Array(this.slabSize), offset: 0, live: 0 };
      this.current = slab;
    }
    const start = slab.offset;
    slab.offset = start + n;
    slab.live++;
    const out = slab.bytes.subarray(start, start + n);
    if (n <= 16) {
      for (let i = 0; i < n; i++) out[i] = src[i]!;
    } else {
      out.set(src);
    }
    this.lastSlab = slab;
    return out;
  }

  /** Releases one copy held in `slab`; the slab is reused once it holds none. */
  release(slab: PooledSlab): void {
    slab.live--;
    if (slab.live === 0 && slab !== this.current && this.free.length < this.maxFree) {
      slab.offset = 0;
      this.free.push(slab);
    }
  }
}
