import { describe, expect, it } from 'vitest';
import {
  createSeededRandom,
  InvalidArgumentError,
  InvalidOptionError,
  ManualClock,
  NetcodeError,
} from '../../src/index.js';

describe('core primitives', () => {
  it('seeded random is reproducible and in [0, 1)', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs).not.toEqual(Array.from({ length: 1000 }, () => c.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('manual clock only moves forward', () => {
    const clock = new ManualClock(5);
    clock.advance(10);
    expect(clock.now()).toBe(15);
    expect(() => clock.advance(-1)).toThrow(InvalidArgumentError);
    expect(() => clock.set(3)).toThrow(InvalidArgumentError);
  });

  it('errors carry stable codes and are NetcodeErrors', () => {
    const err = new InvalidOptionError('maxPacketSize', 'must be a positive integer');
    expect(err).toBeInstanceOf(NetcodeError);
    expect(err.code).toBe('ERR_INVALID_OPTION');
    expect(err.option).toBe('maxPacketSize');
    expect(err.name).toBe('InvalidOptionError');
  });
});
