import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { BitReader } from '../../src/snapshot/bit-reader.js';
import { BitWriter } from '../../src/snapshot/bit-writer.js';
import { SnapshotTruncatedError } from '../../src/snapshot/index.js';

describe('BitWriter / BitReader', () => {
  it('pack most significant bit first and pad the last byte with zeros', () => {
    const w = new BitWriter(1);
    w.write(0b101, 3);
    w.write(0xabcd, 16);
    w.writeBit(true);
    expect(w.bitLength).toBe(20);
    expect([...w.finish()]).toEqual([0b1011_0101, 0b0111_1001, 0b1011_0000]);
    w.reset();
    w.write(1, 1);
    expect([...w.finish()]).toEqual([0b1000_0000]);
  });

  it('round-trip any sequence of 1..32-bit values, growing the buffer as needed', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .integer({ min: 1, max: 32 })
            .chain((bits) => fc.tuple(fc.constant(bits), fc.integer({ min: 0, max: 2 ** bits - 1 }))),
          { maxLength: 200 },
        ),
        (values) => {
          const w = new BitWriter(1);
          for (const [bits, v] of values) w.write(v, bits);
          const r = new BitReader(w.finish());
          for (const [bits, v] of values) expect(r.read(bits)).toBe(v);
          expect(r.remaining).toBeLessThan(8);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reject values that do not fit and reads past the end', () => {
    const w = new BitWriter();
    expect(() => w.write(4, 2)).toThrow(InvalidArgumentError);
    expect(() => w.write(-1, 8)).toThrow(InvalidArgumentError);
    expect(() => w.write(1, 33)).toThrow(InvalidArgumentError);
    const r = new BitReader(new Uint8Array([0xff]));
    expect(r.read(5)).toBe(31);
    expect(() => r.read(4)).toThrow(SnapshotTruncatedError);
    expect(r.read(3)).toBe(7);
  });

  it('drop trailing zero bytes on request, and read them back as zeros when zero-extended', () => {
    const w = new BitWriter();
    w.write(0b1010, 4);
    w.write(0, 20);
    expect([...w.finishTrimmed()]).toEqual([0b1010_0000]);
    w.reset();
    w.write(0, 9);
    expect([...w.finishTrimmed()]).toEqual([0]); // never empty
    const r = new BitReader(new Uint8Array([0b1010_0001]), true);
    expect(r.read(4)).toBe(0b1010);
    expect(r.restIsZero()).toBe(false);
    expect(r.read(6)).toBe(0b000100); // 4 bits of the byte, then two zeros past the end
    expect(r.restIsZero()).toBe(true);
    expect(r.read(32)).toBe(0);
    expect(new BitReader(new Uint8Array([0, 0])).restIsZero()).toBe(true);
  });
});
