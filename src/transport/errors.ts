import { markError } from '../core/errors.js';
import { NetcodeError } from '../core/index.js';

/**
 * A datagram is larger than the transport's `maxDatagramSize`: it is never sent (code
 * `ERR_PACKET_TOO_LARGE`).
 */
export class PacketTooLargeError extends NetcodeError {
  static {
    markError(PacketTooLargeError, 'PacketTooLargeError');
  }

  /** Size of the rejected datagram in bytes. */
  readonly size: number;
  /** The limit it exceeded, in bytes. */
  readonly maxSize: number;

  /**
   * @param size - size of the rejected datagram in bytes.
   * @param maxSize - the configured maximum in bytes.
   */
  constructor(size: number, maxSize: number) {
    super('ERR_PACKET_TOO_LARGE', `datagram of ${size} bytes exceeds the maximum of ${maxSize} bytes`);
    this.size = size;
    this.maxSize = maxSize;
  }
}

/**
 * A client's connection attempt failed: timed out or denied by the server (code
 * `ERR_CONNECT_FAILED`); `reason` says which.
 */
export class ConnectFailedError extends NetcodeError {
  static {
    markError(ConnectFailedError, 'ConnectFailedError');
  }

  /** Why the attempt failed, e.g. `connect_timeout` or `denied_full`. */
  readonly reason: string;

  /** @param reason - why the attempt failed. */
  constructor(reason: string) {
    super('ERR_CONNECT_FAILED', `connection attempt failed: ${reason}`);
    this.reason = reason;
  }
}
