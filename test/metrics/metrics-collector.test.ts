import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/index.js';
import {
  DROP_REASONS,
  METRIC_NAMES,
  MetricsCollector,
  metricNames,
  TICK_DURATION_BUCKETS,
} from '../../src/metrics/index.js';
import { INPUT_REJECTIONS, SEAT_REFUSALS } from '../../src/server/index.js';
import { parseExposition, seriesValue } from './exposition.js';

async function scrape(collector: MetricsCollector): Promise<Map<string, number>> {
  return parseExposition(await collector.registry.metrics());
}

describe('MetricsCollector', () => {
  it('exposes every family under the exact design names, at zero before anything happens', async () => {
    const collector = new MetricsCollector();
    void [
      collector.channelObserver,
      collector.transportObserver,
      collector.tickObserver,
      collector.matchObserver,
      collector.roomObserver,
    ];
    const text = await collector.registry.metrics();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(families.sort()).toEqual(
      [
        'active_rooms gauge',
        'bytes_received_total counter',
        'bytes_sent_total counter',
        'connected_clients gauge',
        'dropped_duplicates_total counter',
        'inputs_rejected_total counter',
        'match_queue_size gauge',
        'match_rating_gap histogram',
        'match_requests_refused_total counter',
        'match_requests_total counter',
        'match_wait_seconds histogram',
        'matches_created_total counter',
        'packet_size_bytes histogram',
        'packets_dropped_total counter',
        'packets_lost_total counter',
        'packets_received_total counter',
        'packets_sent_total counter',
        'reliable_retries_total counter',
        'reliable_timeouts_total counter',
        'rtt_seconds histogram',
        'seats_refused_total counter',
        'server_tick_duration_seconds histogram',
      ].sort(),
    );
    const series = parseExposition(text);
    expect(seriesValue(series, 'reliable_retries_total')).toBe(0);
    expect(seriesValue(series, 'server_tick_duration_seconds_count')).toBe(0);
    for (const reason of DROP_REASONS)
      expect(seriesValue(series, `packets_dropped_total{reason="${reason}"}`)).toBe(0);
    expect(Object.values(METRIC_NAMES)).toHaveLength(22);
  });

  it('registers a family when its observer is first taken, so each process exports what it feeds', async () => {
    const families = async (c: MetricsCollector) =>
      [...(await c.registry.metrics()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]).sort();
    const collector = new MetricsCollector();
    expect(await families(collector)).toEqual([]);
    void collector.matchObserver;
    void collector.matchObserver;
    expect(await families(collector)).toEqual([
      'match_queue_size',
      'match_rating_gap',
      'match_requests_refused_total',
      'match_requests_total',
      'match_wait_seconds',
      'matches_created_total',
    ]);
    const game = new MetricsCollector();
    void game.tickObserver;
    expect(await families(game)).toEqual(['active_rooms', 'server_tick_duration_seconds']);
    void game.transportObserver;
    void game.channelObserver; // shares packets_dropped_total with the transport
    expect(await families(game)).toHaveLength(14);
  });

  it('counts what the channel observer reports', async () => {
    const collector = new MetricsCollector();
    const o = collector.channelObserver;
    for (let i = 0; i < 7; i++) o.packetSent?.(100);
    o.packetSent?.(1300);
    for (let i = 0; i < 5; i++) o.packetReceived?.(40);
    o.packetLost?.();
    o.packetLost?.();
    for (let i = 0; i < 3; i++) o.retry?.();
    o.timeout?.();
    o.duplicateDropped?.();
    o.packetDropped?.('malformed');
    o.packetDropped?.('stale');
    o.packetDropped?.('stale');
    o.rttSample?.(0.04);
    o.rttSample?.(0.06);
    const s = await scrape(collector);
    expect(seriesValue(s, 'packets_sent_total')).toBe(8);
    expect(seriesValue(s, 'packets_received_total')).toBe(5);
    expect(seriesValue(s, 'packets_lost_total')).toBe(2);
    expect(seriesValue(s, 'reliable_retries_total')).toBe(3);
    expect(seriesValue(s, 'reliable_timeouts_total')).toBe(1);
    expect(seriesValue(s, 'dropped_duplicates_total')).toBe(1);
    expect(seriesValue(s, 'packets_dropped_total{reason="malformed"}')).toBe(1);
    expect(seriesValue(s, 'packets_dropped_total{reason="stale"}')).toBe(2);
    expect(seriesValue(s, 'packet_size_bytes_bucket{direction="sent",le="64"}')).toBe(0);
    expect(seriesValue(s, 'packet_size_bytes_bucket{direction="sent",le="128"}')).toBe(7);
    expect(seriesValue(s, 'packet_size_bytes_bucket{direction="sent",le="1400"}')).toBe(8);
    expect(seriesValue(s, 'packet_size_bytes_bucket{direction="sent",le="+Inf"}')).toBe(8);
    expect(seriesValue(s, 'packet_size_bytes_sum{direction="sent"}')).toBe(2000);
    expect(seriesValue(s, 'packet_size_bytes_count{direction="received"}')).toBe(5);
    expect(seriesValue(s, 'packet_size_bytes_bucket{direction="received",le="32"}')).toBe(0);
    expect(seriesValue(s, 'packet_size_bytes_bucket{direction="received",le="64"}')).toBe(5);
    expect(seriesValue(s, 'rtt_seconds_bucket{le="0.03"}')).toBe(0);
    expect(seriesValue(s, 'rtt_seconds_bucket{le="0.05"}')).toBe(1);
    expect(seriesValue(s, 'rtt_seconds_bucket{le="0.075"}')).toBe(2);
    expect(seriesValue(s, 'rtt_seconds_sum')).toBeCloseTo(0.1, 12);
  });

  it('counts what the transport, tick and match observers report', async () => {
    const collector = new MetricsCollector();
    const t = collector.transportObserver;
    t.datagramSent?.(120);
    t.datagramSent?.(80);
    t.datagramReceived?.(33);
    t.datagramDropped?.('oversized');
    t.datagramDropped?.('rate_limited');
    t.datagramDropped?.('rate_limited');
    t.datagramDropped?.('unauthenticated');
    t.datagramDropped?.('replayed');
    t.datagramDropped?.('replayed');
    t.datagramDropped?.('replayed');
    t.datagramDropped?.('blocked');
    t.connectedClients?.(3);
    t.connectedClients?.(2);
    collector.tickObserver.tick(0.004);
    collector.tickObserver.tick(0.0145);
    collector.tickObserver.tick(0.03);
    collector.tickObserver.activeRooms?.(4);
    const m = collector.matchObserver;
    m.matchRequest?.();
    m.matchRequest?.();
    m.matchCreated?.();
    m.queueSize?.(6);
    m.matchWait?.(1.5);
    m.matchRatingGap?.(99);
    m.matchRatingGap?.(100);
    m.matchRatingGap?.(0);
    m.requestRefused?.('address_rate');
    m.requestRefused?.('address_rate');
    m.requestRefused?.('unauthenticated');
    const s = await scrape(collector);
    expect(seriesValue(s, 'bytes_sent_total')).toBe(200);
    expect(seriesValue(s, 'bytes_received_total')).toBe(33);
    expect(seriesValue(s, 'packets_dropped_total{reason="oversized"}')).toBe(1);
    expect(seriesValue(s, 'packets_dropped_total{reason="rate_limited"}')).toBe(2);
    expect(seriesValue(s, 'packets_dropped_total{reason="unauthenticated"}')).toBe(1);
    expect(seriesValue(s, 'packets_dropped_total{reason="replayed"}')).toBe(3);
    expect(seriesValue(s, 'packets_dropped_total{reason="blocked"}')).toBe(1);
    expect(seriesValue(s, 'packets_dropped_total{reason="malformed"}')).toBe(0);
    expect(seriesValue(s, 'connected_clients')).toBe(2);
    expect(seriesValue(s, 'server_tick_duration_seconds_bucket{le="0.005"}')).toBe(1);
    expect(seriesValue(s, 'server_tick_duration_seconds_bucket{le="0.014"}')).toBe(1);
    expect(seriesValue(s, 'server_tick_duration_seconds_bucket{le="0.015"}')).toBe(2);
    expect(seriesValue(s, 'server_tick_duration_seconds_bucket{le="0.025"}')).toBe(2);
    expect(seriesValue(s, 'server_tick_duration_seconds_bucket{le="0.033"}')).toBe(3);
    expect(seriesValue(s, 'server_tick_duration_seconds_count')).toBe(3);
    expect(seriesValue(s, 'active_rooms')).toBe(4);
    expect(seriesValue(s, 'match_requests_total')).toBe(2);
    expect(seriesValue(s, 'matches_created_total')).toBe(1);
    expect(seriesValue(s, 'match_queue_size')).toBe(6);
    expect(seriesValue(s, 'match_wait_seconds_bucket{le="1"}')).toBe(0);
    expect(seriesValue(s, 'match_wait_seconds_bucket{le="2"}')).toBe(1);
    expect(seriesValue(s, 'match_rating_gap_bucket{le="10"}')).toBe(1);
    expect(seriesValue(s, 'match_rating_gap_bucket{le="75"}')).toBe(1);
    expect(seriesValue(s, 'match_rating_gap_bucket{le="99"}')).toBe(2);
    expect(seriesValue(s, 'match_rating_gap_bucket{le="149"}')).toBe(3);
    expect(seriesValue(s, 'match_rating_gap_sum')).toBe(199);
    expect(seriesValue(s, 'match_rating_gap_count')).toBe(3);
    expect(seriesValue(s, 'match_requests_refused_total{reason="address_rate"}')).toBe(2);
    expect(seriesValue(s, 'match_requests_refused_total{reason="unauthenticated"}')).toBe(1);
    expect(seriesValue(s, 'match_requests_refused_total{reason="player_rate"}')).toBe(0);
    expect(seriesValue(s, 'match_requests_refused_total{reason="connection_limit"}')).toBe(0);
    expect(seriesValue(s, 'match_requests_refused_total{reason="forbidden"}')).toBe(0);
  });

  it('counts what the room observer reports, every reason exported from the start', async () => {
    const collector = new MetricsCollector();
    const r = collector.roomObserver;
    r.inputRejected('future');
    r.inputRejected('future');
    r.inputRejected('wrong_seat');
    r.seatRefused('seat_taken');
    const s = await scrape(collector);
    expect(seriesValue(s, 'inputs_rejected_total{reason="future"}')).toBe(2);
    expect(seriesValue(s, 'inputs_rejected_total{reason="wrong_seat"}')).toBe(1);
    expect(seriesValue(s, 'inputs_rejected_total{reason="impossible"}')).toBe(0);
    expect(seriesValue(s, 'seats_refused_total{reason="seat_taken"}')).toBe(1);
    expect(seriesValue(s, 'seats_refused_total{reason="no_seat"}')).toBe(0);
    for (const reason of INPUT_REJECTIONS)
      expect(s.has(`inputs_rejected_total{reason="${reason}"}`)).toBe(true);
    for (const reason of SEAT_REFUSALS) expect(s.has(`seats_refused_total{reason="${reason}"}`)).toBe(true);
  });

  it('keeps counting across scrapes (counters are totals, not deltas)', async () => {
    const collector = new MetricsCollector();
    collector.channelObserver.retry?.();
    expect(seriesValue(await scrape(collector), 'reliable_retries_total')).toBe(1);
    collector.channelObserver.retry?.();
    collector.channelObserver.retry?.();
    expect(seriesValue(await scrape(collector), 'reliable_retries_total')).toBe(3);
    collector.tickObserver.tick(0.001);
    collector.tickObserver.tick(0.001);
    expect(seriesValue(await scrape(collector), 'server_tick_duration_seconds_count')).toBe(2);
  });

  it('observer methods work detached from their object (producers may destructure them)', async () => {
    const collector = new MetricsCollector();
    const { retry } = collector.channelObserver;
    const { tick } = collector.tickObserver;
    retry?.();
    tick(0.002);
    const s = await scrape(collector);
    expect(seriesValue(s, 'reliable_retries_total')).toBe(1);
    expect(seriesValue(s, 'server_tick_duration_seconds_count')).toBe(1);
  });

  it('applies the prefix and the constant labels to every series', async () => {
    const registry = new Registry();
    const collector = new MetricsCollector({ registry, prefix: 'pong_', labels: { server_id: 'eu-1' } });
    expect(collector.registry).toBe(registry);
    expect(collector.names).toEqual(metricNames('pong_'));
    collector.channelObserver.packetSent?.(50);
    collector.transportObserver.datagramDropped?.('malformed');
    collector.tickObserver.tick(0.012);
    const s = await scrape(collector);
    expect(seriesValue(s, 'pong_packets_sent_total{server_id="eu-1"}')).toBe(1);
    expect(seriesValue(s, 'pong_packets_dropped_total{server_id="eu-1",reason="malformed"}')).toBe(1);
    expect(seriesValue(s, 'pong_server_tick_duration_seconds_bucket{server_id="eu-1",le="0.012"}')).toBe(1);
    expect(seriesValue(s, 'pong_packet_size_bytes_count{server_id="eu-1",direction="sent"}')).toBe(1);
    expect(seriesValue(s, 'pong_connected_clients{server_id="eu-1"}')).toBe(0);
    for (const key of s.keys()) {
      expect(key.startsWith('pong_')).toBe(true);
      expect(key).toContain('server_id="eu-1"');
    }
  });

  it('has no per-player or per-address labels: series count is fixed whatever the traffic', async () => {
    const collector = new MetricsCollector();
    void [
      collector.channelObserver,
      collector.transportObserver,
      collector.tickObserver,
      collector.matchObserver,
    ];
    const before = (await scrape(collector)).size;
    for (let i = 0; i < 1000; i++) {
      collector.channelObserver.packetSent?.(i);
      collector.transportObserver.datagramReceived?.(i);
      collector.channelObserver.rttSample?.(i / 1000);
    }
    expect((await scrape(collector)).size).toBe(before);
  });

  it('leaves out the default process gauges named *_total, keeps the rest', async () => {
    const collector = new MetricsCollector({ processMetrics: true, labels: { server_id: 'a' } });
    const text = await collector.registry.metrics();
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_active_handles')).toBe('gauge');
    expect(types.has('nodejs_active_handles_total')).toBe(false);
    for (const [name, type] of types) if (name.endsWith('_total')) expect(type).toBe('counter');
    expect(text).toMatch(/^process_resident_memory_bytes\{server_id="a"\} \d+/m);
  });

  it('rejects bad options with InvalidOptionError naming the option', () => {
    const option = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidOptionError);
        return (err as InvalidOptionError).option;
      }
      throw new Error('did not throw');
    };
    expect(option(() => new MetricsCollector({ prefix: '9bad' }))).toBe('prefix');
    expect(option(() => new MetricsCollector({ prefix: 'a-b' }))).toBe('prefix');
    expect(option(() => new MetricsCollector({ labels: { 'bad-name': 'x' } }))).toBe('labels');
    expect(option(() => new MetricsCollector({ labels: { le: 'x' } }))).toBe('labels');
    expect(option(() => new MetricsCollector({ labels: { __x: 'x' } }))).toBe('labels');
    expect(option(() => new MetricsCollector({ labels: { id: 3 as unknown as string } }))).toBe('labels');
    expect(option(() => new MetricsCollector({ registry: {} as Registry }))).toBe('registry');
    const registry = new Registry();
    const first = new MetricsCollector({ registry });
    const second = new MetricsCollector({ registry });
    void first.tickObserver;
    expect(option(() => new MetricsCollector({ registry }))).toBe('registry');
    expect(option(() => second.tickObserver)).toBe('registry');
    expect(registry.getMetricsAsArray()).toHaveLength(2); // the failed group left nothing behind
    // A second collector fits beside the first under another prefix.
    expect(new MetricsCollector({ registry, prefix: 'b_' }).names.packetsSent).toBe('b_packets_sent_total');
  });
});

/**
 * Prometheus's histogram_quantile for one series (promql/quantile.go, bucketQuantile): linear
 * interpolation inside the bucket the rank falls in, the first bucket starting at 0.
 */
function histogramQuantile(q: number, bounds: readonly number[], values: readonly number[]): number {
  const cumulative: number[] = [];
  let acc = 0;
  for (const v of values) {
    acc += v;
    cumulative.push(acc);
  }
  const total = acc;
  const rank = q * total;
  let b = cumulative.findIndex((c) => c >= rank);
  if (b === -1) b = bounds.length - 1;
  const lower = b === 0 ? 0 : bounds[b - 1]!;
  const countBefore = b === 0 ? 0 : cumulative[b - 1]!;
  const inBucket = cumulative[b]! - countBefore;
  return lower + (bounds[b]! - lower) * ((rank - countBefore) / inBucket);
}

function bucketize(bounds: readonly number[], samples: readonly number[]): number[] {
  const counts = bounds.map(() => 0);
  for (const s of samples) {
    const i = bounds.findIndex((b) => s <= b);
    if (i >= 0) counts[i]!++;
  }
  return counts;
}

describe('server_tick_duration_seconds buckets', () => {
  // Tick time distributions of a loaded 60 Hz server: most ticks quick, a tail near the budget.
  const scenarios = [
    { name: 'tail at 10.2-10.5 ms', body: 0.004, tail: [0.0102, 0.0105], tailShare: 0.02 },
    { name: 'tail at 14.2-14.6 ms', body: 0.006, tail: [0.0142, 0.0146], tailShare: 0.02 },
    { name: 'tail at 12.1-12.9 ms', body: 0.008, tail: [0.0121, 0.0129], tailShare: 0.05 },
  ] as const;

  function samples(s: (typeof scenarios)[number]): number[] {
    const n = 10_000;
    const tailCount = Math.round(n * s.tailShare);
    const out: number[] = [];
    for (let i = 0; i < n - tailCount; i++) out.push(s.body);
    for (let i = 0; i < tailCount; i++) out.push(s.tail[0] + ((s.tail[1] - s.tail[0]) * i) / (tailCount - 1));
    return out.sort((a, b) => a - b);
  }

  it.each(scenarios)('p99 read from the histogram is within 0.5 ms of the true p99 ($name)', (s) => {
    const all = samples(s);
    const trueP99 = all[Math.ceil(0.99 * all.length) - 1]!;
    const fine = histogramQuantile(0.99, TICK_DURATION_BUCKETS, bucketize(TICK_DURATION_BUCKETS, all));
    expect(Math.abs(fine - trueP99)).toBeLessThan(0.0005);
    // A single 10-15 ms bucket misreads the same data by more than a whole millisecond.
    const coarse = [0.005, 0.01, 0.015, 0.02, 0.05];
    const misread = histogramQuantile(0.99, coarse, bucketize(coarse, all));
    expect(Math.abs(misread - trueP99)).toBeGreaterThan(0.001);
  });

  it('includes 5, 10 and 15 ms so the budget reads off directly', () => {
    for (const b of [0.005, 0.01, 0.015]) expect(TICK_DURATION_BUCKETS).toContain(b);
    expect([...TICK_DURATION_BUCKETS].sort((a, b) => a - b)).toEqual(TICK_DURATION_BUCKETS);
  });
});
