import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerResultReporterMetrics } from '../../examples/pong-server/result-metrics.js';
import type { ResultReporterStats } from '../../src/matchmaking/index.js';
import { parseExposition, seriesValue } from '../metrics/exposition.js';

describe('registerResultReporterMetrics', () => {
  it('exposes the reporter counters by outcome and the pending queue, read at each scrape', async () => {
    const registry = new Registry();
    const stats: ResultReporterStats = { queued: 0, acknowledged: 0, retries: 0, rejected: 0, dropped: 0 };
    const reporter = { stats, pending: 0 };
    expect(registerResultReporterMetrics({ registry, reporter, labels: { server_id: 'g1' } })).toEqual([
      'match_results_total',
      'match_results_pending',
    ]);
    let series = parseExposition(await registry.metrics());
    for (const outcome of ['acknowledged', 'retries', 'rejected', 'dropped'])
      expect(seriesValue(series, `match_results_total{server_id="g1",outcome="${outcome}"}`)).toBe(0);
    Object.assign(stats, { queued: 9, acknowledged: 5, retries: 7, rejected: 1, dropped: 2 });
    reporter.pending = 3;
    series = parseExposition(await registry.metrics());
    expect(seriesValue(series, 'match_results_total{server_id="g1",outcome="acknowledged"}')).toBe(5);
    expect(seriesValue(series, 'match_results_total{server_id="g1",outcome="retries"}')).toBe(7);
    expect(seriesValue(series, 'match_results_total{server_id="g1",outcome="rejected"}')).toBe(1);
    expect(seriesValue(series, 'match_results_total{server_id="g1",outcome="dropped"}')).toBe(2);
    expect(seriesValue(series, 'match_results_pending{server_id="g1"}')).toBe(3);
  });
});
