import { InvalidArgumentError } from '../core/index.js';

/**
 * @internal Writes unsigned values of 1 to 32 bits, most significant bit first, into a buffer
 * that grows as needed and is reused between packets (call {@link BitWriter.reset}).
 */
export class BitWriter {
  private buf: Uint8Array;
  private bitPos = 0;

  /** @param initialBytes - starting capacity. */
  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.bitPos;
  }

  /** Empties the writer, keeping its buffer. */
  reset(): void {
    this.buf.fill(0, 0, (this.bitPos + 7) >>> 3);
    this.bitPos = 0;
  }

  /**
   * Appends `bits` low bits of `value`.
   * @param value - an unsigned integer below `2^bits`.
   * @param bits - 0 to 32.
   */
  write(value: number, bits: number): void {
    if (bits === 0) return;
    if (!(bits > 0 && bits <= 32 && value >= 0 && value < 2 ** bits && Number.isInteger(value)))
      throw new InvalidArgumentError('value', `BitWriter.write: ${value} does not fit ${bits} bits`);
    const end = this.bitPos + bits;
    if (end > this.buf.length * 8) this.grow(end);
    let remaining = bits;
    while (remaining > 0) {
      const free = 8 - (this.bitPos & 7);
      const take = Math.min(free, remaining);
      const chunk = Math.floor(value / 2 ** (remaining - take)) & ((1 << take) - 1);
      this.buf[this.bitPos >>> 3]! |= chunk << (free - take);
      this.bitPos += take;
      remaining -= take;
    }
  }

  /** Appends one bit. */
  writeBit(bit: boolean): void {
    this.write(bit ? 1 : 0, 1);
  }

  /** @returns a copy of the bytes written, the last byte zero-padded. */
  finish(): Uint8Array {
    return this.buf.slice(0, (this.bitPos + 7) >>> 3);
  }

  /**
   * @returns a copy of the bytes written without its trailing zero bytes (at least one byte), for
   * a reader that reads past the end as zeros.
   */
  finishTrimmed(): Uint8Array {
    return this.buf.slice(0, this.trimmedLength());
  }

  /** Length of what {@link BitWriter.finishTrimmed} returns. */
  trimmedLength(): number {
    let end = (this.bitPos + 7) >>> 3;
    while (end > 1 && this.buf[end - 1] === 0) end--;
    return Math.max(end, 1);
  }

  /** Copies the first `length` bytes written into `target` at `offset` (no intermediate copy). */
  copyTo(target: Uint8Array, offset: number, length: number): void {
    target.set(this.buf.subarray(0, length), offset);
  }

  private grow(minBits: number): void {
    let size = this.buf.length * 2;
    while (size * 8 < minBits) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf);
    this.buf = next;
  }
}
