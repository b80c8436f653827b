import { describe, expect, it } from 'vitest';
import { createSeededRandom, InvalidOptionError } from '../../src/core/index.js';
import { LinkConditioner } from '../../src/transport/link-conditioner.js';

const bytes = (n: number) => new Uint8Array(n);

describe('LinkConditioner', () => {
  it('a perfect link delivers every datagram once, immediately', () => {
    const link = new LinkConditioner({ random: createSeededRandom(1) });
    const d = bytes(10);
    expect(link.submit(d, 5)).toEqual([{ deliverAt: 5, data: d }]);
    expect(link.counters).toEqual({
      submitted: 1,
      delivered: 1,
      droppedByLoss: 0,
      droppedByBandwidth: 0,
      duplicated: 0,
      reordered: 0,
    });
  });

  it('lossRate 1 drops everything, duplicateRate 1 doubles everything', () => {
    const lossy = new LinkConditioner({ random: createSeededRandom(1), conditions: { lossRate: 1 } });
    for (let i = 0; i < 100; i++) expect(lossy.submit(bytes(1), i)).toEqual([]);
    expect(lossy.counters.droppedByLoss).toBe(100);
    const dup = new LinkConditioner({
      random: createSeededRandom(1),
      conditions: { duplicateRate: 1, latencyMs: 50 },
    });
    for (let i = 0; i < 100; i++)
      expect(dup.submit(bytes(1), i).map((x) => x.deliverAt)).toEqual([i + 50, i + 50]);
    expect(dup.counters).toMatchObject({ submitted: 100, delivered: 200, duplicated: 100 });
  });

  it('loss, duplication and jitter rates match their settings over many draws', () => {
    const link = new LinkConditioner({
      random: createSeededRandom(7),
      conditions: { lossRate: 0.25, duplicateRate: 0.25, latencyMs: 250, jitterMs: 100 },
    });
    let reorders = 0;
    let last = -1;
    for (let i = 0; i < 20_000; i++) {
      for (const d of link.submit(bytes(1), i)) {
        expect(d.deliverAt).toBeGreaterThanOrEqual(i + 150);
        expect(d.deliverAt).toBeLessThanOrEqual(i + 350);
        if (d.deliverAt < last) reorders++;
        last = d.deliverAt;
      }
    }
    const c = link.counters;
    expect(c.droppedByLoss / c.submitted).toBeCloseTo(0.25, 1);
    expect(c.duplicated / (c.submitted - c.droppedByLoss)).toBeCloseTo(0.25, 1);
    expect(reorders).toBeGreaterThan(1000);
  });

  it('is deterministic for the same seed', () => {
    const run = (seed: number) => {
      const link = new LinkConditioner({
        random: createSeededRandom(seed),
        conditions: { lossRate: 0.3, duplicateRate: 0.2, latencyMs: 20, jitterMs: 10, reorderRate: 0.1 },
      });
      return Array.from({ length: 500 }, (_, i) => link.submit(bytes(1), i).map((d) => d.deliverAt));
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('reorderRate holds a datagram back past the next ones', () => {
    const link = new LinkConditioner({
      random: createSeededRandom(1),
      conditions: { reorderRate: 1, latencyMs: 10, jitterMs: 0 },
    });
    expect(link.submit(bytes(1), 0)[0]!.deliverAt).toBe(21);
    expect(link.counters.reordered).toBe(1);
  });

  it('a bandwidth cap serializes datagrams and drops (and counts) what overflows the queue', () => {
    // 1000 B/s: a 100-byte datagram takes 100 ms; the queue holds 250 bytes.
    const link = new LinkConditioner({
      random: createSeededRandom(1),
      conditions: { bandwidthBytesPerSecond: 1000, maxQueuedBytes: 250 },
    });
    const times = [0, 1, 2, 3].map(() => link.submit(bytes(100), 0).map((d) => d.deliverAt));
    expect(times).toEqual([[100], [200], [], []]);
    expect(link.counters.droppedByBandwidth).toBe(2);
    // After the queue drains, datagrams flow again.
    expect(link.submit(bytes(100), 1000)).toEqual([{ deliverAt: 1100, data: expect.any(Uint8Array) }]);
  });

  it('setConditions applies at run time', () => {
    const link = new LinkConditioner({ random: createSeededRandom(1) });
    expect(link.submit(bytes(1), 0)).toHaveLength(1);
    link.setConditions({ lossRate: 1 });
    expect(link.submit(bytes(1), 0)).toHaveLength(0);
    expect(link.getConditions().lossRate).toBe(1);
  });

  it('rejects invalid conditions with InvalidOptionError naming the option', () => {
    const random = createSeededRandom(1);
    for (const [conditions, option] of [
      [{ lossRate: 1.5 }, 'lossRate'],
      [{ duplicateRate: -0.1 }, 'duplicateRate'],
      [{ reorderRate: Number.NaN }, 'reorderRate'],
      [{ latencyMs: -1 }, 'latencyMs'],
      [{ jitterMs: Number.POSITIVE_INFINITY }, 'jitterMs'],
      [{ bandwidthBytesPerSecond: -5 }, 'bandwidthBytesPerSecond'],
    ] as const) {
      expect(() => new LinkConditioner({ random, conditions })).toThrow(InvalidOptionError);
      try {
        new LinkConditioner({ random, conditions });
      } catch (err) {
        expect((err as InvalidOptionError).option).toBe(option);
      }
    }
    const link = new LinkConditioner({ random });
    expect(() => link.setConditions({ lossRate: 2 })).toThrow(InvalidOptionError);
    expect(() => new LinkConditioner({ random: undefined as never })).toThrow(InvalidOptionError);
  });
});
