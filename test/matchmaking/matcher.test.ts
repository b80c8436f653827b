import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/index.js';
import { Matcher, type MatchPair, type QueueEntry } from '../../src/matchmaking/index.js';

const entry = (playerId: string, rating: number, waitedMs = 0, region?: string): QueueEntry => ({
  playerId,
  rating,
  waitedMs,
  ...(region === undefined ? {} : { region }),
});
const ids = (pairs: MatchPair[]) => pairs.map((p) => [p.player1.playerId, p.player2.playerId].sort());

/** The largest number of valid pairs any pairing of `entries` can reach (exhaustive search). */
function bruteForceMax(entries: QueueEntry[], matcher: Matcher): number {
  if (entries.length < 2) return 0;
  const [first, ...rest] = entries;
  let best = bruteForceMax(rest, matcher);
  for (let i = 0; i < rest.length; i++) {
    if (!matcher.canPair(first!, rest[i]!)) continue;
    best = Math.max(best, 1 + bruteForceMax([...rest.slice(0, i), ...rest.slice(i + 1)], matcher));
  }
  return best;
}

describe('Matcher', () => {
  it('pairs 1200 with 1250 where stepping two at a time would pair none', () => {
    const pairs = new Matcher().pair([entry('a', 1000), entry('b', 1200), entry('c', 1250)]);
    expect(ids(pairs)).toEqual([['b', 'c']]);
  });

  it('treats the limit as exclusive (difference < maxRatingDiff)', () => {
    const m = new Matcher({ maxRatingDiff: 100 });
    expect(m.pair([entry('a', 1000), entry('b', 1100)])).toEqual([]);
    expect(ids(m.pair([entry('a', 1000), entry('b', 1099)]))).toEqual([['a', 'b']]);
  });

  it('prefers the closer rating when waits are equal', () => {
    const pairs = new Matcher().pair([entry('a', 1000), entry('b', 1040), entry('c', 1050)]);
    expect(ids(pairs)).toEqual([['b', 'c']]);
  });

  it('prefers the longer-waiting player over the closer rating', () => {
    const pairs = new Matcher().pair([entry('a', 1000, 5000), entry('b', 1040), entry('c', 1050)]);
    expect(ids(pairs)).toEqual([['a', 'b']]);
    expect(pairs[0]!.player1.playerId).toBe('a');
  });

  it('never pairs a player with themselves, even when listed twice', () => {
    expect(new Matcher().pair([entry('a', 1000), entry('a', 1000)])).toEqual([]);
    const pairs = new Matcher().pair([entry('a', 1000), entry('a', 1001), entry('b', 1002)]);
    expect(ids(pairs)).toEqual([['a', 'b']]);
    expect(pairs[0]!.player1.rating).toBe(1000);
  });

  it('matches only within a region; no region matches only no region', () => {
    const pairs = new Matcher().pair([
      entry('eu1', 1500, 0, 'eu'),
      entry('us1', 1500, 0, 'us'),
      entry('x1', 1500),
      entry('eu2', 1510, 0, 'eu'),
      entry('x2', 1520),
      entry('us-alone', 1600, 0, 'us'),
    ]);
    expect(ids(pairs).sort()).toEqual([
      ['eu1', 'eu2'],
      ['x1', 'x2'],
    ]);
  });

  it('widens the allowance with waiting time only when configured', () => {
    const far = [entry('a', 1000, 30_000), entry('b', 1250, 30_000)];
    expect(new Matcher().pair(far)).toEqual([]);
    const m = new Matcher({
      widening: [
        { afterMs: 10_000, maxRatingDiff: 200 },
        { afterMs: 20_000, maxRatingDiff: 300 },
      ],
    });
    expect(m.allowance(0)).toBe(100);
    expect(m.allowance(10_000)).toBe(200);
    expect(m.allowance(25_000)).toBe(300);
    expect(ids(m.pair(far))).toEqual([['a', 'b']]);
    // Both players must accept: a newcomer is not handed a far-away opponent.
    expect(m.pair([entry('a', 1000, 30_000), entry('b', 1250, 0)])).toEqual([]);
  });

  describe("widening that follows the longer waiter (wideningFollows: 'longer')", () => {
    const schedule = [
      { afterMs: 10_000, maxRatingDiff: 200 },
      { afterMs: 20_000, maxRatingDiff: 400 },
      { afterMs: 30_000, maxRatingDiff: 800 },
    ];
    const newer = new Matcher({ widening: schedule });
    const longer = new Matcher({ widening: schedule, wideningFollows: 'longer' });

    it('rescues a lone outlier that the newer-waiter rule never pairs, however long it waits', () => {
      const outlier = entry('o', 600, 3_600_000);
      const partner = entry('p', 1100, 12_000); // past the first step: allowance 200 of its own
      expect(newer.wideningFollows).toBe('newer');
      expect(newer.pair([outlier, partner])).toEqual([]);
      expect(longer.pair([outlier, partner])).toEqual([{ player1: outlier, player2: partner }]);
    });

    it('hands a newcomer no widened pair before it has waited the first step itself', () => {
      const outlier = entry('o', 600, 35_000);
      expect(longer.pair([outlier, entry('p', 1100, 9_999)])).toEqual([]);
      expect(ids(longer.pair([outlier, entry('p', 1100, 10_000)]))).toEqual([['o', 'p']]);
      // Within maxRatingDiff a newcomer pairs at once, whatever the rule.
      expect(ids(longer.pair([outlier, entry('p', 699, 0)]))).toEqual([['o', 'p']]);
    });

    it("uses the longer waiter's allowance, capped by the last step", () => {
      // 450 apart: the longer waiter's allowance is 400 at 20 s, 800 from 30 s.
      expect(longer.pair([entry('a', 1000, 29_999), entry('b', 1450, 10_000)])).toEqual([]);
      expect(ids(longer.pair([entry('a', 1000, 30_000), entry('b', 1450, 10_000)]))).toEqual([['a', 'b']]);
      // 800 is the cap (exclusive): never reached, however long both wait.
      expect(longer.pair([entry('a', 1000, 3_600_000), entry('b', 1800, 3_600_000)])).toEqual([]);
      expect(longer.allowance(3_600_000)).toBe(800);
    });

    it('prefers a partner within maxRatingDiff to a widened pair with a longer waiter (the gap-181 case)', () => {
      // x has waited 15 s, y 12 s (both accept 181); z, 1 point from y, has just arrived.
      const queue = [entry('x', 1000, 15_000), entry('y', 1181, 12_000), entry('z', 1182, 0)];
      expect(ids(longer.pair(queue))).toEqual([['y', 'z']]);
      expect(ids(newer.pair(queue))).toEqual([['y', 'z']]);
    });

    it('still widens when that makes an extra pair', () => {
      const queue = [
        entry('a', 1000, 20_000),
        entry('b', 1250, 20_000),
        entry('c', 1260, 0),
        entry('d', 1270, 0),
      ];
      expect(ids(longer.pair(queue)).sort()).toEqual([
        ['a', 'b'],
        ['c', 'd'],
      ]);
    });

    it('pairs two leftovers that a pair sat between', () => {
      // p-q pair first; o (35 s, allowance 800) and r (12 s) are 700 apart with p and q between.
      const queue = [
        entry('o', 600, 35_000),
        entry('p', 1000, 0),
        entry('q', 1010, 0),
        entry('r', 1300, 12_000),
      ];
      expect(ids(longer.pair(queue))).toEqual([
        ['o', 'r'],
        ['p', 'q'],
      ]);
      expect(ids(newer.pair(queue))).toEqual([['p', 'q']]);
    });

    it('changes nothing without widening: no pair differs by maxRatingDiff or more', () => {
      const m = new Matcher({ wideningFollows: 'longer' });
      expect(m.pair([entry('a', 1000, 3_600_000), entry('b', 1100, 3_600_000)])).toEqual([]);
    });

    it('only makes valid pairs (property)', () => {
      fc.assert(
        fc.property(queueArb, (raw) => {
          const entries = toEntries(raw);
          const unique = entries.filter((e, i) => entries.findIndex((x) => x.playerId === e.playerId) === i);
          const pairs = longer.pair(entries);
          assertValid(longer, unique, pairs);
          for (const { player1, player2 } of pairs) {
            if (Math.abs(player1.rating - player2.rating) >= 100)
              expect(player2.waitedMs).toBeGreaterThanOrEqual(10_000);
          }
        }),
        { numRuns: 300, seed: 6 },
      );
    });
  });

  it('orders pairs longest-waiting first', () => {
    const pairs = new Matcher().pair([
      entry('a', 1000, 100),
      entry('b', 1001, 100),
      entry('c', 2000, 9000),
      entry('d', 2001, 50),
    ]);
    expect(pairs.map((p) => p.player1.playerId)).toEqual(['c', 'a']);
  });

  it('rejects bad options naming the option', () => {
    expect(() => new Matcher({ maxRatingDiff: 0 })).toThrow(InvalidOptionError);
    expect(() => new Matcher({ maxRatingDiff: Number.NaN })).toThrow(/maxRatingDiff/);
    expect(
      () =>
        new Matcher({
          widening: [
            { afterMs: 5, maxRatingDiff: 200 },
            { afterMs: 5, maxRatingDiff: 300 },
          ],
        }),
    ).toThrow(/widening/);
    expect(() => new Matcher({ widening: [{ afterMs: 5, maxRatingDiff: 50 }] })).toThrow(/widening/);
    expect(() => new Matcher({ wideningFollows: 'oldest' as 'longer' })).toThrow(/wideningFollows/);
  });

  const queueArb = fc.array(
    fc.record({
      id: fc.integer({ min: 0, max: 12 }),
      rating: fc.integer({ min: 900, max: 1400 }),
      waitedMs: fc.integer({ min: 0, max: 60_000 }),
      region: fc.constantFrom(undefined, 'eu', 'us'),
    }),
    { maxLength: 10 },
  );
  const toEntries = (raw: { id: number; rating: number; waitedMs: number; region: string | undefined }[]) =>
    raw.map((r) => entry(`p${r.id}`, r.rating, r.waitedMs, r.region));

  function assertValid(matcher: Matcher, entries: QueueEntry[], pairs: MatchPair[]): void {
    const used = new Set<string>();
    for (const { player1, player2 } of pairs) {
      expect(matcher.canPair(player1, player2)).toBe(true);
      expect(used.has(player1.playerId) || used.has(player2.playerId)).toBe(false);
      used.add(player1.playerId);
      used.add(player2.playerId);
      expect(entries).toContain(player1);
      expect(entries).toContain(player2);
    }
  }

  it('makes the maximum number of valid pairs (property, against exhaustive search)', () => {
    const matcher = new Matcher({ maxRatingDiff: 100 });
    fc.assert(
      fc.property(queueArb, (raw) => {
        const entries = toEntries(raw);
        const unique = entries.filter((e, i) => entries.findIndex((x) => x.playerId === e.playerId) === i);
        const pairs = matcher.pair(entries);
        assertValid(matcher, unique, pairs);
        expect(pairs.length).toBe(bruteForceMax(unique, matcher));
      }),
      { numRuns: 500, seed: 4 },
    );
  });

  it('only makes valid pairs with widening on (property)', () => {
    const matcher = new Matcher({
      widening: [
        { afterMs: 10_000, maxRatingDiff: 150 },
        { afterMs: 30_000, maxRatingDiff: 400 },
      ],
    });
    fc.assert(
      fc.property(queueArb, (raw) => {
        const entries = toEntries(raw);
        const unique = entries.filter((e, i) => entries.findIndex((x) => x.playerId === e.playerId) === i);
        assertValid(matcher, unique, matcher.pair(entries));
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
