/**
 * `npm run pong-server`: one Pong game server process.
 *
 * Environment: `HOST` (default 0.0.0.0), `PORT` (UDP, default 9000), `METRICS_PORT` (default
 * 9090), `REDIS_URL` (required: the room store the match server writes, so the server admits
 * exactly the players the match server sent), `SERVER_ID` (a constant metrics label), `MAX_ROOMS`
 * (matches at once, default 500; two players each), `SNAPSHOT_RATE` (snapshots per second,
 * dividing 60; default 60), `CONNECT_TOKEN_KEY` (64 hex characters, the match server's; unset: the
 * public development key, with a warning), `PUBLIC_ADDRESS` (the `host:port` the match server
 * hands out for this server, which its connect tokens name; default `127.0.0.1:<PORT>`).
 */
import { Redis } from 'ioredis';
import { createCryptoRandom, wallClock } from '../../src/core/index.js';
import { RedisRoomManager } from '../../src/matchmaking/index.js';
import { MetricsCollector, MetricsServer } from '../../src/metrics/index.js';
import { ConnectTokenVerifier, UdpTransport } from '../../src/transport/index.js';
import { connectTokenKeyFromEnv, DEVELOPMENT_KEY_WARNING } from '../connect-token-key.js';
import { PONG_PROTOCOL_ID, PongServer } from './pong-server.js';

const env = process.env;
if (!env.REDIS_URL) {
  console.error(
    'pong-server: REDIS_URL is required (the match server writes its rooms there); `npm run demo` runs everything in one process instead',
  );
  process.exit(2);
}
const redis = new Redis(env.REDIS_URL);
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
const tokenKey = connectTokenKeyFromEnv(env);
if (tokenKey.development) console.warn(DEVELOPMENT_KEY_WARNING);
const publicAddress = env.PUBLIC_ADDRESS ?? `127.0.0.1:${transport.localAddress.port}`;
const server = new PongServer({
  transport,
  connectTokens: new ConnectTokenVerifier({
    keys: [tokenKey.key],
    protocolId: PONG_PROTOCOL_ID,
    serverAddresses: [publicAddress],
    clock: wallClock,
  }),
  rooms: new RedisRoomManager(redis),
  random: createCryptoRandom(),
  metrics,
  maxRooms: Number(env.MAX_ROOMS ?? 500),
  snapshotRate: Number(env.SNAPSHOT_RATE ?? 60),
  onResult: (r) => console.log(JSON.stringify({ event: 'match_end', ...r })),
});
server.start();
console.log(
  `pong-server: UDP ${transport.localAddress.address}:${transport.localAddress.port} (as ${publicAddress}), metrics on :${env.METRICS_PORT ?? 9090}/metrics`,
);

const shutdown = async () => {
  server.stop();
  await transport.close();
  await metricsServer.close();
  redis.disconnect();
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
