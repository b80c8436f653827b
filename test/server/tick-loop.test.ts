import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ManualClock, TickLoop } from '../../src/index.js';

/** A hand-driven timer: `fire()` runs the pending callback after moving the clock to its due time. */
function manualTimer(clock: ManualClock) {
  let pending: { cb: () => void; at: number } | undefined;
  return {
    timers: {
      setTimeout: (cb: () => void, ms: number) => {
        pending = { cb, at: clock.now() + ms };
        return pending;
      },
      clearTimeout: () => {
        pending = undefined;
      },
    },
    fire(extraDelayMs = 0) {
      const p = pending!;
      pending = undefined;
      clock.set(Math.max(clock.now(), p.at + extraDelayMs));
      p.cb();
    },
    get pendingAt() {
      return pending?.at;
    },
  };
}

describe('TickLoop', () => {
  it('runs tick n at start + n/rate even when every timer fires late (no drift)', () => {
    const clock = new ManualClock(1000);
    const timer = manualTimer(clock);
    const seen: number[] = [];
    const loop = new TickLoop({ rate: 60, clock, onTick: (n) => seen.push(n), timers: timer.timers });
    loop.start();
    for (let i = 0; i < 600; i++) timer.fire(i % 3 === 0 ? 4 : 1); // the timer is always 1-4 ms late
    loop.stop();
    // 600 firings over ~10 s of timer time: the number of ticks follows the clock, not the firings.
    const elapsed = clock.now() - 1000;
    expect(loop.ticks).toBe(Math.floor(elapsed / (1000 / 60)) + 1);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
    expect(loop.skippedTicks).toBe(0);
  });

  it('reports every tick duration to the observer, in seconds', () => {
    const clock = new ManualClock(0);
    const timer = manualTimer(clock);
    const durations: number[] = [];
    const loop = new TickLoop({
      clock,
      onTick: () => clock.advance(2),
      observer: { tick: (s) => durations.push(s) },
      timers: timer.timers,
    });
    loop.start();
    timer.fire();
    timer.fire();
    loop.stop();
    expect(durations).toEqual([0.002, 0.002, 0.002]);
  });

  it('skips ahead and counts after a stall instead of bursting', () => {
    const clock = new ManualClock(0);
    const timer = manualTimer(clock);
    let ran = 0;
    const loop = new TickLoop({
      rate: 10,
      clock,
      maxCatchUpTicks: 3,
      onTick: () => ran++,
      timers: timer.timers,
    });
    loop.start(); // tick 0
    clock.set(1000); // stalled for a second: ticks 1..10 are due
    timer.fire();
    loop.stop();
    expect(ran).toBe(1 + 4); // tick 0, then ticks 7..10
    expect(loop.skippedTicks).toBe(6);
  });

  it('keeps ticking on schedule when onTick throws, and logs and counts each failure', () => {
    const clock = new ManualClock(0);
    const timer = manualTimer(clock);
    const logged: unknown[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (obj: object) => logged.push(obj) };
    const loop = new TickLoop({
      rate: 10,
      clock,
      logger,
      onTick: (n) => {
        if (n % 2 === 1) throw new Error(`tick ${n}`);
      },
      timers: timer.timers,
    });
    loop.start();
    for (let i = 0; i < 5; i++) timer.fire();
    loop.stop();
    expect(loop.ticks).toBe(6);
    expect(loop.failedTicks).toBe(3);
    expect(logged).toHaveLength(3);
    expect(() => loop.start()).not.toThrow(); // not wedged in a half-running state
    loop.stop();
  });

  it('rejects bad options with typed errors', () => {
    expect(() => new TickLoop({ rate: 0, onTick: () => {} })).toThrow(InvalidOptionError);
    expect(() => new TickLoop({ maxCatchUpTicks: 0, onTick: () => {} })).toThrow(InvalidOptionError);
  });
});
