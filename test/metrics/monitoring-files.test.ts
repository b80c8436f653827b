import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDashboard, dashboardExpressions } from '../../monitoring/generator/dashboard.js';
import { alertRules, alertRulesYaml, MetricsCollector, MetricsServer } from '../../src/metrics/index.js';
import { hasPromtool, monitoringDir, promtool } from './prometheus-tools.js';

describe('generated monitoring files', () => {
  it('the committed dashboard JSON is exactly the generator output (`vitest -u` rewrites it)', async () => {
    await expect(`${JSON.stringify(buildDashboard(), null, 2)}\n`).toMatchFileSnapshot(
      join(monitoringDir, 'grafana/dashboards/pong-netcode.json'),
    );
  });

  it('the committed alerts.yml is exactly alertRulesYaml() (`vitest -u` rewrites it)', async () => {
    await expect(alertRulesYaml()).toMatchFileSnapshot(join(monitoringDir, 'alerts.yml'));
  });

  it('the dashboard has the required panels, with the design queries behind them', () => {
    const dashboard = buildDashboard();
    const titles = (dashboard.panels ?? []).map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Server tick duration p50 / p95 / p99',
        'Network packet loss',
        'Reliable messages given up / packets sent',
        'Retransmissions per second',
        'Concurrent connections',
        'Bandwidth in / out',
        'Match requests and matches per second',
        'Match queue size',
        'Match wait p50 / p95 / p99',
        'Match rating gap mean / p50 / p99',
      ]),
    );
    const exprs = dashboardExpressions(dashboard).map((e) => e.replaceAll(`\${prefix}`, ''));
    expect(exprs).toContain('histogram_quantile(0.99, rate(server_tick_duration_seconds_bucket[1m]))');
    expect(exprs).toContain('rate(reliable_timeouts_total[1m]) / rate(packets_sent_total[1m])');
    expect(exprs).toContain('rate(packets_lost_total[1m]) / rate(packets_sent_total[1m])');
    expect(exprs).toContain('rate(reliable_retries_total[1m])');
    expect(exprs).toContain('histogram_quantile(0.99, rate(match_rating_gap_bucket[1m]))');
    expect(exprs).toContain('rate(match_rating_gap_sum[1m]) / rate(match_rating_gap_count[1m])');
    // Every panel has its own id and every query names the data source variable.
    const ids = (dashboard.panels ?? []).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('alert rules follow the prefix and thresholds given', () => {
    const [tick, loss] = alertRules({ prefix: 'pong_', tickBudgetSeconds: 0.0125, maxPacketLoss: 0.07 });
    expect(tick?.expr).toBe(
      'histogram_quantile(0.99, rate(pong_server_tick_duration_seconds_bucket[1m])) > 0.0125',
    );
    expect(tick?.annotations.summary).toBe('Server tick p99 over 12.5 ms on {{ $labels.instance }}');
    expect(loss?.expr).toBe('rate(pong_packets_lost_total[1m]) / rate(pong_packets_sent_total[1m]) > 0.07');
    expect(loss?.annotations.summary).toBe('Network packet loss over 7% on {{ $labels.instance }}');
    expect(() => alertRules({ maxPacketLoss: 1 })).toThrow(/maxPacketLoss/);
    expect(() => alertRules({ tickBudgetSeconds: 0 })).toThrow(/tickBudgetSeconds/);
  });

  it('prometheus.yml scrapes every 15 s, both servers, and loads the alert rules', () => {
    const text = readFileSync(join(monitoringDir, 'prometheus.yml'), 'utf8');
    expect(text).toMatch(/^ {2}scrape_interval: 15s$/m);
    expect(text).toMatch(/job_name: pong_server/);
    expect(text).toMatch(/job_name: match_server/);
    expect(text).toMatch(/^ {2}- alerts\.yml$/m);
  });
});

describe.skipIf(!hasPromtool)('promtool', () => {
  it('check config: prometheus.yml (and the rule file it loads) is valid', () => {
    const r = promtool(['check', 'config', join(monitoringDir, 'prometheus.yml')]);
    expect(r.output).toContain('SUCCESS: 1 rule files found');
    expect(r.status).toBe(0);
  });

  it('check rules: alerts.yml is valid, three rules', () => {
    const r = promtool(['check', 'rules', join(monitoringDir, 'alerts.yml')]);
    expect(r.output).toContain('SUCCESS: 3 rules found');
    expect(r.status).toBe(0);
  });

  it('test rules: every alert fires and stays silent where alerts.test.yml says', () => {
    const r = promtool(['test', 'rules', join(monitoringDir, 'alerts.test.yml')]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('check metrics: the live /metrics output with every family populated passes the linter', async () => {
    const collector = new MetricsCollector({ processMetrics: true, labels: { server_id: 'test' } });
    const c = collector.channelObserver;
    const t = collector.transportObserver;
    for (let i = 0; i < 100; i++) {
      c.packetSent?.(60 + i);
      c.packetReceived?.(40 + i);
      c.rttSample?.(0.02 + i / 10_000);
      t.datagramSent?.(80 + i);
      t.datagramReceived?.(50 + i);
      collector.tickObserver.tick(0.001 + i / 10_000);
    }
    c.packetLost?.();
    c.retry?.();
    c.timeout?.();
    c.duplicateDropped?.();
    c.packetDropped?.('stale');
    t.datagramDropped?.('malformed');
    t.connectedClients?.(12);
    collector.tickObserver.activeRooms?.(6);
    collector.matchObserver.matchRequest?.();
    collector.matchObserver.matchCreated?.();
    collector.matchObserver.queueSize?.(3);
    collector.matchObserver.matchWait?.(2.5);
    collector.matchObserver.matchRatingGap?.(42);
    const server = new MetricsServer({ registry: collector.registry, host: '127.0.0.1', port: 0 });
    await server.start();
    try {
      const body = await (await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).text();
      expect(body).toContain('nodejs_eventloop_lag_seconds');
      const r = promtool(['check', 'metrics'], body);
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('check metrics: the linter does reject what the collector leaves out (the *_total gauge trap)', () => {
    const r = promtool(['check', 'metrics'], '# HELP x_total h\n# TYPE x_total gauge\nx_total 1\n');
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('non-counter metrics should not have "_total" suffix');
  });
});
