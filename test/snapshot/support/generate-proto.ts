/**
 * Generates the static protobuf code in src/snapshot/generated/ from proto/snapshot.proto with
 * protobufjs-cli (pbjs + pbts). `npx tsx test/snapshot/support/generate-proto.ts` rewrites the
 * files; test/snapshot/generated-code.test.ts proves the committed files match.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pbjs, pbts } from 'protobufjs-cli';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const protoFile = join(root, 'proto/snapshot.proto');
export const generatedJs = join(root, 'src/snapshot/generated/snapshot.js');
export const generatedDts = join(root, 'src/snapshot/generated/snapshot.d.ts');

function run(main: typeof pbjs.main, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    main(args, (err, output) => (err ? fail(err) : ok(output ?? '')));
  });
}

/** @returns the generated JavaScript and declarations, as text. */
export async function generate(): Promise<{ js: string; dts: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'netcode-proto-'));
  try {
    const jsFile = join(dir, 'snapshot.js');
    const js = await run(pbjs.main, [
      '-t',
      'static-module',
      '-w',
      'es6',
      '--es6',
      '--no-create',
      '--no-verify',
      '--no-convert',
      '--no-delimited',
      '--no-typeurl',
      '--root',
      'pong-netcode-snapshot',
      '-o',
      jsFile,
      protoFile,
    ]);
    void js;
    const jsText = await readFile(jsFile, 'utf8');
    const dts = await run(pbts.main, [jsFile]);
    return { js: jsText, dts };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { js, dts } = await generate();
  await writeFile(generatedJs, js);
  await writeFile(generatedDts, dts);
}
