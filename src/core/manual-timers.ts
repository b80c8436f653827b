import type { ManualClock } from './clock.js';
import { InvalidArgumentError } from './errors.js';
import type { Timers } from './timers.js';

/** A timer waiting in {@link ManualTimers}. */
interface PendingTimer {
  readonly at: number;
  readonly callback: () => void;
}

/**
 * {@link Timers} that fire only when you move a {@link ManualClock} through them: pass one as the
 * `timers` option (with the same clock as `clock`) to drive a `TickLoop`, a `ConnectionServer` or a
 * `MatchServer` by hand in your own tests, with no wall-clock sleeps.
 *
 * Like Node's timers, a delay below 1 ms (or `NaN`) waits 1 ms, and timers due at the same moment
 * run in the order they were armed.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const timers = new ManualTimers(clock);
 * const loop = new TickLoop({ rate: 10, clock, timers, onTick: (n) => ticks.push(n) });
 * loop.start();            // tick 0
 * timers.advance(1000);    // ticks 1 to 10, each at its due time
 * ```
 */
export class ManualTimers implements Timers {
  /** The clock that {@link ManualTimers.advance} moves. */
  readonly clock: ManualClock;
  /** Every delay passed to `setTimeout`, in order (for asserting what a class scheduled). */
  readonly armed: number[] = [];
  private readonly timers = new Map<number, PendingTimer>();
  private nextHandle = 1;

  /** @param clock - the clock the timers read, shared with the classes under test. */
  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  /** Timers armed and neither fired nor cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Arms a timer due `ms` from the clock's current time.
   * @param callback - run when {@link ManualTimers.advance} reaches the due time.
   * @param ms - delay in milliseconds (below 1, or `NaN`, counts as 1).
   * @returns the handle for `clearTimeout`.
   */
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.clock.now() + (Number.isNaN(ms) ? 1 : Math.max(ms, 1)), callback });
    this.armed.push(ms);
    return handle;
  }

  /**
   * Cancels a timer; unknown or already fired handles are ignored.
   * @param handle - a value returned by `setTimeout`.
   */
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /**
   * Moves the clock forward by `ms`, running every timer that falls due on the way in due order,
   * with the clock set to each timer's due time while it runs. Timers armed by those callbacks run
   * too if they fall due within the advance. The clock ends at the old time plus `ms`.
   * @param ms - milliseconds to advance; must be >= 0.
   * @throws InvalidArgumentError - `ms` is negative or `NaN`.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new InvalidArgumentError('ms', `ManualTimers.advance: must be >= 0, got ${ms}`);
    const end = this.clock.now() + ms;
    for (let due = this.next(end); due !== undefined; due = this.next(end)) {
      this.timers.delete(due[0]);
      if (due[1].at > this.clock.now()) this.clock.set(due[1].at);
      due[1].callback();
    }
    if (end > this.clock.now()) this.clock.set(end);
  }

  /** The earliest timer due at or before `end` (the first armed among equals). */
  private next(end: number): [number, PendingTimer] | undefined {
    let due: [number, PendingTimer] | undefined;
    for (const entry of this.timers)
      if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
    return due;
  }
}
