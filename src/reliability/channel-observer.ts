/**
 * What a {@link ReliableUdpChannel} reports as it runs. Every member is optional; the channel
 * calls them synchronously on its hot path, so implementations must be cheap (increment a
 * counter, observe a histogram). The metrics module provides one; this module never imports it.
 */
export interface ChannelObserver {
  /** A packet of `bytes` bytes (header included) was handed to `send`. */
  packetSent?(bytes: number): void;
  /** A valid packet of `bytes` bytes was accepted. */
  packetReceived?(bytes: number): void;
  /** A sent packet fell out of the ack window without being acknowledged. */
  packetLost?(): void;
  /** A reliable message was sent again (one call per retransmitted message). */
  retry?(): void;
  /** A reliable message hit the give-up limit; the channel raises its `timeout` event. */
  timeout?(): void;
  /** A duplicate packet or message was dropped. */
  duplicateDropped?(): void;
  /** A packet was dropped because it was stale or malformed. */
  packetDropped?(reason: 'malformed' | 'stale'): void;
  /** A new round-trip sample, in seconds. */
  rttSample?(seconds: number): void;
}
