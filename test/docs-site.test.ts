/**
 * The API site (`npm run docs`) documents each package entry point once and carries every guide:
 * typedoc.json's entry points are exactly the package's `exports` subpaths, the root last (so its
 * re-exports become links to the module that documents them instead of second copies), and its
 * project documents are a glob over docs/ (a new guide is picked up without a config edit).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

it('typedoc documents every package entry point once, root last, with every guide in docs/', () => {
  const typedoc = read('typedoc.json');
  const pkg = read('package.json');
  const entries = Object.entries(pkg.exports as Record<string, unknown>)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath]) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`));
  expect([...typedoc.entryPoints].sort()).toEqual(entries.sort());
  expect(typedoc.entryPoints.at(-1)).toBe('src/index.ts');
  expect(typedoc.projectDocuments).toEqual(['docs/*.md']);
  expect(typedoc.treatWarningsAsErrors).toBe(true);
  for (const entry of typedoc.entryPoints as string[]) {
    const name = entry === 'src/index.ts' ? '@pong/netcode' : `@pong/netcode/${entry.split('/')[1]}`;
    expect(readFileSync(entry, 'utf8'), entry).toContain(`@module ${name}\n`);
  }
});
