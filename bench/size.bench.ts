/**
 * Package size and import cost: what users download and what each entry point costs to load.
 *
 * - pack: `npm pack --dry-run` of the package built as `npm run build` builds it (tsup, with
 *   `.d.ts` files and source maps): tarball bytes, unpacked bytes, files.
 * - import: per entry point, the median of 5 fresh Node processes timing `import()` (ESM) and
 *   `require()` (CommonJS) from the start of the call to its end, and what it loads: files of the
 *   package, files of dependencies, and which dependencies.
 *
 * Every value is compared with `bench/size-budget.json` (recorded + headroom); `SIZE_RECORD=1`
 * re-records the budget from this run. `test/package-size.test.ts` holds what it loads and the
 * tarball without types to the same budget on every `npm test`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import {
  BUDGET_PATH,
  ENTRIES,
  importCost,
  overBudget,
  packStats,
  type SizeBudget,
  stagePackage,
  withHeadroom,
} from '../test/support/package-size.js';
import { printTable } from './format.js';

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const budget = JSON.parse(await readFile(BUDGET_PATH, 'utf8')) as SizeBudget;
  const full = await stagePackage(true);
  const quick = await stagePackage(false);
  const problems: string[] = [];
  try {
    const pack = packStats(full);
    const packWithoutTypes = packStats(quick);
    problems.push(...overBudget('pack', { ...pack }, { ...budget.pack }));
    printTable('npm pack (published files)', [
      { build: 'as published', ...pack, 'budget tarball': budget.pack.tarballBytes },
      { build: 'without .d.ts', ...packWithoutTypes, 'budget tarball': budget.packWithoutTypes.tarballBytes },
    ]);
    const rows: Record<string, string | number>[] = [];
    const entries: SizeBudget['entries'] = {};
    for (const entry of ENTRIES) {
      const esm = Array.from({ length: RUNS }, () => importCost(full, entry, 'esm'));
      const cjs = Array.from({ length: RUNS }, () => importCost(full, entry, 'cjs'));
      const { ownFiles, dependencyFiles, packages } = esm[0]!;
      const esmMs = median(esm.map((c) => c.ms));
      const cjsMs = median(cjs.map((c) => c.ms));
      const limit = budget.entries[entry];
      entries[entry] = { importMs: Math.max(esmMs, cjsMs), ownFiles, dependencyFiles, packages };
      if (limit === undefined) problems.push(`${entry}: not in the budget`);
      else
        problems.push(
          ...overBudget(entry, { importMs: Math.max(esmMs, cjsMs) }, { importMs: limit.importMs }),
        );
      rows.push({
        entry,
        'esm ms': esmMs,
        'cjs ms': cjsMs,
        'budget ms': limit?.importMs ?? '-',
        'own files': ownFiles,
        'dependency files': dependencyFiles,
        dependencies: packages.join(' ') || '-',
      });
    }
    printTable(`Import cost, median of ${RUNS} fresh processes`, rows);
    if (process.env.SIZE_RECORD === '1') {
      const recorded: SizeBudget = {
        note: `recorded by SIZE_RECORD=1 npm run bench -- size on ${new Date().toISOString().slice(0, 10)}; bytes and file counts +15%, import ms x2`,
        pack: {
          tarballBytes: withHeadroom.bytes(pack.tarballBytes),
          unpackedBytes: withHeadroom.bytes(pack.unpackedBytes),
          files: withHeadroom.count(pack.files),
        },
        packWithoutTypes: {
          tarballBytes: withHeadroom.bytes(packWithoutTypes.tarballBytes),
          unpackedBytes: withHeadroom.bytes(packWithoutTypes.unpackedBytes),
          files: withHeadroom.count(packWithoutTypes.files),
        },
        entries: Object.fromEntries(
          Object.entries(entries).map(([entry, e]) => [
            entry,
            {
              importMs: withHeadroom.ms(e.importMs),
              ownFiles: withHeadroom.count(e.ownFiles),
              dependencyFiles: withHeadroom.count(e.dependencyFiles),
              packages: e.packages,
            },
          ]),
        ),
      };
      await writeFile(BUDGET_PATH, `${JSON.stringify(recorded, null, 2)}\n`);
      console.log(`\nbudget re-recorded in ${BUDGET_PATH}`);
    } else if (problems.length > 0) {
      console.log(`\nOVER BUDGET (${BUDGET_PATH}):\n${problems.map((p) => `- ${p}`).join('\n')}`);
      process.exitCode = 1;
    } else console.log(`\nwithin budget (${BUDGET_PATH})`);
  } finally {
    await full.remove();
    await quick.remove();
  }
}
