import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/index.js';
import {
  boolField,
  defineSchema,
  enumField,
  floatField,
  InvalidEntityError,
  intField,
} from '../../src/snapshot/index.js';

const dots = () =>
  defineSchema({
    version: 1,
    entities: { dot: { x: floatField(-10, 10, 0.25), on: boolField(), hue: enumField(['red', 'blue']) } },
  });

describe('field declarations', () => {
  it('reject empty, non-integral or too-wide ranges, bad steps and bad enums', () => {
    expect(() => intField(5, 4)).toThrow(InvalidOptionError);
    expect(() => intField(0.5, 4)).toThrow(InvalidOptionError);
    expect(() => intField(0, 2 ** 32)).toThrow(InvalidOptionError);
    expect(() => floatField(0, 1, 0)).toThrow(InvalidOptionError);
    expect(() => floatField(0, Number.NaN, 1)).toThrow(InvalidOptionError);
    expect(() => floatField(0, 1, 1e-12)).toThrow(InvalidOptionError);
    expect(() => floatField(0, 1, 0.5, { predict: 'quadratic' as never })).toThrow(/predict/);
    expect(floatField(0, 1, 0.5).predict).toBe('linear');
    expect(() => enumField([])).toThrow(InvalidOptionError);
    expect(() => enumField(['a', 'a'])).toThrow(InvalidOptionError);
    expect(intField(0, 2 ** 32 - 1).max).toBe(4294967295);
  });

  it('reject reserved field names and bad versions', () => {
    expect(() => defineSchema({ version: 1, entities: { a: { id: intField(0, 1) } } })).toThrow(/reserved/);
    expect(() => defineSchema({ version: -1, entities: { a: {} } })).toThrow(InvalidOptionError);
    expect(() => defineSchema({ version: 1, entities: {} })).toThrow(InvalidOptionError);
    expect(() => defineSchema({ version: 1, entities: { a: {} }, maxEntityId: 0 })).toThrow(
      InvalidOptionError,
    );
  });
});

describe('SnapshotSchema', () => {
  it('has a hash that is stable and changes with any part of the definition', () => {
    expect(dots().hash).toBe(dots().hash);
    const other = defineSchema({
      version: 1,
      entities: { dot: { x: floatField(-10, 10, 0.5), on: boolField(), hue: enumField(['red', 'blue']) } },
    });
    const otherVersion = defineSchema({
      version: 2,
      entities: { dot: Object.fromEntries(dots().types[0]!.fields.map((f) => [f.name, f.spec])) },
    });
    expect(other.hash).not.toBe(dots().hash);
    expect(otherVersion.hash).not.toBe(dots().hash);
    const unpredicted = defineSchema({
      version: 1,
      entities: {
        dot: {
          x: floatField(-10, 10, 0.25, { predict: 'none' }),
          on: boolField(),
          hue: enumField(['red', 'blue']),
        },
      },
    });
    const explicitLinear = defineSchema({
      version: 1,
      entities: {
        dot: {
          x: floatField(-10, 10, 0.25, { predict: 'linear' }),
          on: boolField(),
          hue: enumField(['red', 'blue']),
        },
      },
    });
    expect(unpredicted.hash).not.toBe(dots().hash);
    expect(explicitLinear.hash).toBe(dots().hash); // linear is the default
  });

  it('quantizes floats to the step grid and keeps other values', () => {
    const s = dots();
    expect(s.quantize({ id: 3, type: 'dot', x: 1.13, on: true, hue: 'blue' })).toEqual({
      id: 3,
      type: 'dot',
      x: 1.25,
      on: true,
      hue: 'blue',
    });
    expect(s.quantize({ id: 3, type: 'dot', x: -10, on: false, hue: 'red' }).x).toBe(-10);
  });

  it('rejects entities that do not fit, naming the problem', () => {
    const s = dots();
    const bad = (e: unknown) => () => s.quantize(e as Parameters<typeof s.quantize>[0]);
    expect(bad({ id: 1, type: 'dot', x: 10.5, on: true, hue: 'red' })).toThrow(InvalidEntityError);
    expect(bad({ id: 1, type: 'dot', x: Number.NaN, on: true, hue: 'red' })).toThrow(/field "x"/);
    expect(bad({ id: 1, type: 'dot', x: 0, on: 1, hue: 'red' })).toThrow(/field "on"/);
    expect(bad({ id: 1, type: 'dot', x: 0, on: true, hue: 'green' })).toThrow(/field "hue"/);
    expect(bad({ id: 1, type: 'cat', x: 0, on: true, hue: 'red' })).toThrow(/unknown type/);
    expect(bad({ id: 65536, type: 'dot', x: 0, on: true, hue: 'red' })).toThrow(/entity id/);
    try {
      bad({ id: -1, type: 'dot' })();
    } catch (err) {
      expect((err as InvalidEntityError).code).toBe('ERR_SNAPSHOT_INVALID_ENTITY');
    }
  });
});
