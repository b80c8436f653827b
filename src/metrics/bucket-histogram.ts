import type { Metric, Registry } from 'prom-client';

/** Integer values up to this bound find their bucket by table lookup instead of a scan. */
const LOOKUP_LIMIT = 4096;

/**
 * A histogram's state as plain numbers: one count per bucket (the last one is `+Inf`), the sum
 * and the count. `observe` is a table lookup (integers such as byte sizes) or a short scan, and
 * three additions, with no label hashing, so it can sit on a per-packet path; the registry reads
 * it only when scraped.
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
  /** Bucket index of each integer `0..lookup.length - 1`. */
  private readonly lookup: Uint8Array;
  /** The bounds as unboxed doubles: scanning a frozen JS array of doubles is several times slower. */
  private readonly scanBounds: Float64Array;

  /** @param bounds - bucket upper bounds, ascending (at most 255). */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
    this.scanBounds = Float64Array.from(bounds);
    const last = bounds[bounds.length - 1] ?? 0;
    this.lookup = new Uint8Array(last <= LOOKUP_LIMIT ? Math.floor(last) + 1 : 0);
    for (let v = 0; v < this.lookup.length; v++) this.lookup[v] = this.scan(v);
  }

  /** Records one value. NaN is ignored (it would poison the sum for good). */
  observe(value: number): void {
    const lookup = this.lookup;
    let i: number;
    if (value >= 0 && value < lookup.length && (value | 0) === value) i = lookup[value]!;
    else if (Number.isNaN(value)) return;
    else i = this.scan(value);
    this.counts[i]!++;
    this.sum += value;
    this.count++;
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
  readonly counts: BucketCounts;
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
        const { bounds, counts } = s.counts;
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += counts[i]!;
          values.push({ labels: { ...s.labels, le: bounds[i]! }, value: cumulative, metricName: bucketName });
        }
        values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.counts.count, metricName: bucketName });
        values.push({ labels: { ...s.labels }, value: s.counts.sum, metricName: sumName });
        values.push({ labels: { ...s.labels }, value: s.counts.count, metricName: countName });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset() {
      for (const s of series) s.counts.reset();
    },
  };
  registry.registerMetric(metric as unknown as Metric);
}
