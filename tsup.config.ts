import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'transport/index': 'src/transport/index.ts',
    'reliability/index': 'src/reliability/index.ts',
    'snapshot/index': 'src/snapshot/index.ts',
    'metrics/index': 'src/metrics/index.ts',
    'matchmaking/index': 'src/matchmaking/index.ts',
    'server/index': 'src/server/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
