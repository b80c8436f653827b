/**
 * `npm run match-server`: the match server configured from the environment
 * (PORT, DATABASE_URL, REDIS_URL, GAME_SERVERS, MATCH_MAX_RATING_DIFF, MATCH_WIDENING,
 * MATCH_WIDENING_FOLLOWS, METRICS_PORT, MATCH_AUTH, MATCH_JWT_SECRET, CONNECT_TOKEN_KEY, rate and
 * connection limits; see README.md).
 */
import type { Logger } from '../../src/core/index.js';
import { MetricsCollector, MetricsServer } from '../../src/metrics/index.js';
import { DEVELOPMENT_KEY_WARNING } from '../connect-token-key.js';
import { configFromEnv, startMatchServer } from './server.js';

const logger: Logger = {
  debug: () => {},
  info: (obj, msg) => console.log(msg ?? '', obj),
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

const config = configFromEnv();
const widening = ({ widening: steps = [], wideningFollows = 'newer' }: typeof config) =>
  steps.length === 0
    ? 'off'
    : `${steps.map((s) => `${s.afterMs / 1000}s:${s.maxRatingDiff}`).join(',')} following the ${wideningFollows} waiter`;
if (config.auth === 'none') {
  console.warn(
    'WARNING: MATCH_AUTH=none: development mode, no caller identity. Anyone can queue, read and ' +
      'cancel any player id. Never expose this server; set MATCH_JWT_SECRET and unset MATCH_AUTH.',
  );
}
if (config.connectTokenKey?.development) console.warn(DEVELOPMENT_KEY_WARNING);
// Prometheus scrapes the match server's own metrics endpoint (monitoring/prometheus.yml: 9092).
const metrics = new MetricsCollector({
  labels: { server_id: process.env.SERVER_ID ?? 'match-1' },
  processMetrics: true,
});
const metricsServer = new MetricsServer({
  registry: metrics.registry,
  port: Number(process.env.METRICS_PORT ?? 9092),
});
await metricsServer.start();
const running = await startMatchServer(config, { logger, observer: metrics.matchObserver });
console.log(
  `match server on :${running.port} (${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}, ` +
    `${config.redisUrl ? 'Redis' : 'in-memory'} rooms, game servers ${config.useRegistry ? 'from the Redis registry' : config.gameServers.join(', ') || 'none'}, ` +
    `max rating diff ${config.maxRatingDiff}, widening ${widening(config)}, ` +
    `callers ${config.auth === 'none' ? 'unauthenticated' : 'by bearer JWT'}), ` +
    `metrics on :${metricsServer.address.port}/metrics`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    Promise.all([running.close(), metricsServer.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
