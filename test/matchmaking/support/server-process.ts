/**
 * Child-process entry for multi-process tests and the benchmark: starts the example match server
 * from the environment on a free port, prints `{"port": N}` on stdout and closes on SIGTERM.
 * Run with `node --import tsx test/matchmaking/support/server-process.ts`.
 */
import { configFromEnv, startMatchServer } from '../../../examples/match-server/server.js';

const running = await startMatchServer({
  ...configFromEnv(),
  port: 0,
  host: '127.0.0.1',
  poolSize: Number(process.env.POOL_SIZE ?? 20),
});
process.stdout.write(`${JSON.stringify({ port: running.port })}\n`);
process.on('SIGTERM', () => {
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
