import { InvalidOptionError } from '../core/index.js';
import { InvalidEntityError } from './errors.js';
import type { FieldSpec, FieldValue } from './fields.js';

/** Entity types by name, each a record of field specs (field names `id` and `type` are reserved). */
export type EntityDefinitions = Record<string, Record<string, FieldSpec>>;

/**
 * One entity as the program sees it: `id`, `type` (the discriminant) and the type's fields.
 * @typeParam D - the schema's entity definitions.
 */
export type EntityOf<D extends EntityDefinitions> = {
  [K in keyof D & string]: {
    /** Entity id, an integer in `[0, maxEntityId]`, unique within a snapshot. */
    readonly id: number;
    /** Entity type name. */
    readonly type: K;
  } & {
    readonly [P in keyof D[K]]: FieldValue<D[K][P]>;
  };
}[keyof D & string];

/** Options of {@link defineSchema}. */
export interface SchemaDefinition<D extends EntityDefinitions> {
  /** Program-chosen version number (0 to 2^32 - 1), folded into the hash. */
  readonly version: number;
  /** Entity types: name -> fields. Declaration order is wire order. */
  readonly entities: D;
  /** Largest entity id (default 65535, at most 2^32 - 1); ids are integers in `[0, maxEntityId]`. */
  readonly maxEntityId?: number;
}

/** @internal A field compiled for coding: bit widths and quantization. */
export interface CompiledField {
  readonly name: string;
  readonly spec: FieldSpec;
  /** Bits of a full value (0 for a one-valued field). */
  readonly bits: number;
  /** Largest valid quantized value. */
  readonly maxQ: number;
  /** Bits of the small-delta code, 0 when the field sends full values only. */
  readonly deltaBits: number;
  /** Bits of the medium-delta code, 0 when there is none. */
  readonly mediumBits: number;
  /** Quantized value of a freshly created entity's field (the delta base for creations). */
  readonly defaultQ: number;
  /** Deltas code the difference from a linear extrapolation (floats with `predict: 'linear'`). */
  readonly predict: boolean;
}

/** @internal An entity type compiled for coding. */
export interface CompiledType {
  readonly name: string;
  readonly index: number;
  readonly fields: readonly CompiledField[];
}

/**
 * @internal One entity in quantized form. Immutable once built, so snapshots share records.
 */
export interface EntityRecord {
  readonly id: number;
  readonly type: number;
  readonly q: Uint32Array;
  /** Materialized entity, built on first use. */
  view: object | undefined;
}

/**
 * @internal Version of the wire format (proto/snapshot.proto plus the bit layouts), folded into
 * every schema hash: ends on different versions reject each other's full snapshots and acks.
 */
export const WIRE_VERSION = 3;

/** Number of bits needed to hold values 0..maxValue. */
export function bitsFor(maxValue: number): number {
  let bits = 0;
  while (bits < 32 && maxValue >= 2 ** bits) bits++;
  return bits;
}

function compileField(name: string, spec: FieldSpec): CompiledField {
  let maxQ: number;
  let defaultQ = 0;
  switch (spec.kind) {
    case 'int':
      maxQ = spec.max - spec.min;
      defaultQ = Math.min(Math.max(0, spec.min), spec.max) - spec.min;
      break;
    case 'float':
      maxQ = Math.round((spec.max - spec.min) / spec.step);
      defaultQ = Math.round((Math.min(Math.max(0, spec.min), spec.max) - spec.min) / spec.step);
      break;
    case 'bool':
      maxQ = 1;
      break;
    case 'enum':
      maxQ = spec.values.length - 1;
      break;
  }
  const bits = bitsFor(maxQ);
  const numeric = spec.kind === 'int' || spec.kind === 'float';
  const deltaBits = numeric && bits >= 6 ? Math.ceil(bits / 2) : 0;
  const mediumBits = deltaBits > 0 && bits - 3 > deltaBits ? bits - 3 : 0;
  const predict = spec.kind === 'float' && spec.predict !== 'none';
  return { name, spec, bits, maxQ, deltaBits, mediumBits, defaultQ, predict };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A compiled state schema: entity types with typed fields, their wire widths, and a 32-bit hash
 * that both ends compare so they never decode with different schemas. Build with
 * {@link defineSchema}; share one instance between {@link DeltaSnapshotter} and
 * {@link SnapshotClient}.
 * @typeParam D - entity definitions.
 */
export class SnapshotSchema<D extends EntityDefinitions> {
  /** The program-chosen version. */
  readonly version: number;
  /** FNV-1a hash of the version and every type, field, range, step and enum value (uint32). */
  readonly hash: number;
  /** Largest valid entity id. */
  readonly maxEntityId: number;
  /** @internal */
  readonly types: readonly CompiledType[];
  /** @internal */
  readonly typeBits: number;
  /** @internal */
  readonly idBits: number;
  private readonly byName: Map<string, CompiledType>;

  /** @internal Use {@link defineSchema}. */
  constructor(definition: SchemaDefinition<D>) {
    const { version, entities } = definition;
    const maxEntityId = definition.maxEntityId ?? 0xffff;
    if (!Number.isInteger(version) || version < 0 || version > 0xffff_ffff)
      throw new InvalidOptionError('version', `must be an integer in [0, 2^32 - 1], got ${version}`);
    if (!Number.isInteger(maxEntityId) || maxEntityId < 1 || maxEntityId > 0xffff_ffff)
      throw new InvalidOptionError('maxEntityId', `must be an integer in [1, 2^32 - 1], got ${maxEntityId}`);
    const names = Object.keys(entities);
    if (names.length === 0 || names.length > 0x1_0000)
      throw new InvalidOptionError('entities', 'need 1 to 65536 entity types');
    this.types = names.map((name, index) => {
      const fields = entities[name]!;
      const fieldNames = Object.keys(fields);
      if (fieldNames.length > 64)
        throw new InvalidOptionError('entities', `type "${name}" has over 64 fields`);
      for (const f of fieldNames)
        if (f === 'id' || f === 'type')
          throw new InvalidOptionError('entities', `type "${name}": field name "${f}" is reserved`);
      return { name, index, fields: fieldNames.map((f) => compileField(f, fields[f]!)) };
    });
    this.byName = new Map(this.types.map((t) => [t.name, t]));
    this.version = version;
    this.maxEntityId = maxEntityId;
    this.typeBits = bitsFor(this.types.length - 1);
    this.idBits = bitsFor(maxEntityId);
    const canonical = JSON.stringify([
      WIRE_VERSION,
      version,
      maxEntityId,
      this.types.map((t) => [t.name, t.fields.map((f) => [f.name, { ...f.spec, predict: f.predict }])]),
    ]);
    this.hash = fnv1a(canonical);
  }

  /**
   * Returns the entity as clients will see it: every float rounded to its quantization grid.
   * Servers that want their simulation to match clients bit for bit can feed this back.
   * @param entity - an entity of this schema.
   * @throws InvalidEntityError when the entity does not fit the schema.
   */
  quantize(entity: EntityOf<D>): EntityOf<D> {
    return this.toEntity(this.toRecord(entity));
  }

  /** @internal Validates and quantizes a program-supplied entity. */
  toRecord(entity: EntityOf<D>): EntityRecord {
    const e = entity as unknown as Record<string, unknown>;
    const id = e.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > this.maxEntityId)
      throw new InvalidEntityError(
        `entity id must be an integer in [0, ${this.maxEntityId}], got ${String(id)}`,
      );
    const type = this.byName.get(e.type as string);
    if (type === undefined) throw new InvalidEntityError(`entity ${id}: unknown type ${String(e.type)}`);
    const q = new Uint32Array(type.fields.length);
    for (let i = 0; i < type.fields.length; i++) {
      const f = type.fields[i]!;
      const v = e[f.name];
      const qv = quantizeValue(f.spec, v);
      if (qv === undefined)
        throw new InvalidEntityError(
          `entity ${id} (${type.name}): field "${f.name}" = ${String(v)} is not valid`,
        );
      q[i] = qv;
    }
    return { id, type: type.index, q, view: undefined };
  }

  /** @internal Materializes (and caches) the program-facing entity of a record. */
  toEntity(record: EntityRecord): EntityOf<D> {
    if (record.view !== undefined) return record.view as EntityOf<D>;
    const type = this.types[record.type]!;
    const out: Record<string, unknown> = { id: record.id, type: type.name };
    for (let i = 0; i < type.fields.length; i++) {
      const f = type.fields[i]!;
      out[f.name] = dequantizeValue(f.spec, record.q[i]!);
    }
    record.view = Object.freeze(out);
    return record.view as EntityOf<D>;
  }
}

function quantizeValue(spec: FieldSpec, v: unknown): number | undefined {
  switch (spec.kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= spec.min && v <= spec.max
        ? v - spec.min
        : undefined;
    case 'float': {
      if (typeof v !== 'number' || !(v >= spec.min && v <= spec.max)) return undefined;
      return Math.min(Math.round((v - spec.min) / spec.step), Math.round((spec.max - spec.min) / spec.step));
    }
    case 'bool':
      return typeof v === 'boolean' ? (v ? 1 : 0) : undefined;
    case 'enum': {
      const i = spec.values.indexOf(v as string);
      return i < 0 ? undefined : i;
    }
  }
}

/** @internal */
export function dequantizeValue(spec: FieldSpec, q: number): number | boolean | string {
  switch (spec.kind) {
    case 'int':
      return spec.min + q;
    case 'float': {
      // A step of 1/n divides exactly (0.05 -> /20), avoiding 413.20000000000005.
      const inverse = Math.round(1 / spec.step);
      return Math.abs(1 / spec.step - inverse) < 1e-9 ? spec.min + q / inverse : spec.min + q * spec.step;
    }
    case 'bool':
      return q === 1;
    case 'enum':
      return spec.values[q]!;
  }
}

/**
 * Compiles a state schema.
 *
 * @example
 * ```ts
 * const schema = defineSchema({
 *   version: 1,
 *   entities: {
 *     ball: { x: floatField(0, 800, 0.05), y: floatField(0, 600, 0.05) },
 *     paddle: { y: floatField(0, 600, 0.05), side: enumField(['left', 'right']) },
 *     score: { left: intField(0, 99), right: intField(0, 99) },
 *   },
 * });
 * ```
 * @param definition - version, entity types and the id range.
 * @throws InvalidOptionError when the definition is invalid.
 */
export function defineSchema<const D extends EntityDefinitions>(
  definition: SchemaDefinition<D>,
): SnapshotSchema<D> {
  return new SnapshotSchema(definition);
}
