/**
 * `instanceof` holds across copies of the library: the package's ESM and CommonJS builds (built
 * here with tsup, as `npm run build` does) and the source loaded by vitest are three separate sets
 * of classes in one process, and every error class of each must recognise the others' errors.
 */
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as source from '../../src/index.js';

type Library = typeof source;
type ErrorClass = abstract new (...args: never[]) => Error;

/** Inside the project, so the builds resolve their dependencies from node_modules. */
const dir = resolve('node_modules/.cache/netcode-errors-across-builds', String(process.pid));
let esm: Library;
let cjs: Library;

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  await build({
    config: false,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    outDir: dir,
    tsconfig: 'tsconfig.build.json',
    target: 'node20',
    splitting: true,
    dts: false,
    silent: true,
  });
  esm = (await import(pathToFileURL(join(dir, 'index.js')).href)) as Library;
  cjs = createRequire(import.meta.url)(join(dir, 'index.cjs')) as Library;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The exported error classes of one copy, by name. */
function errorClasses(lib: Library): Map<string, ErrorClass> {
  const out = new Map<string, ErrorClass>();
  for (const [name, value] of Object.entries(lib)) {
    if (typeof value === 'function' && Object.prototype.isPrototypeOf.call(Error.prototype, value.prototype))
      out.set(name, value as unknown as ErrorClass);
  }
  return out;
}

/** The ordinary prototype-chain `instanceof`, which fails across copies. */
const byPrototype = (value: unknown, cls: ErrorClass) =>
  Function.prototype[Symbol.hasInstance].call(cls, value);

describe('errors across builds', () => {
  it('loads three separate copies of every error class', () => {
    const names = [...errorClasses(source).keys()].sort();
    expect(names).toContain('NetcodeError');
    expect(names.length).toBeGreaterThanOrEqual(17);
    expect([...errorClasses(esm).keys()].sort()).toEqual(names);
    expect([...errorClasses(cjs).keys()].sort()).toEqual(names);
    expect(esm.NetcodeError).not.toBe(cjs.NetcodeError);
    expect(esm.NetcodeError).not.toBe(source.NetcodeError);
    const fromCjs = new cjs.InvalidOptionError('rate', 'must be positive');
    expect(byPrototype(fromCjs, esm.NetcodeError)).toBe(false);
    for (const [name, cls] of [...errorClasses(esm), ...errorClasses(cjs)]) expect(cls.name).toBe(name);
  });

  it('every error class recognises exactly its own and its subclasses\u2019 errors from every copy', () => {
    const copies = { source, esm, cjs };
    let checked = 0;
    for (const [fromName, from] of Object.entries(copies)) {
      for (const [againstName, against] of Object.entries(copies)) {
        const classes = errorClasses(against);
        for (const [name, made] of errorClasses(from)) {
          const error = Object.create(made.prototype) as Error;
          for (const [otherName, other] of classes) {
            // Expected from the prototype chain within one copy.
            const expected = byPrototype(Object.create(classes.get(name)!.prototype), other);
            expect(error instanceof other, `${fromName} ${name} instanceof ${againstName} ${otherName}`).toBe(
              expected,
            );
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(9 * errorClasses(source).size ** 2);
  });

  it('errors thrown by one build are caught by the other build\u2019s classes', () => {
    let thrown: unknown;
    try {
      new cjs.ManualClock(5).set(1);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(esm.InvalidArgumentError);
    expect(thrown).toBeInstanceOf(esm.NetcodeError);
    expect(thrown).not.toBeInstanceOf(esm.InvalidOptionError);
    expect((thrown as source.InvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
    expect((thrown as source.InvalidArgumentError).argument).toBe('ms');
    expect((thrown as Error).name).toBe('InvalidArgumentError');

    const store = new esm.StoreUnavailableError('redis', new Error('ECONNREFUSED'));
    expect(store).toBeInstanceOf(cjs.MatchError);
    expect(store).toBeInstanceOf(cjs.NetcodeError);
    expect(store.name).toBe('StoreUnavailableError');
    expect(new esm.MatchError('ERR_MATCH_NOT_FOUND', 'no route')).not.toBeInstanceOf(
      cjs.StoreUnavailableError,
    );
    expect(new cjs.SnapshotStaleError(3, 4)).toBeInstanceOf(esm.SnapshotDecodeError);
    expect(new cjs.SnapshotStaleError(3, 4)).not.toBeInstanceOf(esm.InvalidEntityError);
  });

  it('answers false for values that are not library errors', () => {
    for (const value of [null, undefined, 0, 'ERR_INVALID_OPTION', {}, new Error('x'), new TypeError('y')]) {
      expect(value instanceof esm.NetcodeError).toBe(false);
      expect(value instanceof cjs.InvalidOptionError).toBe(false);
    }
    expect(
      { code: 'ERR_INVALID_OPTION', name: 'InvalidOptionError' } instanceof source.InvalidOptionError,
    ).toBe(false);
  });

  it('a subclass users write keeps the ordinary prototype check, and is still a NetcodeError everywhere', () => {
    class GameRuleError extends esm.NetcodeError {}
    const mine = new GameRuleError('ERR_GAME_RULE', 'not your turn');
    expect(mine).toBeInstanceOf(GameRuleError);
    expect(mine).toBeInstanceOf(cjs.NetcodeError);
    expect(mine.name).toBe('GameRuleError');
    // Not every library error is one of the user's (the inherited check must not answer for it).
    expect(new esm.NetcodeError('ERR_X', 'x')).not.toBeInstanceOf(GameRuleError);
    expect(new cjs.InvalidStateError('closed')).not.toBeInstanceOf(GameRuleError);
  });
});
