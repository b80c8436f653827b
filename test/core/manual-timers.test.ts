import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ManualClock, ManualTimers, TickLoop } from '../../src/index.js';

describe('ManualTimers', () => {
  it('runs due timers in due order (ties in arming order) with the clock at each due time', () => {
    const clock = new ManualClock(100);
    const timers = new ManualTimers(clock);
    const ran: string[] = [];
    const at = (name: string) => () => ran.push(`${name}@${clock.now()}`);
    timers.setTimeout(at('c'), 30);
    timers.setTimeout(at('a'), 10);
    timers.setTimeout(at('b1'), 20);
    timers.setTimeout(at('b2'), 20);
    const late = timers.setTimeout(at('late'), 31);
    timers.advance(30);
    expect(ran).toEqual(['a@110', 'b1@120', 'b2@120', 'c@130']);
    expect(clock.now()).toBe(130);
    expect(timers.pending).toBe(1);
    timers.clearTimeout(late);
    timers.clearTimeout(999);
    timers.advance(100);
    expect(ran).toHaveLength(4);
    expect(timers.pending).toBe(0);
    expect(clock.now()).toBe(230);
    expect(timers.armed).toEqual([30, 10, 20, 20, 31]);
  });

  it('runs timers armed by callbacks when they fall due within the same advance, and no others', () => {
    const clock = new ManualClock();
    const timers = new ManualTimers(clock);
    const fired: number[] = [];
    const every = (ms: number) => {
      timers.setTimeout(() => {
        fired.push(clock.now());
        every(ms);
      }, ms);
    };
    every(25);
    timers.advance(100);
    expect(fired).toEqual([25, 50, 75, 100]);
    expect(timers.pending).toBe(1);
    timers.advance(24);
    expect(fired).toHaveLength(4);
  });

  it('waits at least 1 ms, like Node, so a callback re-arming 0 ms cannot spin one advance forever', () => {
    const clock = new ManualClock();
    const timers = new ManualTimers(clock);
    let runs = 0;
    const spin = () => {
      runs++;
      timers.setTimeout(spin, 0);
    };
    timers.setTimeout(spin, Number.NaN);
    timers.advance(0);
    expect(runs).toBe(0);
    timers.advance(5);
    expect(runs).toBe(5);
  });

  it('refuses to move time backwards', () => {
    const timers = new ManualTimers(new ManualClock(10));
    expect(() => timers.advance(-1)).toThrow(InvalidArgumentError);
    expect(() => timers.advance(Number.NaN)).toThrow(InvalidArgumentError);
  });

  it('drives a TickLoop by hand: each tick at its due time, none after stop()', () => {
    const clock = new ManualClock();
    const timers = new ManualTimers(clock);
    const ticks: [number, number][] = [];
    const loop = new TickLoop({ rate: 10, clock, timers, onTick: (n) => ticks.push([n, clock.now()]) });
    loop.start();
    timers.advance(1000);
    expect(ticks).toEqual(Array.from({ length: 11 }, (_, n) => [n, n * 100]));
    loop.stop();
    expect(timers.pending).toBe(0);
    timers.advance(1000);
    expect(ticks).toHaveLength(11);
  });
});
