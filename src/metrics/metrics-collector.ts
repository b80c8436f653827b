import { Counter, Gauge, Registry } from 'prom-client';
import { InvalidOptionError } from '../core/index.js';
import { MATCH_REFUSALS, type MatchRefusal } from '../matchmaking/caller.js';
import type { MatchObserver } from '../matchmaking/match-observer.js';
import type { ChannelObserver } from '../reliability/channel-observer.js';
import {
  INPUT_REJECTIONS,
  type InputRejection,
  type RoomObserver,
  SEAT_REFUSALS,
  type SeatRefusal,
} from '../server/room-observer.js';
import type { TickObserver } from '../server/tick-observer.js';
import type { DropReason, TransportObserver } from '../transport/transport-observer.js';
import { BucketCounts, type HistogramSeries, registerBucketHistogram } from './bucket-histogram.js';
import {
  MATCH_RATING_GAP_BUCKETS,
  MATCH_WAIT_BUCKETS,
  PACKET_SIZE_BUCKETS,
  RTT_BUCKETS,
  TICK_DURATION_BUCKETS,
} from './buckets.js';
import { EXACT_LIMIT, IntegerCounts } from './integer-counts.js';
import { type MetricNames, metricNames } from './metric-names.js';
import { registerProcessMetrics } from './process-metrics.js';

/**
 * The `reason` label values of `packets_dropped_total`: the transport's {@link DropReason}s plus
 * `stale`, which the reliability channel reports for packets too old for its window. Every value
 * is exported from the start (at 0), so `rate()` has a series before the first drop.
 */
export const DROP_REASONS: readonly (DropReason | 'stale')[] = Object.freeze([
  'oversized',
  'malformed',
  'rate_limited',
  'blocked',
  'unauthenticated',
  'replayed',
  'stale',
]);

/** Options of {@link MetricsCollector}. */
export interface MetricsCollectorOptions {
  /** Registry to register into (default: a new `Registry` of its own, see {@link MetricsCollector.registry}). */
  registry?: Registry;
  /** Prepended to every metric name (default `''`: names exactly as in {@link METRIC_NAMES}). */
  prefix?: string;
  /**
   * Labels put on every series, e.g. `{ server_id: 'eu-1' }`. Keep them constant per process:
   * never a player or an address. Names must be valid and not `le`, `reason` or `direction`.
   */
  labels?: Readonly<Record<string, string>>;
  /**
   * Also collect prom-client's default Node.js process metrics (CPU, memory, event loop lag, GC)
   * with the same prefix and labels (default `false`). The default set's gauges named `*_total`,
   * which `promtool check metrics` rejects, are left out.
   */
  processMetrics?: boolean;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_LABELS = new Set(['le', 'reason', 'direction']);

/**
 * Turns what the library's layers report through their observer interfaces into Prometheus
 * metrics on a prom-client {@link Registry}.
 *
 * Hand the observers to the layers: {@link MetricsCollector.channelObserver} to every
 * `ReliableUdpChannel`, {@link MetricsCollector.transportObserver} to the `UdpTransport` and the
 * connection server, {@link MetricsCollector.tickObserver} to the tick loop,
 * {@link MetricsCollector.roomObserver} to the `RoomHost` and {@link MetricsCollector.matchObserver}
 * to the `MatchServer`. One collector serves any number of
 * producers; their counts add up.
 *
 * The observers only add to plain numbers (no label lookup, no allocation); the prom-client
 * metrics read those numbers when the registry is scraped. A packet costs its counter and one
 * slot of its size (sizes are folded into buckets at scrape time), an RTT sample one bucket found
 * through a lookup grid: about 1% of a channel's own work per packet. A family is registered when its
 * observer is first taken, so a match server exports no tick or packet families and a game server
 * no match families. Which layer feeds which metric:
 * the channel counts packets (`packets_*`, `reliable_*`, `dropped_duplicates_total`,
 * `packet_size_bytes`, `rtt_seconds`), so that lost / sent is a ratio of the same packets; the
 * transport counts wire bytes (`bytes_*`, headers of every layer included), drops by reason and
 * `connected_clients`.
 *
 * @example
 * ```ts
 * const metrics = new MetricsCollector({ labels: { server_id: 'eu-1' } });
 * const transport = await UdpTransport.bind({ port: 7777, observer: metrics.transportObserver });
 * const server = new MetricsServer({ registry: metrics.registry, port: 9090 });
 * await server.start();
 * ```
 */
export class MetricsCollector {
  /** The registry the metrics live in (the one passed in, or a new one). */
  readonly registry: Registry;
  /** The metric names in use, prefix applied. */
  readonly names: MetricNames;
  private readonly channel: ChannelObserver;
  private readonly transport: TransportObserver;
  private readonly ticks: TickObserver;
  private readonly match: MatchObserver;
  private readonly room: RoomObserver;
  /** Registers each group's metric families, once, when its observer is first taken. */
  private readonly families: Record<Group, () => void>;
  private readonly registered = new Set<Group>();

  /**
   * @param options - registry, name prefix, constant labels, process metrics.
   * @throws InvalidOptionError - for a bad prefix or label, or (option `registry`) when the
   *   registry already holds one of these metric names. The observer getters throw the same when
   *   another collector on the registry registered a name first.
   */
  constructor(options: MetricsCollectorOptions = {}) {
    const registry = options.registry ?? new Registry();
    if (!(registry instanceof Registry))
      throw new InvalidOptionError('registry', 'must be a prom-client Registry');
    const prefix = options.prefix ?? '';
    const names = metricNames(prefix);
    const labels = validateLabels(options.labels ?? {});
    for (const name of Object.values(names)) {
      if (registry.getSingleMetric(name)) {
        throw new InvalidOptionError(
          'registry',
          `already holds a metric named ${name}; use another prefix or registry`,
        );
      }
    }
    this.registry = registry;
    this.names = names;

    const c = new Totals();
    const dropped = new Float64Array(DROP_REASONS.length);
    const dropIndex: Record<string, number> = {};
    DROP_REASONS.forEach((reason, i) => {
      dropIndex[reason] = i;
    });
    const tick = new BucketCounts(TICK_DURATION_BUCKETS);
    const sizeSent = new IntegerCounts(PACKET_SIZE_BUCKETS);
    const sizeReceived = new IntegerCounts(PACKET_SIZE_BUCKETS);
    const sentExact = sizeSent.exact;
    const receivedExact = sizeReceived.exact;
    const rtt = new BucketCounts(RTT_BUCKETS);
    const matchWait = new BucketCounts(MATCH_WAIT_BUCKETS);
    const matchGap = new BucketCounts(MATCH_RATING_GAP_BUCKETS);
    const refused = new Map<MatchRefusal, number>(MATCH_REFUSALS.map((reason) => [reason, 0]));

    this.channel = {
      // Once per packet each: IntegerCounts.observe written out, so a packet touches the counter
      // and one slot of its size, and nothing else.
      packetSent: (bytes) => {
        c.packetsSent++;
        if (bytes >= 0 && bytes < EXACT_LIMIT && (bytes | 0) === bytes) sentExact[bytes]!++;
        else sizeSent.other.observe(bytes);
      },
      packetReceived: (bytes) => {
        c.packetsReceived++;
        if (bytes >= 0 && bytes < EXACT_LIMIT && (bytes | 0) === bytes) receivedExact[bytes]!++;
        else sizeReceived.other.observe(bytes);
      },
      packetLost: () => {
        c.packetsLost++;
      },
      retry: () => {
        c.retries++;
      },
      timeout: () => {
        c.timeouts++;
      },
      duplicateDropped: () => {
        c.duplicates++;
      },
      packetDropped: (reason) => {
        const i = dropIndex[reason];
        if (i !== undefined) dropped[i]!++;
      },
      rttSample: (seconds) => {
        rtt.observe(seconds);
      },
    };
    this.transport = {
      datagramSent: (bytes) => {
        c.bytesSent += bytes;
      },
      datagramReceived: (bytes) => {
        c.bytesReceived += bytes;
      },
      datagramDropped: (reason) => {
        const i = dropIndex[reason];
        if (i !== undefined) dropped[i]!++;
      },
      connectedClients: (count) => {
        c.connectedClients = count;
      },
    };
    this.ticks = {
      tick: (seconds) => {
        tick.observe(seconds);
      },
      activeRooms: (count) => {
        c.activeRooms = count;
      },
    };
    const inputsRejected = new Float64Array(INPUT_REJECTIONS.length);
    const seatsRefused = new Float64Array(SEAT_REFUSALS.length);
    const rejectionIndex = Object.fromEntries(INPUT_REJECTIONS.map((r, i) => [r, i])) as Record<
      InputRejection,
      number
    >;
    const refusalIndex = Object.fromEntries(SEAT_REFUSALS.map((r, i) => [r, i])) as Record<
      SeatRefusal,
      number
    >;
    this.room = {
      inputRejected: (reason) => {
        const i = rejectionIndex[reason];
        if (i !== undefined) inputsRejected[i]!++;
      },
      seatRefused: (reason) => {
        const i = refusalIndex[reason];
        if (i !== undefined) seatsRefused[i]!++;
      },
    };
    this.match = {
      matchRequest: () => {
        c.matchRequests++;
      },
      matchCreated: () => {
        c.matchesCreated++;
      },
      queueSize: (count) => {
        c.queueSize = count;
      },
      matchWait: (seconds) => {
        matchWait.observe(seconds);
      },
      matchRatingGap: (gap) => {
        matchGap.observe(gap);
      },
      requestRefused: (reason) => {
        const n = refused.get(reason);
        if (n !== undefined) refused.set(reason, n + 1);
      },
    };

    const labelNames = Object.keys(labels);
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(labels, read());
        },
      });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.set(labels, read());
        },
      });
    const histogram = (name: string, help: string, series: HistogramSeries[]) =>
      registerBucketHistogram(registry, name, help, series);

    const drops = () =>
      new Counter({
        name: names.packetsDropped,
        help: 'Incoming packets dropped, by reason.',
        labelNames: [...labelNames, 'reason'],
        registers: [registry],
        collect() {
          this.reset();
          DROP_REASONS.forEach((reason, i) => {
            this.inc({ ...labels, reason }, dropped[i]!);
          });
        },
      });
    const byReason = (name: string, help: string, reasons: readonly string[], counts: Float64Array) =>
      new Counter({
        name,
        help,
        labelNames: [...labelNames, 'reason'],
        registers: [registry],
        collect() {
          this.reset();
          reasons.forEach((reason, i) => {
            this.inc({ ...labels, reason }, counts[i]!);
          });
        },
      });
    this.families = {
      drops,
      room: () => {
        byReason(
          names.inputsRejected,
          'Player inputs (or input frames) refused, by reason.',
          INPUT_REJECTIONS,
          inputsRejected,
        );
        byReason(
          names.seatsRefused,
          'Connections refused a seat in a room, by reason.',
          SEAT_REFUSALS,
          seatsRefused,
        );
      },
      channel: () => {
        counter(names.reliableRetries, 'Reliable messages sent again.', () => c.retries);
        counter(
          names.reliableTimeouts,
          'Reliable messages given up on after the retry limit.',
          () => c.timeouts,
        );
        counter(names.droppedDuplicates, 'Duplicate packets or messages dropped.', () => c.duplicates);
        counter(names.packetsSent, 'Packets sent by reliability channels.', () => c.packetsSent);
        counter(
          names.packetsReceived,
          'Valid packets accepted by reliability channels.',
          () => c.packetsReceived,
        );
        counter(
          names.packetsLost,
          'Sent packets that the ack bitfield shows never arrived.',
          () => c.packetsLost,
        );
        histogram(names.packetSize, 'Size of packets sent and received by reliability channels.', [
          { labels: { ...labels, direction: 'sent' }, counts: sizeSent },
          { labels: { ...labels, direction: 'received' }, counts: sizeReceived },
        ]);
        histogram(names.rtt, 'Round-trip time samples.', [{ labels, counts: rtt }]);
      },
      transport: () => {
        counter(names.bytesSent, 'Bytes sent on the wire (all headers included).', () => c.bytesSent);
        counter(
          names.bytesReceived,
          'Bytes received on the wire (all headers included).',
          () => c.bytesReceived,
        );
        gauge(names.connectedClients, 'Clients with a completed handshake.', () => c.connectedClients);
      },
      tick: () => {
        histogram(names.tickDuration, 'Wall time of one server tick (work only).', [
          { labels, counts: tick },
        ]);
        gauge(names.activeRooms, 'Rooms currently running.', () => c.activeRooms);
      },
      match: () => {
        counter(
          names.matchRequests,
          'Match requests received, whatever their outcome.',
          () => c.matchRequests,
        );
        counter(names.matchesCreated, 'Matches created.', () => c.matchesCreated);
        gauge(names.matchQueueSize, 'Players waiting in the match queue.', () => c.queueSize);
        histogram(names.matchWait, 'Time from first match request to being matched.', [
          { labels, counts: matchWait },
        ]);
        histogram(names.matchRatingGap, 'Absolute rating difference of the two players of a match.', [
          { labels, counts: matchGap },
        ]);
        new Counter({
          name: names.matchRefused,
          help: 'Match API requests and connections refused, by reason.',
          labelNames: [...labelNames, 'reason'],
          registers: [registry],
          collect() {
            this.reset();
            for (const [reason, n] of refused) this.inc({ ...labels, reason }, n);
          },
        });
      },
    };

    if (options.processMetrics === true) registerProcessMetrics(registry, prefix, labels);
  }

  /**
   * Implements the reliability layer's {@link ChannelObserver}. The first access registers the
   * channel's families (`reliable_*`, `dropped_duplicates_total`, `packets_sent/received/lost_total`,
   * `packets_dropped_total`, `packet_size_bytes`, `rtt_seconds`), so a process exports only what
   * it feeds.
   */
  get channelObserver(): ChannelObserver {
    this.use('drops');
    this.use('channel');
    return this.channel;
  }

  /**
   * Implements the transport and connection layers' {@link TransportObserver}; the first access
   * registers `bytes_sent/received_total`, `packets_dropped_total` and `connected_clients`.
   */
  get transportObserver(): TransportObserver {
    this.use('drops');
    this.use('transport');
    return this.transport;
  }

  /**
   * Implements the tick loop's {@link TickObserver}; the first access registers
   * `server_tick_duration_seconds` and `active_rooms`.
   */
  get tickObserver(): TickObserver {
    this.use('tick');
    return this.ticks;
  }

  /**
   * Implements the match server's {@link MatchObserver}; the first access registers
   * `match_requests_total`, `matches_created_total`, `match_queue_size`, `match_wait_seconds`,
   * `match_rating_gap` and `match_requests_refused_total` (by `reason`: see {@link MatchRefusal}).
   */
  get matchObserver(): MatchObserver {
    this.use('match');
    return this.match;
  }

  /**
   * Implements the rooms' {@link RoomObserver} (pass it as `RoomHost`'s `roomObserver`); the first
   * access registers `inputs_rejected_total` and `seats_refused_total`, every reason at 0.
   */
  get roomObserver(): RoomObserver {
    this.use('room');
    return this.room;
  }

  private use(group: Group): void {
    if (this.registered.has(group)) return;
    const before = this.registry.getMetricsAsArray().length;
    try {
      this.families[group]();
    } catch (err) {
      // Another collector on this registry took the same names first: undo the partial group.
      for (const metric of this.registry.getMetricsAsArray().slice(before)) {
        this.registry.removeSingleMetric(metric.name);
      }
      throw new InvalidOptionError('registry', `${(err as Error).message}; use another prefix or registry`);
    }
    this.registered.add(group);
  }
}

/** Metric families registered together, when their observer is first taken. */
type Group = 'drops' | 'channel' | 'transport' | 'tick' | 'match' | 'room';

/** The plain numbers the observers add to. One object, fixed shape, for a fast hot path. */
class Totals {
  retries = 0;
  timeouts = 0;
  duplicates = 0;
  packetsSent = 0;
  packetsReceived = 0;
  packetsLost = 0;
  bytesSent = 0;
  bytesReceived = 0;
  connectedClients = 0;
  activeRooms = 0;
  matchRequests = 0;
  matchesCreated = 0;
  queueSize = 0;
}

function validateLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  if (typeof labels !== 'object' || labels === null)
    throw new InvalidOptionError('labels', 'must be an object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__') || RESERVED_LABELS.has(name)) {
      throw new InvalidOptionError('labels', `"${name}" is not a usable label name`);
    }
    if (typeof value !== 'string')
      throw new InvalidOptionError('labels', `value of "${name}" must be a string`);
    out[name] = value;
  }
  return out;
}
