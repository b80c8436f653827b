/**
 * @internal Linear prediction of a baseline: the values a delta is coded against. Both ends
 * compute it from the same inputs (two frames named by exact tick, and two tick distances) with
 * integer arithmetic on quantized values, so they always agree.
 */
import type { EntityRecord, SnapshotSchema } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: prediction works on any schema's records.
type AnySchema = SnapshotSchema<any>;

/**
 * Extrapolates `base` (tick b) to tick `b + distance`, along the line from `ref` (tick
 * `b - refDistance`): for every float field declared `predict: 'linear'` of an entity present with
 * the same type in both, `q = qBase + round((qBase - qRef) * distance / refDistance)`, clamped to
 * the field's range. Everything else is the baseline's value. Records that do not move are shared.
 * @param distance - target tick minus baseline tick (>= 1).
 * @param refDistance - baseline tick minus reference tick (>= 1).
 */
export function predictRecords(
  schema: AnySchema,
  base: readonly EntityRecord[],
  ref: readonly EntityRecord[],
  distance: number,
  refDistance: number,
): EntityRecord[] {
  const out: EntityRecord[] = new Array(base.length);
  let j = 0;
  for (let i = 0; i < base.length; i++) {
    const b = base[i]!;
    out[i] = b;
    while (j < ref.length && ref[j]!.id < b.id) j++;
    const r = ref[j];
    if (r === undefined || r.id !== b.id || r.type !== b.type || r === b) continue;
    const fields = schema.types[b.type]!.fields;
    let q: Uint32Array | undefined;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      const qb = b.q[k]!;
      const slope = qb - r.q[k]!;
      if (!f.predict || slope === 0) continue;
      // Integers below 2^53 are exact; IEEE division is correctly rounded and Math.round is exact,
      // so every JavaScript engine computes the same prediction.
      const p = qb + (distance === refDistance ? slope : Math.round((slope * distance) / refDistance));
      const clamped = Math.min(Math.max(p, 0), f.maxQ);
      if (clamped === qb) continue;
      q ??= b.q.slice();
      q[k] = clamped;
    }
    if (q !== undefined) out[i] = { id: b.id, type: b.type, q, view: undefined };
  }
  return out;
}
