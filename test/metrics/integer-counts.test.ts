import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketCounts } from '../../src/metrics/bucket-histogram.js';
import { PACKET_SIZE_BUCKETS } from '../../src/metrics/buckets.js';
import { EXACT_LIMIT, IntegerCounts } from '../../src/metrics/integer-counts.js';

function snapshot(b: BucketCounts) {
  return { counts: [...b.counts], sum: b.sum, count: b.count };
}

describe('IntegerCounts', () => {
  it('holds exactly the histogram BucketCounts holds for the same samples, across folds', () => {
    const value = fc.oneof(
      fc.integer({ min: 0, max: 1600 }),
      fc.integer({ min: EXACT_LIMIT - 2, max: EXACT_LIMIT + 2 }),
      fc.integer({ min: -3, max: 70_000 }),
      fc.double({ min: -1, max: 3000, noNaN: true }),
      fc.constant(Number.NaN),
    );
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 40 }), { maxLength: 4 }), (batches) => {
        const ints = new IntegerCounts(PACKET_SIZE_BUCKETS);
        const reference = new BucketCounts(PACKET_SIZE_BUCKETS);
        for (const batch of batches) {
          for (const v of batch) {
            ints.observe(v);
            reference.observe(v);
          }
          // Folding at every scrape keeps the running totals.
          const now = snapshot(ints.current());
          const ref = snapshot(reference);
          expect(now.counts).toEqual(ref.counts);
          expect(now.count).toBe(ref.count);
          expect(now.sum).toBeCloseTo(ref.sum, 6);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts small integers in their slot until folded, then in buckets, sum and count', () => {
    const ints = new IntegerCounts(PACKET_SIZE_BUCKETS);
    for (const v of [20, 20, 1500, 1501, 5000, 12.5]) ints.observe(v);
    expect([ints.exact[20], ints.exact[1500], ints.exact[1501]]).toEqual([2, 1, 1]);
    expect(ints.other.count).toBe(2);
    const h = ints.current();
    expect(ints.exact.every((n) => n === 0)).toBe(true);
    expect([...h.counts]).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect([h.sum, h.count]).toEqual([20 + 20 + 1500 + 1501 + 5000 + 12.5, 6]);
    ints.observe(20);
    ints.reset();
    expect(snapshot(ints.current())).toEqual({ counts: new Array(13).fill(0), sum: 0, count: 0 });
  });
});
