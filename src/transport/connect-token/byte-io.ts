/**
 * Little-endian byte writer and bounds-checked reader for the connect-token formats. The reader
 * throws {@link ShortRead} past the end or on a value out of range; the token parsers catch it
 * and turn it into a refusal, so no exception leaves them.
 *
 * @internal
 */

import { isUtf8 } from 'node:buffer';

const utf8 = new TextEncoder();
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Raised inside the reader; never escapes the parsers. @internal */
export class ShortRead extends Error {}

/** Bytes of a string as UTF-8. @internal */
export const utf8Bytes = (text: string): Uint8Array => utf8.encode(text);

/** UTF-8 bytes as a string (lenient: invalid sequences become U+FFFD). @internal */
export const utf8Text = (bytes: Uint8Array): string => lenientUtf8.decode(bytes);

/** Appends fields into a fixed-size buffer. @internal */
export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(value: number): void {
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }

  u16(value: number): void {
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }

  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  /** A non-negative safe integer as u64. */
  u64(value: number): void {
    this.view.setBigUint64(this.offset, BigInt(value), true);
    this.offset += 8;
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** u8 length, then the bytes. */
  short(bytes: Uint8Array): void {
    this.u8(bytes.length);
    this.raw(bytes);
  }

  /** u16 length, then the bytes. */
  long(bytes: Uint8Array): void {
    this.u16(bytes.length);
    this.raw(bytes);
  }
}

/** Reads fields off untrusted bytes; every read is bounds-checked. @internal */
export class ByteReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(n: number): number {
    if (n > this.remaining) throw new ShortRead('truncated');
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  /** A u64 that must be a safe integer (timestamps in ms). */
  u64(): number {
    const value = this.view.getBigUint64(this.take(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ShortRead('u64 over 2^53 - 1');
    return Number(value);
  }

  /** A copy of the next `n` bytes. */
  copy(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.slice(at, at + n);
  }

  /** A view of the next `n` bytes (no copy). */
  sub(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }

  /** u8 length, then that many bytes of strict UTF-8; the length must be in [min, max]. */
  text(min: number, max: number): string {
    const length = this.u8();
    if (length < min || length > max) throw new ShortRead('string length out of range');
    const bytes = this.sub(length);
    if (!isUtf8(bytes)) throw new ShortRead('invalid UTF-8');
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** Every byte left must be zero (padding); consumes them. */
  zeros(): void {
    for (let i = this.offset; i < this.bytes.length; i++)
      if (this.bytes[i] !== 0) throw new ShortRead('non-zero padding');
    this.offset = this.bytes.length;
  }

  /** The reader must have consumed every byte. */
  end(): void {
    if (this.remaining !== 0) throw new ShortRead('trailing bytes');
  }
}
