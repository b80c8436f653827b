import { describe, expect, it } from 'vitest';
import { PayloadPool, type PooledSlab } from '../../src/reliability/payload-pool.js';

describe('PayloadPool (recycled copies of queued payloads)', () => {
  it('copies are independent of the source; oversized and empty payloads are not pooled', () => {
    const pool = new PayloadPool(64, 32, 2);
    const src = Uint8Array.of(1, 2, 3);
    const copy = pool.copy(src);
    src[0] = 9;
    expect([...copy]).toEqual([1, 2, 3]);
    expect(pool.lastSlab?.live).toBe(1);
    expect(pool.copy(new Uint8Array(33)).length).toBe(33);
    expect(pool.lastSlab).toBeUndefined();
    expect(pool.copy(new Uint8Array(0)).length).toBe(0);
    expect(pool.lastSlab).toBeUndefined();
  });

  it('never overwrites a live copy, and reuses a slab only once all its copies are released', () => {
    const pool = new PayloadPool(64, 32, 2);
    const live: { copy: Uint8Array; slab: PooledSlab; value: number }[] = [];
    const slabs = new Set<Uint8Array>();
    // FIFO-ish traffic with some copies held much longer than others
    for (let i = 0; i < 5000; i++) {
      const size = 1 + ((i * 7) % 32);
      const copy = pool.copy(new Uint8Array(size).fill(i & 0xff));
      live.push({ copy, slab: pool.lastSlab!, value: i & 0xff });
      slabs.add(pool.lastSlab!.bytes);
      if (live.length > 6) {
        const k = i % 5 === 0 ? live.length - 1 : 0;
        const [gone] = live.splice(k, 1);
        pool.release(gone!.slab);
      }
      for (const l of live) expect(l.copy.every((b) => b === l.value)).toBe(true);
    }
    // 6 live copies of at most 32 bytes need a few 64-byte slabs, not one per copy
    expect(slabs.size).toBeLessThanOrEqual(12);
  });
});
