/**
 * `npm run match-server`: the match server configured from the environment
 * (PORT, DATABASE_URL, REDIS_URL, GAME_SERVERS, MAX_RATING_DIFF; see README.md).
 */
import type { Logger } from '../../src/core/index.js';
import { configFromEnv, startMatchServer } from './server.js';

const logger: Logger = {
  debug: () => {},
  info: (obj, msg) => console.log(msg ?? '', obj),
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

const config = configFromEnv();
const running = await startMatchServer(config, { logger });
console.log(
  `match server on :${running.port} (${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}, ` +
    `${config.redisUrl ? 'Redis' : 'in-memory'} rooms, game servers ${config.gameServers.join(', ') || 'none'}, ` +
    `max rating diff ${config.maxRatingDiff})`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
