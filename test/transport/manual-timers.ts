import type { ManualClock, Timers } from '../../src/core/index.js';

/**
 * Timers driven by a ManualClock: `advance(ms)` moves the clock and runs every timer that comes
 * due, in due order (timers armed by a callback run too if they fall due within the advance).
 */
export function manualTimers(clock: ManualClock) {
  const pending = new Map<number, { at: number; ms: number; callback: () => void }>();
  let nextHandle = 1;
  /** Every delay ever passed to `setTimeout`, in order. */
  const armed: number[] = [];
  const timers: Timers = {
    setTimeout(callback, ms) {
      const handle = nextHandle++;
      pending.set(handle, { at: clock.now() + ms, ms, callback });
      armed.push(ms);
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    armed,
    /** Timers waiting to fire. */
    get pending(): number {
      return pending.size;
    },
    advance(ms: number): void {
      const end = clock.now() + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of pending) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
        if (due === undefined) break;
        pending.delete(due[0]);
        if (due[1].at > clock.now()) clock.set(due[1].at);
        due[1].callback();
      }
      clock.set(end);
    },
  };
}
