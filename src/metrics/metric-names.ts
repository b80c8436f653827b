import { InvalidOptionError } from '../core/index.js';

/**
 * The base names of every metric {@link MetricsCollector} exposes. The collector, the shipped
 * Grafana dashboard and the alert rules all build their names from this one table, so a name
 * prefix is applied the same way everywhere: `prefix + name`.
 */
export const METRIC_NAMES = Object.freeze({
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
} as const);

/** One key of {@link METRIC_NAMES}. */
export type MetricKey = keyof typeof METRIC_NAMES;

/** Every metric name, with `prefix` applied, keyed like {@link METRIC_NAMES}. */
export type MetricNames = { readonly [K in MetricKey]: string };

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
