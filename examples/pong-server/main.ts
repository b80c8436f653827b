/**
 * `npm run pong-server`: one Pong game server process.
 *
 * Environment: `HOST` (default 0.0.0.0), `PORT` (UDP, default 9000), `METRICS_PORT` (default
 * 9090), `REDIS_URL` (required: the room store the match server writes, so the server admits
 * exactly the players the match server sent), `SERVER_ID` (a constant metrics label), `MAX_ROOMS`
 * (matches at once, default 500; two players each), `SNAPSHOT_RATE` (snapshots per second,
 * dividing 60; default 60), `SCORE_TO_WIN` (default 5), `CONNECT_TOKEN_KEY` (64 hex characters, the
 * match server's; unset: the public development key, with a warning), `CONNECT_TOKEN_KEY_ID` and,
 * during a key rotation, `CONNECT_TOKEN_KEY_PREVIOUS` (`<id>:<hex>`, still accepted).
 * Registry (match servers with the same `REDIS_URL` and no `GAME_SERVERS` find it there):
 * `PUBLIC_ADDRESS` (the `host:port` players reach, which the connect tokens name; default
 * `HOST:PORT`, `127.0.0.1` for 0.0.0.0), `REGION` (default none), `CAPACITY` (rooms offered to the
 * registry, default `MAX_ROOMS`). SIGTERM drains: no new matches, running ones finish (at most
 * `DRAIN_TIMEOUT_MS`, default 600 000), then it deregisters and exits.
 * Results: `MATCH_SERVER_URL` (e.g. `http://127.0.0.1:8080`; unset: results are only logged, and
 * the players stay matched until the match server's sweeper ends the match) receives each match's
 * end, signed with `RESULT_KEY` (64 hex characters; default the connect-token key) and retried
 * until acknowledged.
 */
import { Redis } from 'ioredis';
import { createCryptoRandom, epochClock, type Logger, OutageLog, systemClock } from '../../src/core/index.js';
import {
  GameServerHeartbeat,
  RedisGameServerRegistry,
  RedisRoomManager,
  ResultReporter,
  RunningRooms,
} from '../../src/matchmaking/index.js';
import { MetricsCollector, MetricsServer, registerUdpDropsMetric } from '../../src/metrics/index.js';
import { ConnectTokenVerifier, UdpTransport } from '../../src/transport/index.js';
import { connectTokenKeyFromEnv, DEVELOPMENT_KEY_WARNING } from '../connect-token-key.js';
import { resultKeyFromEnv } from '../result-key.js';
import { toMatchResult } from './pong-result.js';
import { PONG_PROTOCOL_ID, PongServer } from './pong-server.js';
import { registerResultReporterMetrics } from './result-metrics.js';

const env = process.env;
const logger: Logger = {
  debug: () => {},
  info: (obj, msg) => console.log(msg ?? '', obj),
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};
if (!env.REDIS_URL) {
  console.error(
    'pong-server: REDIS_URL is required (the match server writes its rooms there); `npm run demo` runs everything in one process instead',
  );
  process.exit(2);
}
const redis = new Redis(env.REDIS_URL);
// ioredis emits 'error' at every failed reconnect: one line when Redis goes, one when it is back.
const redisOutage = new OutageLog('redis connection', logger, systemClock);
redis.on('error', (err) => redisOutage.failed(err));
redis.on('ready', () => redisOutage.succeeded());
const metrics = new MetricsCollector({
  labels: { server_id: env.SERVER_ID ?? 'pong-1' },
  processMetrics: true,
});
const metricsServer = new MetricsServer({
  registry: metrics.registry,
  port: Number(env.METRICS_PORT ?? 9090),
});
await metricsServer.start();
const transport = await UdpTransport.bind({
  host: env.HOST ?? '0.0.0.0',
  port: Number(env.PORT ?? 9000),
  observer: metrics.transportObserver,
});
// The rooms this server runs: reported in each heartbeat and kept alive (their keys carry a TTL).
const rooms = new RunningRooms(new RedisRoomManager(redis));
// Datagrams the kernel dropped before the server read them (Linux /proc/net/udp), at scrape time.
registerUdpDropsMetric({
  registry: metrics.registry,
  ports: () => [transport.localAddress.port],
  labels: { server_id: env.SERVER_ID ?? 'pong-1' },
});
const host = env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1';
const publicAddress = env.PUBLIC_ADDRESS ?? `${host}:${transport.localAddress.port}`;
const tokenKey = connectTokenKeyFromEnv(env);
if (tokenKey.development) console.warn(DEVELOPMENT_KEY_WARNING);
const maxRooms = Number(env.MAX_ROOMS ?? 500);
// Each match's end goes to the match server, which records it, moves the ratings and frees the players.
const reporter = env.MATCH_SERVER_URL
  ? new ResultReporter({ url: env.MATCH_SERVER_URL, key: resultKeyFromEnv(env), logger })
  : undefined;
if (reporter !== undefined)
  registerResultReporterMetrics({
    registry: metrics.registry,
    reporter,
    labels: { server_id: env.SERVER_ID ?? 'pong-1' },
  });
else
  console.warn(
    'pong-server: MATCH_SERVER_URL is unset: results are only logged, and players stay matched until the match server sweeps the match',
  );
const server = new PongServer({
  transport,
  connectTokens: new ConnectTokenVerifier({
    keys: tokenKey.previous === undefined ? [tokenKey.key] : [tokenKey.key, tokenKey.previous],
    protocolId: PONG_PROTOCOL_ID,
    serverAddresses: [publicAddress],
    clock: epochClock,
  }),
  rooms,
  random: createCryptoRandom(),
  metrics,
  maxRooms,
  snapshotRate: Number(env.SNAPSHOT_RATE ?? 60),
  scoreToWin: Number(env.SCORE_TO_WIN ?? 5),
  onResult: (r) => {
    console.log(JSON.stringify({ event: 'match_end', ...r }));
    reporter?.report(toMatchResult(r));
  },
});
server.start();
const heartbeat = new GameServerHeartbeat({
  registry: new RedisGameServerRegistry(redis),
  rooms,
  address: publicAddress,
  region: env.REGION || null,
  capacity: Number(env.CAPACITY ?? maxRooms),
  version: env.npm_package_version ?? 'dev',
  logger,
});
await heartbeat.start();
console.log(
  `pong-server: UDP ${transport.localAddress.address}:${transport.localAddress.port} (as ${publicAddress}), metrics on :${env.METRICS_PORT ?? 9090}/metrics`,
);

const drainTimeoutMs = Number(env.DRAIN_TIMEOUT_MS ?? 600_000);
const shutdown = async () => {
  // Drain: no new matches from now on; running ones finish (or the timeout passes).
  await heartbeat.drain();
  const deadline = performance.now() + drainTimeoutMs;
  while ([...rooms.matches()].length > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
  }
  // Results still unacknowledged get a last chance (the match server may be restarting too).
  if (reporter !== undefined) {
    await Promise.race([reporter.flushed(), new Promise((r) => setTimeout(r, 10_000))]);
    if (reporter.pending > 0)
      console.error(`pong-server: ${reporter.pending} results were never acknowledged`);
    reporter.close();
  }
  await heartbeat.stop();
  server.stop();
  await transport.close();
  await metricsServer.close();
  redis.disconnect();
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
