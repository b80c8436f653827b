/**
 * `npm run match-server`: the match server configured from the environment
 * (PORT, DATABASE_URL, REDIS_URL, GAME_SERVERS, MAX_RATING_DIFF, METRICS_PORT; see README.md).
 */
import type { Logger } from '../../src/core/index.js';
import { MetricsCollector, MetricsServer } from '../../src/metrics/index.js';
import { configFromEnv, startMatchServer } from './server.js';

const logger: Logger = {
  debug: () => {},
  info: (obj, msg) => console.log(msg ?? '', obj),
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

const config = configFromEnv();
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
    `max rating diff ${config.maxRatingDiff}), metrics on :${metricsServer.address.port}/metrics`,
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
