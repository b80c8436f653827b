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
 *
 * When the near line was taken and the far line's prediction of a field is further off it than
 * the field's small delta code reaches (a stutter, not a bounce, may have fooled the test), the
 * entity also gets an alternative: the prediction with the far line's values for those fields.
 * A delta may code a listed entity against it (one bit says which).
 * @param distance - target tick minus baseline tick (>= 1).
 * @param alternatives - when given, filled by index of `base`: the alternative prediction, or
 * undefined for entities that have none.
 */
export function predictRecords(
  schema: AnySchema,
  base: readonly EntityRecord[],
  far: Reference,
  near: Reference,
  distance: number,
  alternatives?: (EntityRecord | undefined)[],
): EntityRecord[] {
  const out: EntityRecord[] = new Array(base.length);
  if (alternatives !== undefined) alternatives.length = 0;
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
    let alt: Uint32Array | undefined;
    for (let k = 0; k < fields.length; k++) {
      const field = fields[k]!;
      if (!field.predict) continue;
      const qb = b.q[k]!;
      // All integers below 2^53 (exact); IEEE division is correctly rounded and Math.round exact,
      // so every JavaScript engine computes the same prediction.
      const farRise = qb - f.q[k]!;
      const pFar = extrapolate(qb, farRise, far.distance, distance, field.maxQ);
      let p = pFar;
      if (
        n !== undefined &&
        Math.abs((n.q[k]! - qb) * far.distance + farRise * near.distance) > far.distance
      ) {
        p = extrapolate(qb, qb - n.q[k]!, near.distance, distance, field.maxQ);
      }
      if (p !== qb) {
        q ??= b.q.slice();
        q[k] = p;
      }
      // The other line is offered when it is further off than a small code reaches.
      if (alternatives !== undefined && Math.abs(pFar - p) > 2 ** (field.deltaBits - 1)) {
        alt ??= (q ?? b.q).slice();
        alt[k] = pFar;
      } else if (alt !== undefined) {
        alt[k] = p;
      }
    }
    if (q !== undefined) out[i] = { id: b.id, type: b.type, q, view: undefined };
    if (alt !== undefined) alternatives![i] = { id: b.id, type: b.type, q: alt, view: undefined };
  }
  return out;
}

/** `qb + round(rise * distance / run)`, clamped to `[0, maxQ]`. */
function extrapolate(qb: number, rise: number, run: number, distance: number, maxQ: number): number {
  if (rise === 0) return qb;
  const p = qb + (distance === run ? rise : Math.round((rise * distance) / run));
  return Math.min(Math.max(p, 0), maxQ);
}
