import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generate, generatedDts, generatedJs } from './support/generate-proto.js';

describe('generated protobuf code', () => {
  it('matches proto/snapshot.proto (regenerate: npx tsx test/snapshot/support/generate-proto.ts)', async () => {
    const { js, dts } = await generate();
    expect(await readFile(generatedJs, 'utf8')).toBe(js);
    expect(await readFile(generatedDts, 'utf8')).toBe(dts);
  });
});
