const EMPTY = new Uint8Array(0);

/**
 * Carves small byte arrays out of one larger buffer, as `Buffer.allocUnsafe` does with its pool.
 * A typed array over 64 bytes gets an ArrayBuffer of its own in V8, and allocating, tracking and
 * sweeping those dominated the channel's CPU per message; a slab costs one such allocation for
 * many arrays. Every view handed out is a distinct range that is never handed out again (so views
 * never alias and each is its holder's to keep); a slab is freed by the GC once no view of it is
 * alive. Views have a non-zero `byteOffset`. Nothing is allocated until the first request, so an
 * idle channel holds no slab.
 * @internal
 */
export class ByteSlab {
  /** The current slab (empty until first needed); bytes from `offset` on are free. */
  buffer: Uint8Array = EMPTY;
  /** First free byte of `buffer`. */
  offset = 0;

  /**
   * @param slabSize - bytes per slab.
   * @param maxPooled - larger copies get an array of their own (bounds what one kept view can pin).
   */
  constructor(
    private readonly slabSize: number,
    private readonly maxPooled: number,
  ) {}

  /** Makes sure `n` bytes are free from `offset` on, starting a new slab if not. */
  reserve(n: number): void {
    if (this.offset + n > this.buffer.length) {
      this.buffer = uninitialized(Math.max(this.slabSize, n));
      this.offset = 0;
    }
  }

  /** Hands out the `n` bytes at `offset` (after `reserve(n)` or more) and moves past them. */
  take(n: number): Uint8Array {
    const start = this.offset;
    this.offset = (start + n + 7) & ~7;
    return this.buffer.subarray(start, start + n);
  }

  /** `n` bytes (not zeroed) that the caller may keep. */
  alloc(n: number): Uint8Array {
    if (n > this.maxPooled) return new Uint8Array(n);
    this.reserve(n);
    return this.take(n);
  }

  /** A copy of `src[start, end)` that the caller may keep. */
  copy(src: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n > this.maxPooled) return src.slice(start, end);
    this.reserve(n);
    const out = this.take(n);
    if (n <= 16) {
      for (let i = 0; i < n; i++) out[i] = src[start + i]!;
    } else {
      out.set(start === 0 && end === src.length ? src : src.subarray(start, end));
    }
    return out;
  }
}

/**
 * A plain Uint8Array over memory that is not zeroed first (`Buffer.allocUnsafeSlow`): zeroing
 * and faulting in fresh zeroed pages cost more than the channel's own work per packet. Safe here
 * because every view handed out is written in full before it is (apart from a packet's
 * headroom, which the channel zeroes).
 */
function uninitialized(n: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}
