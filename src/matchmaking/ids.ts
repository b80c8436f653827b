import type { RandomSource } from '../core/index.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** Makes ids such as `m_0f3k...`; ids are `prefix` + `length` base-32 characters. */
export type IdGenerator = () => string;

/**
 * Builds an {@link IdGenerator} over an injected random source, so ids are reproducible in tests
 * (`createSeededRandom`) and unguessable in production (`createCryptoRandom`, the default of
 * the classes that take one).
 *
 * @param random - the random source.
 * @param prefix - prepended to every id (e.g. `m_` for matches, `r_` for rooms).
 * @param length - random characters after the prefix (default 20, i.e. 100 bits).
 */
export function createIdGenerator(random: RandomSource, prefix: string, length = 20): IdGenerator {
  return () => {
    let id = prefix;
    for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(random.next() * 32)];
    return id;
  };
}
