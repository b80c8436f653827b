import { type ManualClock, ManualTimers } from '../../src/core/index.js';

/** The transport tests' view of the public {@link ManualTimers}. */
export function manualTimers(clock: ManualClock) {
  const timers = new ManualTimers(clock);
  return {
    timers,
    /** Every delay ever passed to `setTimeout`, in order. */
    armed: timers.armed,
    /** Timers waiting to fire. */
    get pending(): number {
      return timers.pending;
    },
    advance: (ms: number): void => timers.advance(ms),
  };
}
