/**
 * Prometheus metrics for the library's layers: a {@link MetricsCollector} that implements their
 * observer interfaces on a prom-client registry, and a `/metrics` endpoint.
 *
 * @module @pong/netcode/metrics
 */

export {
  type AlertRule,
  type AlertRulesOptions,
  alertRules,
  alertRulesYaml,
} from './alert-rules.js';
export {
  MATCH_RATING_GAP_BUCKETS,
  MATCH_WAIT_BUCKETS,
  PACKET_SIZE_BUCKETS,
  RTT_BUCKETS,
  TICK_DURATION_BUCKETS,
} from './buckets.js';
export { METRIC_NAMES, type MetricKey, type MetricNames, metricNames } from './metric-names.js';
export { DROP_REASONS, MetricsCollector, type MetricsCollectorOptions } from './metrics-collector.js';
export {
  createMetricsHandler,
  type MetricsRequestHandler,
  MetricsServer,
  type MetricsServerAddress,
  type MetricsServerOptions,
} from './metrics-server.js';
export { type MonitoringQueries, monitoringQueries } from './monitoring-queries.js';
export {
  PROC_NET_UDP_FILES,
  type ProcNetUdp,
  parseProcNetUdp,
  type ReadTextFile,
  readProcFile,
  registerUdpDropsMetric,
  type UdpDropsMetricOptions,
  type UdpSocketStats,
  udpReceiveDrops,
} from './udp-drops.js';
