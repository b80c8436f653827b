import type { Metric, Registry } from 'prom-client';

/** Cells of the lookup grid over `[0, last bound)` (a `Uint8Array` of this size per histogram). */
const GRID_CELLS = 4096;

/**
 * A histogram's state as plain numbers: one count per bucket (the last one is `+Inf`), the sum
 * and the count. `observe` finds the bucket with a grid lookup and a step or two of correction,
 * and makes three additions, with no label hashing, so it can sit on a per-packet path; the
 * registry reads it only when scraped.
 *
 * @internal
 */
export class BucketCounts {
  /** Upper bounds, ascending. */
  readonly bounds: readonly number[];
  /** Per-bucket counts (not cumulative); index `bounds.length` is `+Inf`. */
  readonly counts: Float64Array;
  /** Sum of the observed values. */
  sum = 0;
  /** Number of observed values. */
  count = 0;
  /**
   * The bucket of the lower end of each of `GRID_CELLS` equal cells of `[0, limit)` (one
   * extra cell for rounding at the top). A value's cell gives a bucket at most a step or two
   * away from its own, since no two bounds closer than a cell are expected; `observe` then steps
   * to the exact one, so the lookup is only a starting point and never changes a result.
   */
  private readonly grid: Uint8Array;
  /** Values in `[0, limit)` use the grid: the last bound, or 0 (no grid) when it is not positive. */
  private readonly limit: number;
  /** Cells per unit of value. */
  private readonly scale: number;
  /** The bounds as unboxed doubles: scanning a frozen JS array of doubles is several times slower. */
  private readonly scanBounds: Float64Array;

  /** @param bounds - bucket upper bounds, ascending (at most 255). */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
    this.scanBounds = Float64Array.from(bounds);
    const last = bounds[bounds.length - 1] ?? 0;
    this.limit = last > 0 && Number.isFinite(last) ? last : 0;
    this.scale = this.limit > 0 ? GRID_CELLS / this.limit : 0;
    this.grid = new Uint8Array(this.limit > 0 ? GRID_CELLS + 1 : 0);
    for (let c = 0; c < this.grid.length; c++) this.grid[c] = this.scan(c / this.scale);
  }

  /** Records one value. NaN is ignored (it would poison the sum for good). */
  observe(value: number): void {
    let i: number;
    if (value >= 0 && value < this.limit) {
      const bounds = this.scanBounds;
      i = this.grid[(value * this.scale) | 0]!;
      // value < limit = the last bound, so this stops at a bound without an index check.
      while (value > bounds[i]!) i++;
      while (i > 0 && value <= bounds[i - 1]!) i--;
    } else if (Number.isNaN(value)) return;
    else i = this.scan(value);
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** The histogram as it stands: this object (see `IntegerCounts.current` for one that folds). */
  current(): BucketCounts {
    return this;
  }

  /** Zeroes every bucket, the sum and the count. */
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  private scan(value: number): number {
    const bounds = this.scanBounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    return i;
  }
}

/** One labelled series of a histogram family. @internal */
export interface HistogramSeries {
  /** Label values of this series (constant labels included). */
  readonly labels: Readonly<Record<string, string>>;
  /** Its state. */
  readonly counts: { current(): BucketCounts; reset(): void };
}

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * Registers a histogram family whose series are {@link BucketCounts} into `registry`.
 * prom-client's own `Histogram` has no way to take counts in bulk (every `observe` hashes its
 * labels), so this object implements the small part of prom-client's metric contract the
 * registry uses (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`); the registry formats
 * it like any other histogram, in both text formats and in `getMetricsAsJSON`.
 *
 * @internal
 */
export function registerBucketHistogram(
  registry: Registry,
  name: string,
  help: string,
  series: readonly HistogramSeries[],
): void {
  const bucketName = `${name}_bucket`;
  const sumName = `${name}_sum`;
  const countName = `${name}_count`;
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: ExportedValue[] = [];
      for (const s of series) {
        const state = s.counts.current();
        const { bounds, counts } = state;
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += counts[i]!;
          values.push({ labels: { ...s.labels, le: bounds[i]! }, value: cumulative, metricName: bucketName });
        }
        values.push({ labels: { ...s.labels, le: '+Inf' }, value: state.count, metricName: bucketName });
        values.push({ labels: { ...s.labels }, value: state.sum, metricName: sumName });
        values.push({ labels: { ...s.labels }, value: state.count, metricName: countName });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset() {
      for (const s of series) s.counts.reset();
    },
  };
  registry.registerMetric(metric as unknown as Metric);
}
