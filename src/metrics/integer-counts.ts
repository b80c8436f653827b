import { BucketCounts } from './bucket-histogram.js';

/** Integer values below this are counted one array slot per value (8 bytes each). */
export const EXACT_LIMIT = 2048;

/**
 * A histogram of values that are nearly always small integers (packet sizes): each such value
 * adds one to its own slot, `exact[value]`, one memory write with no bucket search and no sum;
 * anything else goes to {@link IntegerCounts.other}. {@link IntegerCounts.current} folds the
 * slots into buckets, sum and count when the registry is scraped, so the histogram holds exactly
 * the samples observed, as {@link BucketCounts} would.
 *
 * The hot path writes `exact` directly (see `MetricsCollector`): one slot touched per packet
 * costs less, in a channel whose own buffers fill the caches, than a lookup table, the bucket
 * counts, the sum and the count.
 *
 * @internal
 */
export class IntegerCounts {
  /** Count of each integer value `0..EXACT_LIMIT - 1` since the last fold. */
  readonly exact = new Float64Array(EXACT_LIMIT);
  /** Everything folded so far, and every value that is not a small integer. */
  readonly other: BucketCounts;
  /** The bucket of each slot of {@link IntegerCounts.exact}. */
  private readonly bucketOf: Uint8Array;

  /** @param bounds - bucket upper bounds, ascending (at most 255). */
  constructor(bounds: readonly number[]) {
    this.other = new BucketCounts(bounds);
    this.bucketOf = new Uint8Array(EXACT_LIMIT);
    for (let v = 0; v < EXACT_LIMIT; v++) {
      let i = 0;
      while (i < bounds.length && v > bounds[i]!) i++;
      this.bucketOf[v] = i;
    }
  }

  /** Records one value (the collector's hot path inlines this). */
  observe(value: number): void {
    if (value >= 0 && value < EXACT_LIMIT && (value | 0) === value) this.exact[value]!++;
    else this.other.observe(value);
  }

  /** Moves the exact slots into {@link IntegerCounts.other} and returns it: the whole histogram. */
  current(): BucketCounts {
    const { exact, other, bucketOf } = this;
    for (let v = 0; v < EXACT_LIMIT; v++) {
      const n = exact[v]!;
      if (n === 0) continue;
      other.counts[bucketOf[v]!]! += n;
      other.sum += v * n;
      other.count += n;
      exact[v] = 0;
    }
    return other;
  }

  /** Zeroes everything. */
  reset(): void {
    this.exact.fill(0);
    this.other.reset();
  }
}
