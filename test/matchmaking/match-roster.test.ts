/** The match roster a connect token carries (read by game servers off sealed bytes, still defensively). */
import { describe, expect, it } from 'vitest';
import { decodeMatchRoster, encodeMatchRoster, MAX_ROSTER_BYTES } from '../../src/matchmaking/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('match roster', () => {
  it('round-trips the players in order', () => {
    expect(decodeMatchRoster(encodeMatchRoster(['p124', 'p123'])!)).toEqual(['p124', 'p123']);
  });

  it('refuses a roster that does not fit a token', () => {
    expect(encodeMatchRoster(['x'.repeat(MAX_ROSTER_BYTES)])).toBeUndefined();
    expect(decodeMatchRoster(new Uint8Array(MAX_ROSTER_BYTES + 1))).toBeUndefined();
  });

  it('reads anything but 1-16 distinct non-empty strings as no roster', () => {
    for (const bad of [
      '',
      'not json',
      '{}',
      '[]',
      '[1,2]',
      '["a",""]',
      '["a","a"]',
      JSON.stringify(
        Array(17)
          .fill(0)
          .map((_, i) => `p${i}`),
      ),
    ]) {
      expect(decodeMatchRoster(bytes(bad)), bad).toBeUndefined();
    }
    expect(decodeMatchRoster(Uint8Array.of(0x5b, 0x22, 0xff, 0x22, 0x5d))).toBeUndefined(); // not UTF-8
  });
});
