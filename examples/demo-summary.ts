/** Reads the demo's metrics registries the way a Prometheus query would, for the closing table. */
import type { MetricsCollector } from '../src/metrics/index.js';

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** `histogram_quantile` over cumulative buckets: linear interpolation inside the bucket. */
function quantile(q: number, buckets: { le: number; count: number }[]): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, 1);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

export async function summarizeMetrics(collectors: MetricsCollector[]): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for (const collector of collectors) {
    const metrics = await collector.registry.getMetricsAsJSON();
    const byName = new Map(metrics.map((m) => [m.name, m.values as Sample[]]));
    const sum = (name: string) => (byName.get(name) ?? []).reduce((s, v) => s + v.value, 0);
    const server = String(
      (byName.get('packets_sent_total') ?? byName.get('match_requests_total'))?.[0]?.labels.server_id ?? '?',
    );
    if (byName.has('match_requests_total') && sum('match_requests_total') > 0) {
      rows.push({
        server,
        'match requests': String(sum('match_requests_total')),
        'matches created': String(sum('matches_created_total')),
      });
      continue;
    }
    const buckets = (byName.get('server_tick_duration_seconds') ?? [])
      .filter((v) => v.metricName === 'server_tick_duration_seconds_bucket')
      .map((v) => ({
        le: v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le),
        count: v.value,
      }));
    const sent = sum('packets_sent_total');
    rows.push({
      server,
      ticks: String(buckets.at(-1)?.count ?? 0),
      'tick p50 ms': (quantile(0.5, buckets) * 1000).toFixed(3),
      'tick p99 ms': (quantile(0.99, buckets) * 1000).toFixed(3),
      'packets sent': String(sent),
      'packets received': String(sum('packets_received_total')),
      'network loss %': sent > 0 ? ((100 * sum('packets_lost_total')) / sent).toFixed(1) : '0',
      retransmissions: String(sum('reliable_retries_total')),
      'duplicates dropped': String(sum('dropped_duplicates_total')),
      'reliable give-ups': String(sum('reliable_timeouts_total')),
    });
  }
  return rows;
}
