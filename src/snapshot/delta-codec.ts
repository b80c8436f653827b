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

function writeId(w: BitWriter, schema: AnySchema, id: number, prevId: number): void {
  const gap = id - prevId - 1;
  if (gap === 0) {
    w.write(1, 1);
  } else if (gap <= 16) {
    w.write(0b01, 2);
    w.write(gap - 1, 4);
  } else {
    w.write(0b00, 2);
    w.write(id, schema.idBits);
  }
}

function readId(r: BitReader, schema: AnySchema, prevId: number): number {
  const code = r.read(1) === 1 ? 'next' : r.read(1) === 1 ? 'near' : 'far';
  const id = code === 'next' ? prevId + 1 : code === 'near' ? prevId + 2 + r.read(4) : r.read(schema.idBits);
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

/**
 * A changed value: nothing for a boolean (a flip); for wide numbers `1` + small zigzag delta,
 * `01` + medium zigzag delta or `00` + full value (`0` + full value without a medium code);
 * otherwise the full value.
 */
function writeValue(w: BitWriter, f: CompiledField, base: number, q: number): void {
  if (f.spec.kind === 'bool') return;
  if (f.deltaBits > 0) {
    const zz = zigzag(q - base);
    if (zz < 2 ** f.deltaBits) {
      w.write(1, 1);
      w.write(zz, f.deltaBits);
      return;
    }
    if (f.mediumBits > 0) {
      if (zz < 2 ** f.mediumBits) {
        w.write(0b01, 2);
        w.write(zz, f.mediumBits);
        return;
      }
      w.write(0b00, 2);
    } else {
      w.write(0, 1);
    }
  }
  w.write(q, f.bits);
}

function readValue(r: BitReader, f: CompiledField, base: number): number {
  if (f.spec.kind === 'bool') return 1 - base;
  // The prefix: 'small' (1), 'medium' (01) or 'full' (00, or 0 without a medium code).
  const code =
    f.deltaBits === 0 || r.read(1) === 0
      ? f.mediumBits > 0 && r.read(1) === 1
        ? 'medium'
        : 'full'
      : 'small';
  const q =
    code === 'small'
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
 * @returns the number of entities written (created, updated or removed).
 */
export function encodeDelta(
  w: BitWriter,
  schema: AnySchema,
  base: readonly EntityRecord[],
  target: readonly EntityRecord[],
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
  w.write(0, 1); // end of list
  return written;
}

/**
 * Applies a payload to `base`, returning the new sorted entity list (unchanged records shared).
 * @throws SnapshotTruncatedError or SnapshotMalformedError on bad input; callers catch them.
 */
export function decodeDelta(r: BitReader, schema: AnySchema, base: readonly EntityRecord[]): EntityRecord[] {
  const out: EntityRecord[] = [];
  let i = 0;
  let prevId = -1;
  while (r.read(1) === 1) {
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
  if (r.remaining >= 8)
    throw new SnapshotMalformedError(`${r.remaining >>> 3} trailing bytes after the payload`);
  if (r.read(r.remaining) !== 0) throw new SnapshotMalformedError('non-zero padding bits');
  return out;
}
