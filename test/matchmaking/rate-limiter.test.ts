import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ManualClock } from '../../src/core/index.js';
import { RateLimiter } from '../../src/matchmaking/index.js';

describe('RateLimiter', () => {
  it('lets a burst through, then one request per refill interval, per key', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ burst: 3, perSecond: 2, clock });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(500); // one token takes 500 ms at 2 per second
    expect(limiter.take('b')).toBe(0); // another key has its own bucket
    clock.advance(200);
    expect(limiter.take('a')).toBe(300);
    clock.advance(300);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(500);
    // A long quiet period refills only up to the burst.
    clock.advance(60_000);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([
      0, 0, 0, 500,
    ]);
  });

  it('refused attempts do not spend tokens (a client retrying early is not punished further)', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ burst: 1, perSecond: 1, clock });
    expect(limiter.take('a')).toBe(0);
    for (let i = 0; i < 10; i++) expect(limiter.take('a')).toBe(1000);
    clock.advance(1000);
    expect(limiter.take('a')).toBe(0);
  });

  it('keeps at most maxKeys buckets: refilled ones are forgotten, new keys refused while all drain', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ burst: 2, perSecond: 1, clock, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) expect(limiter.take(key)).toBe(0);
    // Every bucket is still draining: a fourth key is refused, not tracked.
    expect(limiter.take('d')).toBe(1000);
    expect(limiter.size).toBe(3);
    clock.advance(1000); // a, b, c are full again: forgotten to make room
    expect(limiter.take('d')).toBe(0);
    expect(limiter.size).toBe(1);
  });

  it('scans for refilled buckets at most once per token interval (rotating keys cost O(1) each)', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ burst: 1, perSecond: 1, clock, maxKeys: 2 });
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('c')).toBe(1000); // swept, nothing refilled
    clock.advance(999);
    expect(limiter.take('d')).toBe(1000); // no new sweep yet (and nothing is full anyway)
    clock.advance(1);
    expect(limiter.take('d')).toBe(0);
  });

  it('rejects bad options with a typed error naming the option', () => {
    const clock = new ManualClock();
    expect(() => new RateLimiter({ burst: 0, perSecond: 1, clock })).toThrow(InvalidOptionError);
    expect(() => new RateLimiter({ burst: 1.5, perSecond: 1, clock })).toThrow(/burst/);
    expect(() => new RateLimiter({ burst: 1, perSecond: 0, clock })).toThrow(/perSecond/);
    expect(() => new RateLimiter({ burst: 1, perSecond: Number.NaN, clock })).toThrow(/perSecond/);
    expect(() => new RateLimiter({ burst: 1, perSecond: 1, clock, maxKeys: 0 })).toThrow(/maxKeys/);
  });
});
