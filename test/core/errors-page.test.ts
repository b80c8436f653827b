/** docs/errors.md lists every error code the library can raise, and nothing that no longer exists. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'generated') out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

it('every ERR_ code in src/ is documented in docs/errors.md, and only those', async () => {
  const codes = new Set<string>();
  for (const file of await sources('src')) {
    for (const m of (await readFile(file, 'utf8')).matchAll(/'(ERR_[A-Z_]+)'/g)) codes.add(m[1]!);
  }
  const page = await readFile('docs/errors.md', 'utf8');
  const documented = new Set([...page.matchAll(/^\| `(ERR_[A-Z_]+)`/gm)].map((m) => m[1]!));
  expect([...codes].sort()).toEqual([...documented].sort());
});

it('src/ throws only NetcodeErrors (no bare Error, TypeError or RangeError)', async () => {
  const bare: string[] = [];
  for (const file of await sources('src')) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/throw new (Type|Range|Syntax)?Error\(/g)) bare.push(`${file}: ${m[0]}`);
  }
  expect(bare).toEqual([]);
});
