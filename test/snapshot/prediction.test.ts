import { describe, expect, it } from 'vitest';
import { defineSchema, floatField, intField } from '../../src/snapshot/index.js';
import { predictRecords } from '../../src/snapshot/prediction.js';
import type { EntityRecord } from '../../src/snapshot/schema.js';

// Step 1 from 0: quantized values equal the values.
const schema = defineSchema({
  version: 1,
  entities: {
    ball: { x: floatField(0, 100, 1), z: floatField(0, 100, 1, { predict: 'none' }), n: intField(0, 100) },
  },
});
const rec = (x: number, z = 0, n = 0, id = 0): EntityRecord => ({
  id,
  type: 0,
  q: Uint32Array.from([x, z, n]),
  view: undefined,
});
const predictX = (base: number, far: number, farDistance: number, near: number, distance: number) =>
  predictRecords(
    schema,
    [rec(base)],
    { records: [rec(far)], distance: farDistance },
    { records: [rec(near)], distance: 1 },
    distance,
  )[0]!.q[0];

describe('linear prediction', () => {
  it('extrapolates along the far reference while the near one lies on its line (within a step)', () => {
    expect(predictX(30, 10, 2, 20, 3)).toBe(60); // +10 per tick
    expect(predictX(30, 10, 2, 21, 3)).toBe(60); // near 1 step off the line: noise
    expect(predictX(30, 10, 3, 23, 2)).toBe(43); // 30 + round(20 * 2 / 3)
  });

  it('follows the near reference when the motion changed (a stop, a bounce)', () => {
    expect(predictX(30, 10, 2, 30, 3)).toBe(30); // stopped
    expect(predictX(30, 10, 2, 40, 3)).toBe(0); // reversed: 30 - 10 * 3
  });

  it('clamps to the range and leaves other fields and unmatched entities at the baseline', () => {
    expect(predictX(90, 50, 1, 70, 2)).toBe(100);
    expect(predictX(10, 50, 1, 30, 2)).toBe(0);
    const base = [rec(30, 30, 30), rec(5, 0, 0, 1)];
    const out = predictRecords(
      schema,
      base,
      { records: [rec(10, 10, 10)], distance: 2 },
      { records: [rec(20, 20, 20)], distance: 1 },
      1,
    );
    expect([...out[0]!.q]).toEqual([40, 30, 30]);
    expect(out[1]).toBe(base[1]); // not in the references: shared, unchanged
    const still = [rec(30)];
    expect(
      predictRecords(schema, still, { records: still, distance: 2 }, { records: still, distance: 1 }, 3)[0],
    ).toBe(still[0]);
  });

  it('offers the far line as an alternative when the near line it replaced is further off than a small code reaches', () => {
    const wide = defineSchema({ version: 1, entities: { p: { y: floatField(0, 10000, 1) } } });
    const at = (y: number): EntityRecord[] => [{ id: 0, type: 0, q: Uint32Array.from([y]), view: undefined }];
    const alternatives: (EntityRecord | undefined)[] = [];
    // A stutter: +120 in the last tick, +480 over the last 6: the near line says +720 in 6 ticks,
    // the far line +480; they differ by 240, more than the 7-bit small code's 64.
    const out = predictRecords(
      wide,
      at(1000),
      { records: at(520), distance: 6 },
      { records: at(880), distance: 1 },
      6,
      alternatives,
    );
    expect(out[0]!.q[0]).toBe(1720);
    expect(alternatives[0]?.q[0]).toBe(1480);
    // A near point one step off the far line: no switch, no alternative.
    predictRecords(
      wide,
      at(1000),
      { records: at(520), distance: 6 },
      { records: at(921), distance: 1 },
      6,
      alternatives,
    );
    expect(alternatives[0]).toBeUndefined();
  });
});
