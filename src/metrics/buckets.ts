/**
 * Default histogram buckets of {@link MetricsCollector}. They are exported so the docs, the
 * dashboard and the tests read the same numbers the collector uses.
 */

/**
 * `server_tick_duration_seconds`: 1 ms steps between 10 and 16 ms around the 15 ms budget, so
 * `histogram_quantile(0.99, ...)` interpolates within a millisecond there instead of across a
 * single 10-15 ms bucket, and `le="0.015"` reads the budget off directly.
 */
export const TICK_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.011, 0.012, 0.013, 0.014, 0.015, 0.016, 0.0175,
  0.02, 0.025, 0.033, 0.05, 0.1, 0.25,
]);

/** `packet_size_bytes`: from a bare ack to the largest datagram a path MTU allows. */
export const PACKET_SIZE_BUCKETS: readonly number[] = Object.freeze([
  16, 32, 64, 128, 256, 384, 512, 768, 1024, 1200, 1400, 1500,
]);

/** `rtt_seconds`: LAN to intercontinental round trips. */
export const RTT_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2,
]);

/**
 * `match_rating_gap`: the absolute rating difference of a match. Ratings are integers and the
 * matcher's limits exclusive, so `le="99"` counts the matches within the default limit of 100
 * and 199 / 399 / 799 those within the usual widening steps.
 */
export const MATCH_RATING_GAP_BUCKETS: readonly number[] = Object.freeze([
  10, 25, 50, 75, 99, 149, 199, 299, 399, 599, 799, 1000,
]);

/** `match_wait_seconds`: from an instant match to a long queue. */
export const MATCH_WAIT_BUCKETS: readonly number[] = Object.freeze([
  0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300,
]);
