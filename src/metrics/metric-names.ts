import { InvalidOptionError } from '../core/index.js';

/**
 * Every metric name, keyed by a short camel-case key: the base names in {@link METRIC_NAMES}, or
 * with a prefix applied by {@link metricNames}.
 */
export interface MetricNames {
  /** Counter: reliable messages sent again. Base name `reliable_retries_total`. */
  readonly reliableRetries: string;
  /** Counter: reliable messages given up on after the retry limit. Base name `reliable_timeouts_total`. */
  readonly reliableTimeouts: string;
  /** Counter: duplicate packets or messages dropped. Base name `dropped_duplicates_total`. */
  readonly droppedDuplicates: string;
  /** Counter: packets sent by reliability channels. Base name `packets_sent_total`. */
  readonly packetsSent: string;
  /** Counter: valid packets accepted by reliability channels. Base name `packets_received_total`. */
  readonly packetsReceived: string;
  /** Counter: sent packets that the ack bitfield shows never arrived. Base name `packets_lost_total`. */
  readonly packetsLost: string;
  /** Counter: bytes sent on the wire (all headers included). Base name `bytes_sent_total`. */
  readonly bytesSent: string;
  /** Counter: bytes received on the wire (all headers included). Base name `bytes_received_total`. */
  readonly bytesReceived: string;
  /** Counter: incoming packets dropped, by reason. Base name `packets_dropped_total`. */
  readonly packetsDropped: string;
  /** Histogram: wall time of one server tick (work only), in seconds. Base name `server_tick_duration_seconds`. */
  readonly tickDuration: string;
  /** Histogram: size of packets sent and received by reliability channels, in bytes. Base name `packet_size_bytes`. */
  readonly packetSize: string;
  /** Histogram: round-trip time samples, in seconds. Base name `rtt_seconds`. */
  readonly rtt: string;
  /** Gauge: clients with a completed handshake. Base name `connected_clients`. */
  readonly connectedClients: string;
  /** Gauge: rooms currently running. Base name `active_rooms`. */
  readonly activeRooms: string;
  /** Counter: match requests received, whatever their outcome. Base name `match_requests_total`. */
  readonly matchRequests: string;
  /** Counter: matches created. Base name `matches_created_total`. */
  readonly matchesCreated: string;
  /** Gauge: players waiting in the match queue. Base name `match_queue_size`. */
  readonly matchQueueSize: string;
  /** Histogram: time from first match request to being matched, in seconds. Base name `match_wait_seconds`. */
  readonly matchWait: string;
  /** Histogram: absolute rating difference of each match. Base name `match_rating_gap`. */
  readonly matchRatingGap: string;
  /** Counter: match API requests and connections refused, by reason. Base name `match_requests_refused_total`. */
  readonly matchRefused: string;
  /** Counter: player inputs (or input frames) a room refused, by reason. Base name `inputs_rejected_total`. */
  readonly inputsRejected: string;
  /** Counter: connections refused a seat in a room, by reason. Base name `seats_refused_total`. */
  readonly seatsRefused: string;
}

/**
 * The base names of every metric {@link MetricsCollector} exposes. The collector, the shipped
 * Grafana dashboard and the alert rules all build their names from this one table, so a name
 * prefix is applied the same way everywhere: `prefix + name`.
 */
export const METRIC_NAMES: MetricNames = Object.freeze({
  reliableRetries: 'reliable_retries_total',
  reliableTimeouts: 'reliable_timeouts_total',
  droppedDuplicates: 'dropped_duplicates_total',
  packetsSent: 'packets_sent_total',
  packetsReceived: 'packets_received_total',
  packetsLost: 'packets_lost_total',
  bytesSent: 'bytes_sent_total',
  bytesReceived: 'bytes_received_total',
  packetsDropped: 'packets_dropped_total',
  tickDuration: 'server_tick_duration_seconds',
  packetSize: 'packet_size_bytes',
  rtt: 'rtt_seconds',
  connectedClients: 'connected_clients',
  activeRooms: 'active_rooms',
  matchRequests: 'match_requests_total',
  matchesCreated: 'matches_created_total',
  matchQueueSize: 'match_queue_size',
  matchWait: 'match_wait_seconds',
  matchRatingGap: 'match_rating_gap',
  matchRefused: 'match_requests_refused_total',
  inputsRejected: 'inputs_rejected_total',
  seatsRefused: 'seats_refused_total',
});

/** One key of {@link METRIC_NAMES}. */
export type MetricKey = keyof MetricNames;

const PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * The metric names with `prefix` in front (`''`, the default, leaves them exactly as in
 * {@link METRIC_NAMES}). Throws {@link InvalidOptionError} (option `prefix`) for a prefix that
 * is not a valid start of a Prometheus metric name.
 */
export function metricNames(prefix = ''): MetricNames {
  if (typeof prefix !== 'string' || (prefix !== '' && !PREFIX.test(prefix))) {
    throw new InvalidOptionError('prefix', 'must match [a-zA-Z_:][a-zA-Z0-9_:]* or be empty');
  }
  const out = {} as Record<MetricKey, string>;
  for (const key of Object.keys(METRIC_NAMES) as MetricKey[]) out[key] = prefix + METRIC_NAMES[key];
  return Object.freeze(out);
}
