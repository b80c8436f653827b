import { InvalidArgumentError } from './errors.js';

/**
 * A monotonic time source in milliseconds. Every class that needs the time takes one in its
 * options, so tests can drive time by hand and stay deterministic.
 */
export interface Clock {
  /** Current time in milliseconds; never goes backwards. The origin is arbitrary. */
  now(): number;
}

/** The process's monotonic clock (`performance.now()`), the default for real servers. */
export const systemClock: Clock = Object.freeze({ now: () => performance.now() });

/**
 * Milliseconds since the Unix epoch, advanced by the monotonic clock (`performance.timeOrigin +
 * performance.now()`): comparable across processes and machines (to within their clock skew), for
 * times written to a shared store such as a registry's expiry, and for connect-token expiry
 * (`ConnectTokenIssuer` on the match side, `ConnectTokenVerifier` on the game servers). Keep the
 * machines' clocks in sync (NTP).
 */
export const epochClock: Clock = Object.freeze({ now: () => performance.timeOrigin + performance.now() });

/** A clock that only moves when told to: for deterministic tests and simulations. */
export class ManualClock implements Clock {
  private time: number;

  /** @param start - initial time in milliseconds (default 0). */
  constructor(start = 0) {
    this.time = start;
  }

  /** @returns the current manual time in milliseconds. */
  now(): number {
    return this.time;
  }

  /**
   * Moves time forward.
   * @param ms - milliseconds to advance; must be >= 0.
   * @throws InvalidArgumentError - `ms` is negative or NaN.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new InvalidArgumentError('ms', `ManualClock.advance: must be >= 0, got ${ms}`);
    this.time += ms;
  }

  /**
   * Sets the time; it may not go backwards.
   * @param ms - the new time in milliseconds.
   * @throws InvalidArgumentError - `ms` is before the current time.
   */
  set(ms: number): void {
    if (!(ms >= this.time))
      throw new InvalidArgumentError(
        'ms',
        `ManualClock.set: time may not go backwards (${ms} < ${this.time})`,
      );
    this.time = ms;
  }
}
