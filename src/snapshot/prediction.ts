/**
 * @internal Linear prediction of a baseline: the values a delta is coded against. Both ends
 * compute it from the same inputs (frames named by exact tick, and tick distances) with integer
 * arithmetic on quantized values, so they always agree.
 */
import type { EntityRecord, SnapshotSchema } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: prediction works on any schema's records.
type AnySchema = SnapshotSchema<any>;

/** A frame the prediction extrapolates along, `distance` ticks before the baseline. */
export interface Reference {
  readonly records: readonly EntityRecord[];
  readonly distance: number;
}

function find(records: readonly EntityRecord[], from: number, id: number): number {
  let j = from;
  while (j < records.length && records[j]!.id < id) j++;
  return j;
}

/**
 * Extrapolates `base` (tick b) to tick `b + distance`. For every float field declared
 * `predict: 'linear'` of an entity present with the same type in `base` and `far`: the slope is
 * `(qBase - qFar) / far.distance`, unless the entity is also in `near` and `near`'s value is more
 * than one step off that line (the motion changed: a bounce, a stop, a start); then the slope is
 * `(qBase - qNear) / near.distance`. The prediction is `qBase + round(slope * distance)`, clamped
 * to the field's range. Everything else keeps the baseline's value; records that do not move are
 * shared.
 * @param distance - target tick minus baseline tick (>= 1).
 */
export function predictRecords(
  schema: AnySchema,
  base: readonly EntityRecord[],
  far: Reference,
  near: Reference,
  distance: number,
): EntityRecord[] {
  const out: EntityRecord[] = new Array(base.length);
  let jf = 0;
  let jn = 0;
  for (let i = 0; i < base.length; i++) {
    const b = base[i]!;
    out[i] = b;
    jf = find(far.records, jf, b.id);
    jn = find(near.records, jn, b.id);
    const f = far.records[jf];
    if (f === undefined || f.id !== b.id || f.type !== b.type) continue;
    const nr = near.records[jn];
    const n = nr !== undefined && nr.id === b.id && nr.type === b.type ? nr : undefined;
    const fields = schema.types[b.type]!.fields;
    let q: Uint32Array | undefined;
    for (let k = 0; k < fields.length; k++) {
      const field = fields[k]!;
      if (!field.predict) continue;
      const qb = b.q[k]!;
      // All integers below 2^53 (exact); IEEE division is correctly rounded and Math.round exact,
      // so every JavaScript engine computes the same prediction.
      let rise = qb - f.q[k]!;
      let run = far.distance;
      if (n !== undefined && Math.abs((n.q[k]! - qb) * run + rise * near.distance) > run) {
        rise = qb - n.q[k]!;
        run = near.distance;
      }
      if (rise === 0) continue;
      const p = qb + (distance === run ? rise : Math.round((rise * distance) / run));
      const clamped = Math.min(Math.max(p, 0), field.maxQ);
      if (clamped === qb) continue;
      q ??= b.q.slice();
      q[k] = clamped;
    }
    if (q !== undefined) out[i] = { id: b.id, type: b.type, q, view: undefined };
  }
  return out;
}
