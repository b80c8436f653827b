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

function readFields(
  r: BitReader,
  fields: readonly CompiledField[],
  base: Uint32Array | undefined,
): Uint32Array {
  if (fields.length === 0) return NO_FIELDS;
  const q = new Uint32Array(fields.length);
  for (let i = 0; i < fields.length; i++) q[i] = r.read(1); // the changed-field mask, replaced below
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

/**
 * Writes the changes from `base` to `target` (both sorted by id).
 * @param terminated - end the list with a `0` bit (full snapshots, whose payload is then never
 * empty, so a packet cut before it is detected); otherwise the list ends with the bytes (deltas).
 * @returns the number of entities written (created, updated or removed).
 */
export function encodeDelta(
  w: BitWriter,
  schema: AnySchema,
  base: readonly EntityRecord[],
  target: readonly EntityRecord[],
  terminated: boolean,
): number {
  let i = 0;
  let j = 0;
  let prevId = -1;
  let written = 0;
  while (i < base.length || j < target.length) {
    const b = base[i];
    const t = target[j];
    if (t === undefined || (b !== undefined && b.id < t.id)) {
      w.write(1, 1);
      writeId(w, schema, b!.id, prevId);
      w.write(0b11, 2); // remove
      prevId = b!.id;
      i++;
      written++;
      continue;
    }
    const fields = schema.types[t.type]!.fields;
    if (b === undefined || b.id > t.id || b.type !== t.type) {
      w.write(1, 1);
      writeId(w, schema, t.id, prevId);
      w.write(0b10, 2); // create (or replace with another type)
      w.write(t.type, schema.typeBits);
      writeFields(w, fields, undefined, t.q);
      if (b !== undefined && b.id === t.id) i++;
    } else {
      i++;
      if (b === t || sameValues(b.q, t.q)) {
        j++;
        continue;
      }
      w.write(1, 1);
      writeId(w, schema, t.id, prevId);
      w.write(0, 1); // update
      writeFields(w, fields, b.q, t.q);
    }
    prevId = t.id;
    j++;
    written++;
  }
  if (terminated) w.write(0, 1);
  return written;
}

/**
 * Applies a payload to `base`, returning the new sorted entity list (unchanged records shared).
 * @throws SnapshotTruncatedError or SnapshotMalformedError on bad input; callers catch them.
 */
export function decodeDelta(
  r: BitReader,
  schema: AnySchema,
  base: readonly EntityRecord[],
  terminated: boolean,
): EntityRecord[] {
  const out: EntityRecord[] = [];
  let i = 0;
  let prevId = -1;
  // Every entity starts with a 1. A terminated list ends with a 0; otherwise the list ends where
  // only zero padding (fewer than 8 bits) is left.
  while (terminated || r.remaining >= 8 || !r.restIsZero()) {
    if (r.read(1) !== 1) {
      if (terminated) break;
      throw new SnapshotMalformedError('zero bit where an entity must start');
    }
    const id = readId(r, schema, prevId);
    while (i < base.length && base[i]!.id < id) out.push(base[i++]!);
    const b = i < base.length && base[i]!.id === id ? base[i++] : undefined;
    const op = r.read(1) === 0 ? 'update' : r.read(1) === 0 ? 'create' : 'remove';
    if (op === 'update') {
      if (b === undefined)
        throw new SnapshotMalformedError(`update of entity ${id} absent from the baseline`);
      const fields = schema.types[b.type]!.fields;
      const q = readFields(r, fields, b.q);
      if (sameValues(b.q, q)) throw new SnapshotMalformedError(`update of entity ${id} changes nothing`);
      out.push({ id, type: b.type, q, view: undefined });
    } else if (op === 'create') {
      const type = r.read(schema.typeBits);
      const compiled = schema.types[type];
      if (compiled === undefined) throw new SnapshotMalformedError(`unknown entity type ${type}`);
      out.push({ id, type, q: readFields(r, compiled.fields, undefined), view: undefined });
    } else if (b === undefined) {
      throw new SnapshotMalformedError(`removal of entity ${id} absent from the baseline`);
    }
    prevId = id;
  }
  while (i < base.length) out.push(base[i++]!);
  if (terminated) {
    if (r.remaining >= 8)
      throw new SnapshotMalformedError(`${r.remaining >>> 3} trailing bytes after the payload`);
    if (!r.restIsZero()) throw new SnapshotMalformedError('non-zero padding bits');
  }
  return out;
}
