import type { RandomSource } from '../../core/index.js';

/**
 * `n` bytes from a {@link RandomSource}, 32 bits per draw. The source decides the quality: pass
 * `createCryptoRandom()` for nonces and keys that must not be guessed.
 *
 * @internal
 */
export function randomBytes(random: RandomSource, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    let word = Math.floor(random.next() * 0x100000000) >>> 0;
    for (let j = i; j < i + 4 && j < n; j++) {
      out[j] = word & 0xff;
      word >>>= 8;
    }
  }
  return out;
}
