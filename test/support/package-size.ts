/**
 * Measures the package as users get it: the `npm pack` tarball, and what importing each entry
 * point costs (milliseconds in a fresh process, and which files and packages it loads). Shared by
 * `bench/size.bench.ts` (prints it all) and `test/package-size.test.ts` (holds the deterministic
 * parts to `bench/size-budget.json`).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { build, type Options } from 'tsup';
import tsupConfig from '../../tsup.config.js';

/** The package's entry points, as users import them. */
export const ENTRIES = [
  '@pong/netcode',
  '@pong/netcode/transport',
  '@pong/netcode/reliability',
  '@pong/netcode/snapshot',
  '@pong/netcode/metrics',
  '@pong/netcode/matchmaking',
  '@pong/netcode/server',
] as const;

/** A staged copy of the package in `dir`, built, laid out as `npm pack` sees it. */
export interface StagedPackage {
  readonly dir: string;
  /** Removes it. */
  remove(): Promise<void>;
}

/**
 * Builds the package with the project's tsup config into a fresh directory inside node_modules
 * (so its dependencies resolve) and copies the other published files beside it.
 * @param withTypes - build the `.d.ts` files too (slow; the tarball needs them, imports do not).
 */
export async function stagePackage(withTypes: boolean): Promise<StagedPackage> {
  const dir = resolve('node_modules/.cache/netcode-package-size', `${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const config = tsupConfig as Options;
  await build({ ...config, config: false, outDir: join(dir, 'dist'), dts: withTypes, silent: true });
  for (const path of ['package.json', 'README.md', 'monitoring', 'proto'])
    await cp(path, join(dir, path), { recursive: true });
  await mkdir(join(dir, 'docs'));
  for (const file of await readdir('docs'))
    if (file.endsWith('.md')) await cp(join('docs', file), join(dir, 'docs', file));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What `npm pack` would publish. */
export interface PackStats {
  /** Size of the .tgz in bytes. */
  tarballBytes: number;
  /** Sum of the file sizes in bytes. */
  unpackedBytes: number;
  /** Number of files. */
  files: number;
}

/** Runs `npm pack --dry-run` on a staged package. */
export function packStats(pkg: StagedPackage): PackStats {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkg.dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [info] = JSON.parse(out) as [{ size: number; unpackedSize: number; entryCount: number }];
  return { tarballBytes: info.size, unpackedBytes: info.unpackedSize, files: info.entryCount };
}

/** One import of one entry point in a fresh Node process. */
export interface ImportCost {
  /** Milliseconds from the start of `import()` / `require()` to its end. */
  ms: number;
  /** Files of the package itself that were loaded (CommonJS build, counted from `require.cache`). */
  ownFiles: number;
  /** Files of dependencies that were loaded. */
  dependencyFiles: number;
  /** The dependencies loaded, sorted. */
  packages: string[];
}

const PROBE = `
const { performance } = require('node:perf_hooks');
const [entry, format] = process.argv.slice(1);
const start = performance.now();
const done = (ms) => process.stdout.write(JSON.stringify({ ms, files: Object.keys(require.cache) }));
if (format === 'esm') {
  import(entry).then(() => {
    const ms = performance.now() - start;
    require(entry);
    done(ms);
  });
} else {
  require(entry);
  done(performance.now() - start);
}
`;

/**
 * Imports `entry` from a staged package in a fresh process.
 * @param format - `esm` times `import()`; `cjs` times `require()`. The files and packages are
 *   always counted on the CommonJS build (ESM keeps no list); both builds load the same ones.
 */
export function importCost(pkg: StagedPackage, entry: string, format: 'esm' | 'cjs'): ImportCost {
  const out = execFileSync(process.execPath, ['-e', PROBE, entry, format], {
    cwd: pkg.dir,
    encoding: 'utf8',
  });
  const { ms, files } = JSON.parse(out) as { ms: number; files: string[] };
  const packages = new Set<string>();
  let ownFiles = 0;
  let dependencyFiles = 0;
  const modules = `${sep}node_modules${sep}`;
  for (const file of files) {
    const at = file.lastIndexOf(modules);
    if (file.startsWith(pkg.dir + sep) && at < pkg.dir.length) {
      ownFiles++;
      continue;
    }
    if (at < 0) continue;
    dependencyFiles++;
    const parts = file.slice(at + modules.length).split(sep);
    packages.add(parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return { ms, ownFiles, dependencyFiles, packages: [...packages].sort() };
}

/** `bench/size-budget.json`: the recorded sizes plus headroom; nothing may grow past them. */
export interface SizeBudget {
  /** How the budget was made. */
  note: string;
  /** The published tarball (with `.d.ts` files), checked by `npm run bench -- size`. */
  pack: PackStats;
  /** The same without `.d.ts` files (quick to build), checked by `test/package-size.test.ts`. */
  packWithoutTypes: PackStats;
  /** Per entry point: import time (bench only) and what it loads (test). */
  entries: Record<
    string,
    { importMs: number; ownFiles: number; dependencyFiles: number; packages: string[] }
  >;
}

export const BUDGET_PATH = 'bench/size-budget.json';
/** Headroom over a recorded measurement: sizes and file counts 15%, import times 100% (noisy). */
export const withHeadroom = {
  bytes: (n: number) => Math.ceil((n * 1.15) / 1024) * 1024,
  count: (n: number) => Math.ceil(n * 1.15),
  ms: (n: number) => Math.ceil(n * 2),
};

/** The values of `measured` that exceed `budget`, as readable lines. */
export function overBudget(
  what: string,
  measured: Record<string, number>,
  budget: Record<string, number>,
): string[] {
  return Object.entries(measured)
    .filter(([key, value]) => value > budget[key]!)
    .map(([key, value]) => `${what} ${key}: ${value} > budget ${budget[key]}`);
}
