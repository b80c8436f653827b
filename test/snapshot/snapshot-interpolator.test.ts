import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ManualClock } from '../../src/core/index.js';
import {
  type DecodedSnapshot,
  defineSchema,
  type EntityOf,
  floatField,
  intField,
  SnapshotInterpolator,
  type SnapshotSchema,
} from '../../src/snapshot/index.js';

const schema = defineSchema({
  version: 1,
  entities: { p: { x: floatField(0, 100, 0.5), n: intField(0, 10) } },
});
type Def = typeof schema extends SnapshotSchema<infer D> ? D : never;

function snap(tick: number, ...xs: [id: number, x: number, n: number][]): DecodedSnapshot<Def> {
  const entities = new Map<number, EntityOf<Def>>(xs.map(([id, x, n]) => [id, { id, type: 'p', x, n }]));
  return { tick, full: false, entities };
}

function setup() {
  const clock = new ManualClock(1000);
  const interp = new SnapshotInterpolator({
    schema,
    clock,
    tickIntervalMs: 50,
    delayMs: 100,
    maxExtrapolationMs: 50,
  });
  return { clock, interp };
}

describe('SnapshotInterpolator', () => {
  it('holds the first snapshot until the render time reaches it', () => {
    const { clock, interp } = setup();
    expect(interp.sample()).toBeUndefined();
    interp.push(snap(20, [1, 10, 3])); // server time 1000 arrives at local 1000
    expect(interp.sample()).toMatchObject({ renderTime: 900, fromTick: 20, extrapolatedMs: 0 });
    clock.advance(50);
    expect(interp.sample()?.entities.get(1)).toEqual({ id: 1, type: 'p', x: 10, n: 3 });
  });

  it('renders delayMs behind the newest snapshot, interpolating floats only', () => {
    const { clock, interp } = setup();
    interp.push(snap(20, [1, 10, 3]));
    clock.set(1050);
    interp.push(snap(21, [1, 20, 4]));
    clock.set(1100);
    interp.push(snap(22, [1, 30, 5]));
    clock.set(1125); // render time 1025: halfway between ticks 20 and 21
    const f = interp.sample()!;
    expect(f).toMatchObject({ renderTime: 1025, fromTick: 20, toTick: 21, extrapolatedMs: 0 });
    expect(f.entities.get(1)).toEqual({ id: 1, type: 'p', x: 15, n: 3 });
    clock.set(1190); // render 1090: 80% from 21 to 22
    expect(interp.sample()!.entities.get(1)).toEqual({ id: 1, type: 'p', x: 28, n: 4 });
  });

  it('extrapolates at most maxExtrapolationMs when snapshots stop, then holds', () => {
    const { clock, interp } = setup();
    interp.push(snap(20, [1, 10, 3]));
    clock.set(1050);
    interp.push(snap(21, [1, 20, 4]));
    clock.set(1180); // render 1080: 30 ms past the newest (1050); velocity 10 per 50 ms
    let f = interp.sample()!;
    expect(f).toMatchObject({ fromTick: 21, toTick: undefined, extrapolatedMs: 30 });
    expect(f.entities.get(1)!.x).toBeCloseTo(26, 10);
    clock.set(1400); // render 1300: capped at 50 ms
    f = interp.sample()!;
    expect(f.extrapolatedMs).toBe(50);
    expect(f.entities.get(1)).toEqual({ id: 1, type: 'p', x: 30, n: 4 });
  });

  it('clamps extrapolated floats to the field range and follows entity creation and removal', () => {
    const { clock, interp } = setup();
    interp.push(snap(20, [1, 90, 0], [2, 5, 0]));
    clock.set(1050);
    interp.push(snap(21, [1, 99, 0], [3, 7, 0]));
    clock.set(1200);
    const f = interp.sample()!;
    expect(f.entities.get(1)!.x).toBe(100);
    expect([...f.entities.keys()]).toEqual([1, 3]);
    // A fresh interpolator shows tick 20's entity set half-way to tick 21.
    const { clock: c2, interp: i2 } = setup();
    i2.push(snap(20, [1, 90, 0], [2, 5, 0]));
    c2.set(1050);
    i2.push(snap(21, [1, 99, 0], [3, 7, 0]));
    c2.set(1125);
    expect([...i2.sample()!.entities.keys()]).toEqual([1, 2]);
  });

  it('anchors on the least-delayed packet so a late one does not shift the render clock', () => {
    const { clock, interp } = setup();
    interp.push(snap(20, [1, 10, 0]));
    clock.set(1090); // tick 21 (server 1050) arrives 40 ms late
    interp.push(snap(21, [1, 20, 0]));
    expect(interp.sample()!.renderTime).toBe(990);
    interp.push(snap(21, [1, 20, 0]));
    expect(interp.size).toBe(2);
  });

  it('validates options', () => {
    const clock = new ManualClock();
    expect(() => new SnapshotInterpolator({ schema, clock, tickIntervalMs: 0 })).toThrow(InvalidOptionError);
    expect(() => new SnapshotInterpolator({ schema, clock, tickIntervalMs: 16, delayMs: -1 })).toThrow(
      InvalidOptionError,
    );
    expect(() => new SnapshotInterpolator({ schema, clock, tickIntervalMs: 16, capacity: 1 })).toThrow(
      InvalidOptionError,
    );
  });
});
