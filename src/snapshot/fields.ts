import { InvalidOptionError } from '../core/index.js';

/** An integer field: any integer in `[min, max]`, sent in `ceil(log2(max - min + 1))` bits. */
export interface IntField {
  /** Discriminant. */
  readonly kind: 'int';
  /** Smallest allowed value (a safe integer). */
  readonly min: number;
  /** Largest allowed value; `max - min` is at most `2^32 - 1`. */
  readonly max: number;
}

/**
 * A float field quantized to a grid: values in `[min, max]` are rounded to `min + k * step`, so
 * clients see the value within `step / 2`. Interpolated by {@link SnapshotInterpolator}.
 */
export interface FloatField {
  /** Discriminant. */
  readonly kind: 'float';
  /** Smallest allowed value. */
  readonly min: number;
  /** Largest allowed value. */
  readonly max: number;
  /** Quantization step (> 0); `(max - min) / step` is at most `2^32 - 1`. */
  readonly step: number;
  /**
   * How deltas predict the field before coding the difference (default `'linear'`): `'linear'`
   * extrapolates along two snapshots both ends hold, so steady motion costs almost nothing;
   * `'none'` codes the change from the baseline (better for values that jump around).
   */
  readonly predict?: FloatPrediction;
}

/** Prediction of a float field in deltas; see {@link FloatField.predict}. */
export type FloatPrediction = 'linear' | 'none';

/** Options of {@link floatField}. */
export interface FloatFieldOptions {
  /** See {@link FloatField.predict} (default `'linear'`). */
  readonly predict?: FloatPrediction;
}

/** A boolean field: one bit in a full snapshot, zero bits in a delta (a change is a flip). */
export interface BoolField {
  /** Discriminant. */
  readonly kind: 'bool';
}

/** An enumeration field: one of a fixed list of strings, sent as its index. */
export interface EnumField<V extends string = string> {
  /** Discriminant. */
  readonly kind: 'enum';
  /** The allowed values, in wire order (the order is part of the schema hash). */
  readonly values: readonly V[];
}

/** Any field of an entity type. */
export type FieldSpec = IntField | FloatField | BoolField | EnumField;

/** The JavaScript type a field holds: `number`, `boolean`, or the enum's string union. */
export type FieldValue<F extends FieldSpec> =
  F extends EnumField<infer V> ? V : F extends BoolField ? boolean : number;

const MAX_RANGE = 0xffff_ffff;

/**
 * Declares an integer field.
 * @param min - smallest allowed value (safe integer).
 * @param max - largest allowed value (safe integer, `max - min <= 2^32 - 1`).
 * @throws InvalidOptionError when the range is empty, not integral or too wide.
 */
export function intField(min: number, max: number): IntField {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min || max - min > MAX_RANGE)
    throw new InvalidOptionError(
      'intField',
      `need safe integers min <= max within 2^32, got [${min}, ${max}]`,
    );
  return Object.freeze({ kind: 'int', min, max });
}

/**
 * Declares a quantized float field.
 * @param min - smallest allowed value (finite).
 * @param max - largest allowed value (finite, > min).
 * @param step - quantization step (> 0, at most `2^32 - 1` steps in the range).
 * @param options - prediction (default linear).
 * @throws InvalidOptionError when the range, step or prediction is invalid.
 */
export function floatField(min: number, max: number, step: number, options?: FloatFieldOptions): FloatField {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min))
    throw new InvalidOptionError('floatField', `need finite min < max, got [${min}, ${max}]`);
  if (!Number.isFinite(step) || !(step > 0) || Math.ceil((max - min) / step) > MAX_RANGE)
    throw new InvalidOptionError('floatField', `step must be > 0 with at most 2^32 - 1 steps, got ${step}`);
  const predict = options?.predict ?? 'linear';
  if (predict !== 'linear' && predict !== 'none')
    throw new InvalidOptionError('floatField', `predict must be 'linear' or 'none', got ${String(predict)}`);
  return Object.freeze({ kind: 'float', min, max, step, predict });
}

/** Declares a boolean field. */
export function boolField(): BoolField {
  return Object.freeze({ kind: 'bool' });
}

/**
 * Declares an enumeration field.
 * @param values - the allowed strings (1 to 2^16, distinct), in wire order.
 * @throws InvalidOptionError when the list is empty, too long or has duplicates.
 */
export function enumField<const V extends string>(values: readonly V[]): EnumField<V> {
  if (values.length === 0 || values.length > 0x1_0000 || new Set(values).size !== values.length)
    throw new InvalidOptionError('enumField', 'need 1 to 65536 distinct values');
  return Object.freeze({ kind: 'enum', values: Object.freeze([...values]) });
}
