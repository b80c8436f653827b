import { InvalidOptionError } from '../core/index.js';
import type { DatagramTransport } from './datagram-transport.js';

/** A per-address token-bucket rate limit on incoming packets. */
export interface RateLimit {
  /** Sustained packets per second (use `Infinity` to disable). */
  packetsPerSecond: number;
  /** Packets that may arrive at once after a quiet period. */
  burst: number;
}

/** Validation helpers shared by the server and client constructors. @internal */
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
