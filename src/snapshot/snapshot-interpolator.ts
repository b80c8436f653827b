import { type Clock, InvalidOptionError } from '../core/index.js';
import type { FloatField } from './fields.js';
import type { EntityDefinitions, EntityOf, SnapshotSchema } from './schema.js';
import type { DecodedSnapshot } from './snapshot-client.js';

/** Options of {@link SnapshotInterpolator}. */
export interface SnapshotInterpolatorOptions<D extends EntityDefinitions> {
  /** The state schema (says which fields are floats, hence interpolated). */
  readonly schema: SnapshotSchema<D>;
  /** Local time source, in milliseconds. */
  readonly clock: Clock;
  /** Server milliseconds per tick (e.g. 1000 / 60); a snapshot's server time is `tick * tickIntervalMs`. */
  readonly tickIntervalMs: number;
  /** How far behind the newest snapshot to render, in ms (default 100: two or more snapshots). */
  readonly delayMs?: number;
  /** Longest extrapolation past the newest snapshot when snapshots stop, in ms (default 100). */
  readonly maxExtrapolationMs?: number;
  /** Snapshots kept (2 to 1024, default 32). */
  readonly capacity?: number;
}

/** What to draw now: the state at `renderTime` (server milliseconds). */
export interface InterpolatedFrame<D extends EntityDefinitions> {
  /** Server time being rendered, in ms. */
  readonly renderTime: number;
  /** Tick of the snapshot at or before `renderTime` (the newest one when extrapolating). */
  readonly fromTick: number;
  /** Tick of the snapshot after `renderTime`, or undefined when there is none. */
  readonly toTick: number | undefined;
  /** Milliseconds extrapolated past the newest snapshot (0 when interpolating), at most `maxExtrapolationMs`. */
  readonly extrapolatedMs: number;
  /**
   * Entities of the `fromTick` snapshot; float fields interpolated towards `toTick` (or
   * extrapolated along the last two snapshots), other fields as at `fromTick`.
   */
  readonly entities: ReadonlyMap<number, EntityOf<D>>;
}

interface Entry<D extends EntityDefinitions> {
  readonly time: number;
  readonly snapshot: DecodedSnapshot<D>;
}

/**
 * Client-side render buffer: renders a fixed delay behind the newest snapshot so there is
 * usually a later snapshot to interpolate towards; when snapshots stop it extrapolates floats
 * linearly for at most `maxExtrapolationMs`, then holds.
 *
 * The mapping from local to server time is `now + offset`, where `offset` is the largest
 * `serverTime - arrivalTime` seen, i.e. it follows the least-delayed packet so jitter does not
 * shake the render clock.
 *
 * @example
 * ```ts
 * const interp = new SnapshotInterpolator({ schema, clock: systemClock, tickIntervalMs: 1000 / 60 });
 * // on every decoded snapshot: interp.push(result.snapshot);
 * // every frame: draw(interp.sample()?.entities);
 * ```
 * @typeParam D - the schema's entity definitions.
 */
export class SnapshotInterpolator<D extends EntityDefinitions> {
  private readonly schema: SnapshotSchema<D>;
  private readonly clock: Clock;
  private readonly tickIntervalMs: number;
  private readonly delayMs: number;
  private readonly maxExtrapolationMs: number;
  private readonly capacity: number;
  private readonly entries: Entry<D>[] = [];
  private offset = Number.NEGATIVE_INFINITY;

  /**
   * @param options - schema, clock, tick interval, delay, extrapolation bound and capacity.
   * @throws InvalidOptionError when an option is invalid.
   */
  constructor(options: SnapshotInterpolatorOptions<D>) {
    if (options?.schema === undefined) throw new InvalidOptionError('schema', 'is required');
    if (typeof options.clock?.now !== 'function') throw new InvalidOptionError('clock', 'must have now()');
    const { tickIntervalMs } = options;
    if (!(tickIntervalMs > 0 && Number.isFinite(tickIntervalMs)))
      throw new InvalidOptionError('tickIntervalMs', `must be a finite number > 0, got ${tickIntervalMs}`);
    const delayMs = options.delayMs ?? 100;
    if (!(delayMs >= 0 && Number.isFinite(delayMs)))
      throw new InvalidOptionError('delayMs', `must be a finite number >= 0, got ${delayMs}`);
    const maxExtrapolationMs = options.maxExtrapolationMs ?? 100;
    if (!(maxExtrapolationMs >= 0 && Number.isFinite(maxExtrapolationMs)))
      throw new InvalidOptionError(
        'maxExtrapolationMs',
        `must be a finite number >= 0, got ${maxExtrapolationMs}`,
      );
    const capacity = options.capacity ?? 32;
    if (!Number.isInteger(capacity) || capacity < 2 || capacity > 1024)
      throw new InvalidOptionError('capacity', `must be an integer in [2, 1024], got ${capacity}`);
    this.schema = options.schema;
    this.clock = options.clock;
    this.tickIntervalMs = tickIntervalMs;
    this.delayMs = delayMs;
    this.maxExtrapolationMs = maxExtrapolationMs;
    this.capacity = capacity;
  }

  /** Number of snapshots buffered. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Adds a decoded snapshot, stamped with the clock's current time. Duplicates are ignored;
   * beyond `capacity` the oldest is dropped.
   * @param snapshot - from {@link SnapshotClient.receive}.
   */
  push(snapshot: DecodedSnapshot<D>): void {
    const time = snapshot.tick * this.tickIntervalMs;
    this.offset = Math.max(this.offset, time - this.clock.now());
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.snapshot.tick > snapshot.tick) i--;
    if (i > 0 && this.entries[i - 1]!.snapshot.tick === snapshot.tick) return;
    this.entries.splice(i, 0, { time, snapshot });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** @returns the state to render now, or undefined before the first snapshot. */
  sample(): InterpolatedFrame<D> | undefined {
    const entries = this.entries;
    if (entries.length === 0) return undefined;
    const renderTime = this.clock.now() + this.offset - this.delayMs;
    let k = entries.length - 1;
    while (k > 0 && entries[k]!.time > renderTime) k--;
    // Entries before the one at renderTime are no longer needed, except as an extrapolation base.
    if (k > 1) {
      entries.splice(0, k - 1);
      k = 1;
    }
    const from = entries[k]!;
    const to = entries[k + 1];
    if (renderTime <= from.time) {
      return {
        renderTime,
        fromTick: from.snapshot.tick,
        toTick: to?.snapshot.tick,
        extrapolatedMs: 0,
        entities: from.snapshot.entities,
      };
    }
    if (to !== undefined) {
      const alpha = (renderTime - from.time) / (to.time - from.time);
      return {
        renderTime,
        fromTick: from.snapshot.tick,
        toTick: to.snapshot.tick,
        extrapolatedMs: 0,
        entities: this.blend(from.snapshot, to.snapshot, alpha, false),
      };
    }
    const extrapolatedMs = Math.min(renderTime - from.time, this.maxExtrapolationMs);
    const prev = entries[k - 1];
    const entities =
      prev === undefined || extrapolatedMs === 0
        ? from.snapshot.entities
        : this.blend(prev.snapshot, from.snapshot, 1 + extrapolatedMs / (from.time - prev.time), true);
    return { renderTime, fromTick: from.snapshot.tick, toTick: undefined, extrapolatedMs, entities };
  }

  /**
   * Float fields at `a + (b - a) * alpha`. When extrapolating, `b` supplies the entity set and
   * the other fields, and results are clamped to the field range; otherwise `a` does.
   */
  private blend(
    a: DecodedSnapshot<D>,
    b: DecodedSnapshot<D>,
    alpha: number,
    extrapolating: boolean,
  ): Map<number, EntityOf<D>> {
    const base = extrapolating ? b : a;
    const out = new Map<number, EntityOf<D>>();
    for (const [id, entity] of base.entities) {
      const ea = a.entities.get(id) as Record<string, unknown> | undefined;
      const eb = b.entities.get(id) as Record<string, unknown> | undefined;
      const type = this.schema.types.find((t) => t.name === entity.type);
      if (ea === undefined || eb === undefined || ea.type !== eb.type || type === undefined) {
        out.set(id, entity);
        continue;
      }
      const mixed: Record<string, unknown> = { ...(entity as Record<string, unknown>) };
      for (const f of type.fields) {
        if (f.spec.kind !== 'float') continue;
        const va = ea[f.name] as number;
        const v = va + ((eb[f.name] as number) - va) * alpha;
        const spec = f.spec as FloatField;
        mixed[f.name] = Math.min(spec.max, Math.max(spec.min, v));
      }
      out.set(id, mixed as EntityOf<D>);
    }
    return out;
  }
}
