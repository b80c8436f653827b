/**
 * @internal The bit-packed payload: the changes that turn a baseline entity list into a target
 * list (a full snapshot is the delta against an empty list). Layout in docs/snapshots.md.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';
import { SnapshotMalformedError } from './errors.js';
import type { CompiledField, EntityRecord, SnapshotSchema } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: the codec works on any schema's records.
type AnySchema = SnapshotSchema<any>;

const NO_FIELDS = new Uint32Array(0);

/** `1`: previous + 1; `01` + 2 bits: previous + 2..5; `001` + 4 bits: previous + 6..21; `000` + absolute. */
function writeId(w: BitWriter, schema: AnySchema, id: number, prevId: number): void {
  const gap = id - prevId - 1;
  if (gap === 0) {
    w.write(1, 1);
  } else if (gap <= 4) {
    w.write(0b01, 2);
    w.write(gap - 1, 2);
  } else if (gap <= 20) {
    w.write(0b001, 3);
    w.write(gap - 5, 4);
  } else {
    w.write(0b000, 3);
    w.write(id, schema.idBits);
  }
}

function readId(r: BitReader, schema: AnySchema, prevId: number): number {
  const id =
    r.read(1) === 1
      ? prevId + 1
      : r.read(1) === 1
        ? prevId + 2 + r.read(2)
        : r.read(1) === 1
          ? prevId + 6 + r.read(4)
          : r.read(schema.idBits);
  if (id <= prevId || id > schema.maxEntityId)
    throw new SnapshotMalformedError(`entity id ${id} out of order or range (previous ${prevId})`);
  return id;
}

/** Zigzag of a non-zero difference: 1 -> 0, -1 -> 1, 2 -> 2, -2 -> 3, ... */
function zigzag(d: number): number {
  return d > 0 ? 2 * (d - 1) : -2 * d - 1;
}

function unzigzag(zz: number): number {
  return zz % 2 === 0 ? zz / 2 + 1 : -(zz + 1) / 2;
}

/** Bits of the tiny zigzag code of wide numbers: changes of -2..+2. */
const TINY_BITS = 2;

/**
 * A changed value: nothing for a boolean (a flip); for wide numbers `1` + tiny zigzag change,
 * `01` + small zigzag change, `001` + medium zigzag change or `000` + full value (`00` + full
 * value without a medium code); otherwise the full value.
 */
function writeValue(w: BitWriter, f: CompiledField, base: number, q: number): void {
  if (f.spec.kind === 'bool') return;
  if (f.deltaBits > 0) {
    const zz = zigzag(q - base);
    if (zz < 2 ** TINY_BITS) {
      w.write(1, 1);
      w.write(zz, TINY_BITS);
      return;
    }
    if (zz < 2 ** f.deltaBits) {
      w.write(0b01, 2);
      w.write(zz, f.deltaBits);
      return;
    }
    if (f.mediumBits > 0) {
      if (zz < 2 ** f.mediumBits) {
        w.write(0b001, 3);
        w.write(zz, f.mediumBits);
        return;
      }
      w.write(0b000, 3);
    } else {
      w.write(0b00, 2);
    }
  }
  w.write(q, f.bits);
}

function readValue(r: BitReader, f: CompiledField, base: number): number {
  if (f.spec.kind === 'bool') return 1 - base;
  // The prefix: tiny (1), small (01), medium (001) or full (000, or 00 without a medium code).
  const code =
    f.deltaBits === 0
      ? 'full'
      : r.read(1) === 1
        ? 'tiny'
        : r.read(1) === 1
          ? 'small'
          : f.mediumBits > 0 && r.read(1) === 1
            ? 'medium'
            : 'full';
  const q =
    code === 'tiny'
      ? base + unzigzag(r.read(TINY_BITS))
      : code === 'small'
        ? base + unzigzag(r.read(f.deltaBits))
        : code === 'medium'
          ? base + unzigzag(r.read(f.mediumBits))
          : r.read(f.bits);
  if (q < 0 || q > f.maxQ) throw new SnapshotMalformedError(`field "${f.name}" value ${q} out of range`);
  return q;
}

/** Writes the fields of `target` that differ from `base` (mask, then values). */
function writeFields(
  w: BitWriter,
  fields: readonly CompiledField[],
  base: Uint32Array | undefined,
  q: Uint32Array,
): void {
  for (let i = 0; i < fields.length; i++) w.write(q[i] !== (base ? base[i] : fields[i]!.defaultQ) ? 1 : 0, 1);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const b = base ? base[i]! : f.defaultQ;
    if (q[i] !== b) writeValue(w, f, b, q[i]!);
  }
}

/** Bits {@link writeFields} takes. */
function fieldsCost(fields: readonly CompiledField[], base: Uint32Array, q: Uint32Array): number {
  let bits = fields.length;
  for (let i = 0; i < fields.length; i++)
    if (q[i] !== base[i]) bits += valueCost(fields[i]!, base[i]!, q[i]!);
  return bits;
}

/** Bits {@link writeValue} takes. */
function valueCost(f: CompiledField, base: number, q: number): number {
  if (f.spec.kind === 'bool') return 0;
  if (f.deltaBits === 0) return f.bits;
  const zz = zigzag(q - base);
  if (zz < 2 ** TINY_BITS) return 1 + TINY_BITS;
  if (zz < 2 ** f.deltaBits) return 2 + f.deltaBits;
  if (f.mediumBits > 0) return zz < 2 ** f.mediumBits ? 3 + f.mediumBits : 3 + f.bits;
  return 2 + f.bits;
}

/** Reads a mask and values; `undefined` when the mask is all zeros. */
function readFields(
  r: BitReader,
  fields: readonly CompiledField[],
  base: Uint32Array | undefined,
): Uint32Array | undefined {
  if (fields.length === 0) return undefined;
  const q = new Uint32Array(fields.length);
  let any = 0;
  for (let i = 0; i < fields.length; i++) any |= q[i] = r.read(1); // the changed-field mask, replaced below
  if (any === 0) return undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const b = base ? base[i]! : f.defaultQ;
    q[i] = q[i] === 1 ? readValue(r, f, b) : b;
  }
  return q;
}

function sameValues(a: Uint32Array, b: Uint32Array): boolean {
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Elias gamma code of `m >= 1`: as many zeros as `m` has bits after its leading 1, then `m`. */
function writeGamma(w: BitWriter, m: number): void {
  const n = 31 - Math.clz32(m);
  w.write(0, n);
  w.write(m, n + 1);
}

function readGamma(r: BitReader): number {
  let n = 0;
  while (r.read(1) === 0)
    if (++n > 30) throw new SnapshotMalformedError('skip count code longer than 31 bits');
  return 2 ** n + r.read(n);
}

/** Unchanged baseline entities before the next listed one: `1`, `01`, `001` (0..2), `000` gamma(k - 2). */
function writeSkip(w: BitWriter, k: number): void {
  if (k <= 2) {
    w.write(1, k + 1);
  } else {
    w.write(0, 3);
    writeGamma(w, k - 2);
  }
}

function readSkip(r: BitReader): number {
  if (r.read(1) === 1) return 0;
  if (r.read(1) === 1) return 1;
  if (r.read(1) === 1) return 2;
  return 2 + readGamma(r);
}

/** One created entity: `1`, id (gap from the previous creation), type, mask and values. */
function writeCreation(w: BitWriter, schema: AnySchema, t: EntityRecord, prevId: number): void {
  w.write(1, 1);
  writeId(w, schema, t.id, prevId);
  w.write(t.type, schema.typeBits);
  writeFields(w, schema.types[t.type]!.fields, undefined, t.q);
}

/**
 * Writes the changes from `base` to `target` (both sorted by id): a walk over `base` that lists
 * the entities that changed (mask and values) or went away (an all-zero mask), then the created
 * ones. A listed entity with an alternative prediction starts with a bit: `1` codes it against
 * the alternative (where an all-zero mask means "exactly the alternative"), `0` against `base`.
 * @param terminated - end the creations with a `0` bit and write every bit (full snapshots,
 * whose payload is then never empty, so a packet cut before it is detected); otherwise the
 * walk and the creations end where only zero bits are left, so the caller may drop trailing zero
 * bytes ({@link BitWriter.finishTrimmed}) and the reader reads zeros past the end (deltas).
 * @param alternatives - by index of `base`, alternative predictions (see prediction.ts).
 * @returns the number of entities written (updated, removed or created).
 */
export function encodeDelta(
  w: BitWriter,
  schema: AnySchema,
  base: readonly EntityRecord[],
  target: readonly EntityRecord[],
  terminated: boolean,
  alternatives?: readonly (EntityRecord | undefined)[],
): number {
  const created: EntityRecord[] = [];
  let j = 0;
  let skipped = 0;
  let written = 0;
  for (let i = 0; i < base.length; i++) {
    const b = base[i]!;
    while (j < target.length && target[j]!.id < b.id) created.push(target[j++]!);
    const t = j < target.length && target[j]!.id === b.id ? target[j++] : undefined;
    const fields = schema.types[b.type]!.fields;
    const a = alternatives?.[i];
    if (t !== undefined && t.type === b.type) {
      if (t === b || sameValues(b.q, t.q)) {
        skipped++;
        continue;
      }
      writeSkip(w, skipped);
      if (a !== undefined && fieldsCost(fields, a.q, t.q) < fieldsCost(fields, b.q, t.q)) {
        w.write(1, 1);
        writeFields(w, fields, a.q, t.q);
      } else {
        if (a !== undefined) w.write(0, 1);
        writeFields(w, fields, b.q, t.q);
      }
    } else {
      writeSkip(w, skipped);
      if (a !== undefined) w.write(0, 1);
      w.write(0, fields.length); // removed (or replaced: created below)
      if (t !== undefined) created.push(t);
    }
    skipped = 0;
    written++;
  }
  while (j < target.length) created.push(target[j++]!);
  // Without creations, the unchanged rest of the walk costs nothing: the bits just end.
  if (created.length > 0 && skipped > 0) writeSkip(w, skipped);
  let prevId = -1;
  for (const t of created) {
    writeCreation(w, schema, t, prevId);
    prevId = t.id;
    written++;
  }
  if (terminated) w.write(0, 1);
  return written;
}

/**
 * Applies a payload to `base`, returning the new sorted entity list (unchanged records shared).
 * @param terminated - as given to {@link encodeDelta}; when false, `r` must read zeros past the end.
 * @param alternatives - the alternative predictions given to {@link encodeDelta}.
 * @throws SnapshotTruncatedError or SnapshotMalformedError on bad input; callers catch them.
 */
export function decodeDelta(
  r: BitReader,
  schema: AnySchema,
  base: readonly EntityRecord[],
  terminated: boolean,
  alternatives?: readonly (EntityRecord | undefined)[],
): EntityRecord[] {
  const kept: EntityRecord[] = [];
  let i = 0;
  while (i < base.length) {
    // Only zero bits left: every remaining entity is unchanged, and nothing is created.
    if (!terminated && r.restIsZero()) {
      while (i < base.length) kept.push(base[i++]!);
      return kept;
    }
    const skip = readSkip(r);
    if (i + skip > base.length)
      throw new SnapshotMalformedError(`skip of ${skip} past the ${base.length - i} baseline entities left`);
    for (let k = 0; k < skip; k++) kept.push(base[i++]!);
    if (i === base.length) break;
    const a = alternatives?.[i];
    const b = base[i++]!;
    const from = a !== undefined && r.read(1) === 1 ? a : b;
    const q = readFields(r, schema.types[b.type]!.fields, from.q);
    if (q === undefined) {
      if (from === a) kept.push(a); // exactly the alternative prediction; otherwise removed
      continue;
    }
    if (sameValues(b.q, q) || sameValues(from.q, q))
      throw new SnapshotMalformedError(`update of entity ${b.id} changes nothing`);
    kept.push({ id: b.id, type: b.type, q, view: undefined });
  }
  const out: EntityRecord[] = [];
  let m = 0;
  let prevId = -1;
  while (r.read(1) === 1) {
    const id = readId(r, schema, prevId);
    const type = r.read(schema.typeBits);
    const compiled = schema.types[type];
    if (compiled === undefined) throw new SnapshotMalformedError(`unknown entity type ${type}`);
    const q = readFields(r, compiled.fields, undefined);
    while (m < kept.length && kept[m]!.id < id) out.push(kept[m++]!);
    if (m < kept.length && kept[m]!.id === id)
      throw new SnapshotMalformedError(`creation of entity ${id}, which the baseline still holds`);
    out.push({ id, type, q: q ?? defaults(compiled.fields), view: undefined });
    prevId = id;
  }
  while (m < kept.length) out.push(kept[m++]!);
  if (terminated) {
    if (r.remaining >= 8)
      throw new SnapshotMalformedError(`${r.remaining >>> 3} trailing bytes after the payload`);
    if (!r.restIsZero()) throw new SnapshotMalformedError('non-zero padding bits');
  } else if (!r.restIsZero()) {
    throw new SnapshotMalformedError('non-zero bits after the end of the delta');
  }
  return out;
}

/** The quantized defaults of a new entity's fields. */
function defaults(fields: readonly CompiledField[]): Uint32Array {
  if (fields.length === 0) return NO_FIELDS;
  const q = new Uint32Array(fields.length);
  for (let i = 0; i < fields.length; i++) q[i] = fields[i]!.defaultQ;
  return q;
}
