import { SnapshotTruncatedError } from './errors.js';

/**
 * @internal Reads what {@link BitWriter} wrote. Every read is bounds-checked: reading past the
 * end throws {@link SnapshotTruncatedError}, which the decoders turn into a result.
 */
export class BitReader {
  private readonly buf: Uint8Array;
  private bitPos = 0;
  private readonly bitEnd: number;

  /** @param bytes - the packed data. */
  constructor(bytes: Uint8Array) {
    this.buf = bytes;
    this.bitEnd = bytes.length * 8;
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
    if (this.bitPos + bits > this.bitEnd)
      throw new SnapshotTruncatedError(`payload ends at bit ${this.bitEnd}, need ${this.bitPos + bits}`);
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
    for (let pos = this.bitPos; pos < this.bitEnd; pos++)
      if ((this.buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1) return false;
    return true;
  }

  /** Reads one bit as a boolean. */
  readBit(): boolean {
    return this.read(1) === 1;
  }
}
