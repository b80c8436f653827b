import type { SnapshotDecodeError } from './errors.js';

/**
 * Optional hooks of {@link DeltaSnapshotter} and {@link SnapshotClient}, called synchronously.
 * Every member is optional. The metrics module has no adapter for it: implement the hooks you need
 * (snapshot bytes per client, rejections by `error.code`) with your own counters.
 */
export interface SnapshotObserver {
  /**
   * A snapshot was encoded for a client (server side).
   * @param clientId - the client.
   * @param bytes - packet size in bytes.
   * @param full - true for a full snapshot (no baseline).
   */
  onSnapshotEncoded?(clientId: string, bytes: number, full: boolean): void;
  /**
   * A snapshot was decoded (client side).
   * @param tick - its tick.
   * @param bytes - packet size in bytes.
   * @param full - true for a full snapshot.
   */
  onSnapshotDecoded?(tick: number, bytes: number, full: boolean): void;
  /**
   * A snapshot (client side) or an ack (server side) was rejected.
   * @param error - why; switch on `error.code`.
   * @param clientId - on the server, the client whose ack was rejected.
   */
  onRejected?(error: SnapshotDecodeError, clientId?: string): void;
}
