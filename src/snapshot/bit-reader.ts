import { SnapshotTruncatedError } from './errors.js';

/**
 * @internal Reads what {@link BitWriter} wrote. Every read is bounds-checked: reading past the
 * end throws {@link SnapshotTruncatedError}, which the decoders turn into a result; or, for data
 * whose writer dropped its trailing zero bytes, reads zeros (`zeroExtended`).
 */
export class BitReader {
  private readonly buf: Uint8Array;
  private bitPos = 0;
  private readonly bitEnd: number;
  /** Index of the last 1 bit, -1 when there is none. */
  private readonly lastOne: number;

  /**
   * @param bytes - the packed data.
   * @param zeroExtended - read bits past the end as zeros instead of throwing.
   */
  constructor(
    bytes: Uint8Array,
    private readonly zeroExtended = false,
  ) {
    this.buf = bytes;
    this.bitEnd = bytes.length * 8;
    let last = bytes.length - 1;
    while (last >= 0 && bytes[last] === 0) last--;
    this.lastOne = last < 0 ? -1 : last * 8 + 7 - Math.log2(bytes[last]! & -bytes[last]!);
  }

  /** Bits left to read. */
  get remaining(): number {
    return this.bitEnd - this.bitPos;
  }

  /**
   * Reads an unsigned value.
   * @param bits - 0 to 32.
   * @throws SnapshotTruncatedError when fewer bits are left.
   */
  read(bits: number): number {
    if (bits === 0) return 0;
    if (this.bitPos + bits > this.bitEnd) {
      if (this.zeroExtended) {
        // Bits at or past the end: the rest of the buffer's bits, then zeros.
        const inside = Math.max(0, this.bitEnd - this.bitPos);
        const value = inside === 0 ? 0 : this.read(inside) * 2 ** (bits - inside);
        this.bitPos += bits - inside;
        return value;
      }
      throw new SnapshotTruncatedError(`payload ends at bit ${this.bitEnd}, need ${this.bitPos + bits}`);
    }
    let value = 0;
    let remaining = bits;
    while (remaining > 0) {
      const avail = 8 - (this.bitPos & 7);
      const take = Math.min(avail, remaining);
      const byte = this.buf[this.bitPos >>> 3]!;
      const chunk = (byte >>> (avail - take)) & ((1 << take) - 1);
      value = value * 2 ** take + chunk;
      this.bitPos += take;
      remaining -= take;
    }
    return value;
  }

  /**
   * Whether every remaining bit is zero (true when none remain).
   */
  restIsZero(): boolean {
    return this.bitPos > this.lastOne;
  }

  /** Reads one bit as a boolean. */
  readBit(): boolean {
    return this.read(1) === 1;
  }
}
