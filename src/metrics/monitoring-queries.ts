import type { MetricNames } from './metric-names.js';

/**
 * The PromQL expressions behind the shipped dashboard and alert rules, built from one
 * {@link MetricNames} table so both read the same metric names (prefix included). Rates are over
 * `[1m]`: four samples at the 15 s scrape interval.
 */
export interface MonitoringQueries {
  /** `q`-quantile of the server tick duration, per series: the design's p99 query at `q = 0.99`. */
  tickQuantile(q: number): string;
  /** Ticks per second (should sit at the tick rate, e.g. 60). */
  readonly tickRate: string;
  /** Network packet loss: sent packets the ack bitfield shows never arrived, over packets sent. */
  readonly networkLoss: string;
  /**
   * The design's "packet loss rate" (`reliable_timeouts_total` over `packets_sent_total`): what it
   * really measures is reliable messages given up on, per packet sent.
   */
  readonly reliableGiveUps: string;
  /** Reliable messages sent again, per second. */
  readonly retransmitRate: string;
  /** Packets sent by reliability channels, per second. */
  readonly packetsSentRate: string;
  /** Packets accepted by reliability channels, per second. */
  readonly packetsReceivedRate: string;
  /** Wire bytes sent per second. */
  readonly bytesOut: string;
  /** Wire bytes received per second. */
  readonly bytesIn: string;
  /** Dropped incoming packets per second, by reason. */
  readonly droppedByReason: string;
  /** Duplicate packets or messages dropped per second. */
  readonly duplicateRate: string;
  /** `q`-quantile of the round-trip time. */
  rttQuantile(q: number): string;
  /** `q`-quantile of the packet size, per direction. */
  packetSizeQuantile(q: number): string;
  /** Connected clients. */
  readonly connectedClients: string;
  /** Active rooms. */
  readonly activeRooms: string;
  /** Match requests per second. */
  readonly matchRequestRate: string;
  /** Matches created per second. */
  readonly matchCreateRate: string;
  /** Players waiting in the match queue. */
  readonly matchQueueSize: string;
  /** `q`-quantile of the time from request to match. */
  matchWaitQuantile(q: number): string;
  /** `q`-quantile of the absolute rating difference of a match. */
  matchRatingGapQuantile(q: number): string;
  /** Mean absolute rating difference of the matches made in the last minute. */
  readonly matchRatingGapMean: string;
}

/** Builds the {@link MonitoringQueries} for a set of metric names. */
export function monitoringQueries(names: MetricNames): MonitoringQueries {
  const rate = (name: string) => `rate(${name}[1m])`;
  const quantile = (q: number, name: string) => `histogram_quantile(${q}, ${rate(`${name}_bucket`)})`;
  return {
    tickQuantile: (q) => quantile(q, names.tickDuration),
    tickRate: rate(`${names.tickDuration}_count`),
    networkLoss: `${rate(names.packetsLost)} / ${rate(names.packetsSent)}`,
    reliableGiveUps: `${rate(names.reliableTimeouts)} / ${rate(names.packetsSent)}`,
    retransmitRate: rate(names.reliableRetries),
    packetsSentRate: rate(names.packetsSent),
    packetsReceivedRate: rate(names.packetsReceived),
    bytesOut: rate(names.bytesSent),
    bytesIn: rate(names.bytesReceived),
    droppedByReason: `sum by (reason) (${rate(names.packetsDropped)})`,
    duplicateRate: rate(names.droppedDuplicates),
    rttQuantile: (q) => quantile(q, names.rtt),
    packetSizeQuantile: (q) => quantile(q, names.packetSize),
    connectedClients: names.connectedClients,
    activeRooms: names.activeRooms,
    matchRequestRate: rate(names.matchRequests),
    matchCreateRate: rate(names.matchesCreated),
    matchQueueSize: names.matchQueueSize,
    matchWaitQuantile: (q) => quantile(q, names.matchWait),
    matchRatingGapQuantile: (q) => quantile(q, names.matchRatingGap),
    matchRatingGapMean: `${rate(`${names.matchRatingGap}_sum`)} / ${rate(`${names.matchRatingGap}_count`)}`,
  };
}
