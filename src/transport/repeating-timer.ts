import type { Timers } from '../core/index.js';

/**
 * Calls a function every `intervalMs` on injected {@link Timers}, re-arming a one-shot timer before
 * each call (so the callback may stop it). Used by the `start()` of servers and clients.
 * @internal
 */
export class RepeatingTimer {
  private handle: unknown;
  private armed = false;

  /** @param timers - where to schedule (validate it with `check.timers`). */
  constructor(private readonly timers: Timers) {}

  /** Calls `tick` every `intervalMs` until `stop()`; replaces any previous schedule. */
  start(intervalMs: number, tick: () => void): void {
    this.stop();
    this.armed = true;
    const fire = (): void => {
      this.handle = this.timers.setTimeout(fire, intervalMs);
      tick();
    };
    this.handle = this.timers.setTimeout(fire, intervalMs);
  }

  /** Cancels the schedule. Idempotent. */
  stop(): void {
    if (!this.armed) return;
    this.armed = false;
    this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
