import { InvalidOptionError, systemTimers, type Timers } from '../core/index.js';
import { resolveChannelOptions } from '../reliability/channel-options.js';
import type { ConnectionChannelOptions } from './connection.js';
import { PAYLOAD_OVERHEAD_BYTES } from './connection-packets.js';
import type { DatagramTransport } from './datagram-transport.js';

/** A per-address token-bucket rate limit on incoming packets. */
export interface RateLimit {
  /** Sustained packets per second (use `Infinity` to disable). */
  packetsPerSecond: number;
  /** Packets that may arrive at once after a quiet period. */
  burst: number;
}

/** Validation helpers shared by the transport module's constructors. @internal */
export const check = {
  transport(t: DatagramTransport | undefined): DatagramTransport {
    if (!t || typeof t.send !== 'function' || typeof t.onDatagram !== 'function')
      throw new InvalidOptionError('transport', 'must be a DatagramTransport');
    if (!Number.isInteger(t.maxDatagramSize) || t.maxDatagramSize < 64)
      throw new InvalidOptionError('transport', 'maxDatagramSize must be an integer >= 64');
    return t;
  },
  int(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
    const v = value ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new InvalidOptionError(name, `must be an integer in [${min}, ${max}], got ${String(v)}`);
    return v;
  },
  positive(name: string, value: number | undefined, fallback: number): number {
    const v = value ?? fallback;
    if (typeof v !== 'number' || Number.isNaN(v) || v <= 0)
      throw new InvalidOptionError(name, `must be a number > 0, got ${String(v)}`);
    return v;
  },
  /**
   * Validates the channel limits now, exactly as every connection's channel will (a bad limit
   * would otherwise throw only when a handshake completes). Names the option `channel.<name>`.
   */
  channel(
    value: ConnectionChannelOptions | undefined,
    maxDatagramSize: number,
  ): ConnectionChannelOptions | undefined {
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object')
      throw new InvalidOptionError('channel', 'must be an object');
    try {
      resolveChannelOptions({
        ...value,
        send: () => {},
        clock: { now: () => 0 },
        maxPacketSize: maxDatagramSize - PAYLOAD_OVERHEAD_BYTES,
      });
    } catch (err) {
      if (err instanceof InvalidOptionError)
        throw new InvalidOptionError(
          `channel.${err.option}`,
          err.message.replace(/^invalid option "[^"]*": /, ''),
        );
      throw err;
    }
    return { ...value };
  },
  /** The `timers` option: `systemTimers` when absent. */
  timers(value: Timers | undefined): Timers {
    if (value === undefined) return systemTimers;
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof value.setTimeout !== 'function' ||
      typeof value.clearTimeout !== 'function'
    )
      throw new InvalidOptionError('timers', 'must be a Timers ({ setTimeout, clearTimeout })');
    return value;
  },
  rateLimit(value: RateLimit | undefined): RateLimit {
    if (value === undefined) return { packetsPerSecond: 1000, burst: 200 };
    if (value === null || typeof value !== 'object')
      throw new InvalidOptionError('rateLimit', 'must be an object');
    return {
      packetsPerSecond: check.positive('rateLimit.packetsPerSecond', value.packetsPerSecond, 1000),
      burst: check.positive('rateLimit.burst', value.burst, 200),
    };
  },
};
