import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketCounts } from '../../src/metrics/bucket-histogram.js';
import {
  MATCH_RATING_GAP_BUCKETS,
  MATCH_WAIT_BUCKETS,
  PACKET_SIZE_BUCKETS,
  RTT_BUCKETS,
  TICK_DURATION_BUCKETS,
} from '../../src/metrics/buckets.js';

/** The definition: the first bucket whose upper bound is >= the value, else +Inf. */
function reference(bounds: readonly number[], value: number): number {
  const i = bounds.findIndex((b) => value <= b);
  return i < 0 ? bounds.length : i;
}

function bucketOf(bounds: readonly number[], value: number): number {
  const h = new BucketCounts(bounds);
  h.observe(value);
  return h.counts.indexOf(1);
}

/** The doubles just below and just above `v`. */
function neighbours(v: number): number[] {
  const f = new Float64Array([v]);
  const bits = new BigInt64Array(f.buffer);
  const out: number[] = [];
  for (const d of [-1n, 1n]) {
    const g = new BigInt64Array([bits[0]! + (v >= 0 ? d : -d)]);
    out.push(new Float64Array(g.buffer)[0]!);
  }
  return out;
}

const ALL = {
  TICK_DURATION_BUCKETS,
  PACKET_SIZE_BUCKETS,
  RTT_BUCKETS,
  MATCH_WAIT_BUCKETS,
  MATCH_RATING_GAP_BUCKETS,
};

describe('BucketCounts', () => {
  for (const [name, bounds] of Object.entries(ALL)) {
    it(`${name}: every bound and its neighbouring doubles land in the defined bucket`, () => {
      const values = [0, -0, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      for (const b of bounds) values.push(b, ...neighbours(b), b / 2, b * 1.0000001);
      for (const v of values) expect([v, bucketOf(bounds, v)]).toEqual([v, reference(bounds, v)]);
    });

    it(`${name}: random values land in the defined bucket`, () => {
      const last = bounds[bounds.length - 1]!;
      fc.assert(
        fc.property(fc.double({ min: -1, max: last * 1.5, noNaN: true }), (v) => {
          expect(bucketOf(bounds, v)).toBe(reference(bounds, v));
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('counts, sums and ignores NaN exactly', () => {
    const h = new BucketCounts(RTT_BUCKETS);
    for (const v of [0.0005, 0.001, 0.016, 0.016, 3, Number.NaN]) h.observe(v);
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(3.0335, 12);
    expect([...h.counts]).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.reset();
    expect([h.count, h.sum, h.counts.every((c) => c === 0)]).toEqual([0, 0, true]);
  });

  it('works for bounds with no positive range (no grid) and for integer sizes', () => {
    const negative = [-2, -1, 0];
    for (const v of [-3, -2, -1.5, -1, -0.5, 0, 0.5])
      expect(bucketOf(negative, v)).toBe(reference(negative, v));
    for (let v = 0; v <= 1600; v++)
      expect(bucketOf(PACKET_SIZE_BUCKETS, v)).toBe(reference(PACKET_SIZE_BUCKETS, v));
  });
});
