/**
 * The package does not grow past `bench/size-budget.json` (recorded sizes plus headroom): the
 * tarball (built without `.d.ts` files, which takes seconds; `npm run bench -- size` checks the
 * full one and the import times) and what each entry point loads. When growth is intended,
 * re-record with `SIZE_RECORD=1 npm run bench -- size` and say why in the commit.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUDGET_PATH,
  ENTRIES,
  importCost,
  overBudget,
  packStats,
  type SizeBudget,
  type StagedPackage,
  stagePackage,
} from './support/package-size.js';

const budget = JSON.parse(readFileSync(BUDGET_PATH, 'utf8')) as SizeBudget;
let pkg: StagedPackage;

beforeAll(async () => {
  pkg = await stagePackage(false);
}, 120_000);

afterAll(async () => {
  await pkg?.remove();
});

describe('package size budget', () => {
  it('budgets every entry point in package.json', () => {
    const exports = JSON.parse(readFileSync('package.json', 'utf8')).exports as Record<string, unknown>;
    const entries = Object.entries(exports)
      .filter(([, target]) => typeof target === 'object')
      .map(([subpath]) => `@pong/netcode${subpath.slice(1)}`);
    expect([...ENTRIES].sort()).toEqual(entries.sort());
    expect(Object.keys(budget.entries).sort()).toEqual(entries.sort());
  });

  it('the tarball stays within budget', () => {
    const pack = packStats(pkg);
    expect(pack.files).toBeGreaterThan(10);
    expect(overBudget('pack without .d.ts', { ...pack }, { ...budget.packWithoutTypes })).toEqual([]);
  });

  it.each(ENTRIES)('%s loads no more files and no other dependencies than budgeted', (entry) => {
    const cost = importCost(pkg, entry, 'cjs');
    const limit = budget.entries[entry]!;
    expect(cost.ownFiles).toBeGreaterThan(0);
    const { ownFiles, dependencyFiles } = cost;
    expect(overBudget(entry, { ownFiles, dependencyFiles }, { ...limit, packages: 0 })).toEqual([]);
    expect(cost.packages.filter((p) => !limit.packages.includes(p))).toEqual([]);
  });
});
