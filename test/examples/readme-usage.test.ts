/** The README's usage example is `examples/readme-usage.ts` verbatim, and it runs. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('the README shows examples/readme-usage.ts exactly', async () => {
  const readme = await readFile('README.md', 'utf8');
  const example = await readFile('examples/readme-usage.ts', 'utf8');
  const block = /<!-- usage:start -->[\s\S]*?```ts\n([\s\S]*?)```\n<!-- usage:end -->/.exec(readme)?.[1];
  expect(block).toBe(example);
});

it('the README example runs and echoes over real UDP', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/readme-usage.ts'],
    {
      timeout: 30_000,
    },
  );
  expect(stdout.trim()).toBe('hello');
});
