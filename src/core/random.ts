import { randomFillSync } from 'node:crypto';

/** A source of uniformly distributed numbers in [0, 1). Injected wherever logic needs chance. */
export interface RandomSource {
  /** @returns a number in [0, 1). */
  next(): number;
}

/**
 * A small, fast, seedable PRNG (sfc32). The same seed always yields the same sequence, so
 * simulations and soak tests are reproducible. Not for secrets.
 *
 * @param seed - any 32-bit integer.
 */
export function createSeededRandom(seed: number): RandomSource {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162 ^ Math.imul(seed, 0xc2b2ae35);
  let d = seed | 0;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return { next };
}

/** A {@link RandomSource} backed by the OS's cryptographic generator (buffered). */
export function createCryptoRandom(): RandomSource {
  const buffer = new Uint32Array(256);
  let index = buffer.length;
  return {
    next(): number {
      if (index === buffer.length) {
        randomFillSync(buffer);
        index = 0;
      }
      return buffer[index++]! / 4294967296;
    },
  };
}
