/**
 * `npm run demo`: the whole system in one command, on embedded defaults (PGlite, in-memory rooms).
 *
 * A match server, two Pong game servers at 60 ticks/s and a crowd of bot players: each bot asks
 * the match server for an opponent over HTTP, connects to the game server it was given over UDP
 * (through a lossy proxy, so the netcode has something to do), and plays a match from delta
 * snapshots. Every server exposes Prometheus metrics. At the end the demo prints the matches and
 * what the metrics saw, and exits; `DEMO_FOREVER=1` keeps the bots playing until Ctrl-C.
 *
 * Environment (all optional): DEMO_PLAYERS (8), DEMO_GAME_SERVERS (2), DEMO_SCORE (points to win,
 * 3), DEMO_LOSS (packet loss each way through the proxy, 0.05), DEMO_FOREVER, MATCH_PORT (8080),
 * GAME_PORT (first game server's UDP port, 9000), METRICS_PORT (first game server's metrics port,
 * 9090, then 9091, ...), MATCH_METRICS_PORT (9092): the ports monitoring/prometheus.yml scrapes.
 * A port of 0 picks free ports.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { createCryptoRandom, createSeededRandom, epochClock } from '../src/core/index.js';
import {
  MatchServer,
  MemoryRoomManager,
  migrate,
  pgliteClient,
  ResultReporter,
  StaticGameServerAllocator,
} from '../src/matchmaking/index.js';
import { MetricsCollector, MetricsServer } from '../src/metrics/index.js';
import {
  addressKey,
  ConnectTokenIssuer,
  type ConnectTokenKey,
  ConnectTokenVerifier,
  LossyUdpProxy,
  type PeerAddress,
  UdpTransport,
} from '../src/transport/index.js';
import { summarizeMetrics } from './demo-summary.js';
import { bearerAuthenticate, signMatchToken } from './match-server/bearer-auth.js';
import { type BotOutcome, playMatch } from './pong-server/bot-player.js';
import { toMatchResult } from './pong-server/pong-result.js';
import type { PongResult } from './pong-server/pong-room.js';
import { PONG_PROTOCOL_ID, PongServer } from './pong-server/pong-server.js';

const env = process.env;
const players = Number(env.DEMO_PLAYERS ?? 8);
const gameServers = Number(env.DEMO_GAME_SERVERS ?? 2);
const scoreToWin = Number(env.DEMO_SCORE ?? 3);
const loss = Number(env.DEMO_LOSS ?? 0.05);
const forever = env.DEMO_FOREVER === '1';
const matchPort = Number(env.MATCH_PORT ?? 8080);
const gamePort = Number(env.GAME_PORT ?? 9000);
const metricsPort = Number(env.METRICS_PORT ?? 9090);
const matchMetricsPort = Number(env.MATCH_METRICS_PORT ?? 9092);
const random = createCryptoRandom();
/** The i-th port after `base`, or 0 (ephemeral) when `base` is 0. */
const nth = (base: number, i: number) => (base === 0 ? 0 : base + i);
/** Game server i's metrics port: counting up from METRICS_PORT, stepping over the match server's. */
const gameMetricsPort = (i: number) => {
  const port = nth(metricsPort, i);
  return port !== 0 && port >= matchMetricsPort && metricsPort <= matchMetricsPort ? port + 1 : port;
};

const log = (msg: string) => console.log(`[demo] ${msg}`);

// The match server: PGlite (real Postgres in WASM) and in-memory rooms, shared with the game servers.
const db = new PGlite();
const sql = pgliteClient(db);
await migrate(sql);
const rooms = new MemoryRoomManager({ random });
const results: PongResult[] = [];
// Game servers report each match's end to the match server over HTTP (POST /match/result), signed
// with a key made fresh for this run, as separate processes would: the match server then records
// it, moves both ratings and frees the players to queue again. Made once the match server listens.
const resultKey = randomBytes(32);
let reporter: ResultReporter | undefined;
const recordResult = (r: PongResult) => {
  results.push(r);
  reporter!.report(toMatchResult(r));
};
const matchMetrics = new MetricsCollector({ labels: { server_id: 'match-1' } });

// Every match answer carries a connect token sealed with a key made fresh for this run; the game
// servers verify with the same key (and their own address, so a token is good on one server only).
const connectTokenKey: ConnectTokenKey = { id: 1, key: randomBytes(32) };

// The game servers, each with its own metrics endpoint, as separate processes would have.
const servers: {
  server: PongServer;
  transport: UdpTransport;
  metrics: MetricsCollector;
  http: MetricsServer;
}[] = [];
for (let i = 0; i < gameServers; i++) {
  const metrics = new MetricsCollector({ labels: { server_id: `pong-${i + 1}` } });
  const transport = await UdpTransport.bind({
    host: '127.0.0.1',
    port: nth(gamePort, i),
    observer: metrics.transportObserver,
  });
  const server = new PongServer({
    transport,
    connectTokens: new ConnectTokenVerifier({
      keys: [connectTokenKey],
      protocolId: PONG_PROTOCOL_ID,
      serverAddresses: [`127.0.0.1:${transport.localAddress.port}`],
      clock: epochClock,
    }),
    rooms,
    random,
    metrics,
    scoreToWin,
    onResult: recordResult,
  });
  const http = new MetricsServer({
    registry: metrics.registry,
    host: '127.0.0.1',
    port: gameMetricsPort(i),
  });
  await http.start();
  server.start();
  servers.push({ server, transport, metrics, http });
  log(
    `game server pong-${i + 1}: UDP 127.0.0.1:${transport.localAddress.port}, metrics http://127.0.0.1:${http.address.port}/metrics`,
  );
}
const matchHttp = new MetricsServer({
  registry: matchMetrics.registry,
  host: '127.0.0.1',
  port: matchMetricsPort,
});
await matchHttp.start();
// Bots prove who they are with a bearer token signed by a secret made fresh for this run (an
// account service would sign them in a real deployment).
const matchSecret = randomBytes(32);
const matchServer = new MatchServer({
  authenticate: bearerAuthenticate(matchSecret),
  connectTokens: new ConnectTokenIssuer({
    key: connectTokenKey,
    protocolId: PONG_PROTOCOL_ID,
    clock: epochClock,
    random,
  }),
  db: sql,
  rooms,
  allocator: new StaticGameServerAllocator(servers.map((s) => `127.0.0.1:${s.transport.localAddress.port}`)),
  observer: matchMetrics.matchObserver,
  random,
  results: { key: resultKey },
});
const { port: boundMatchPort } = await matchServer.listen(matchPort, '127.0.0.1');
const matchUrl = `http://127.0.0.1:${boundMatchPort}`;
reporter = new ResultReporter({ url: matchUrl, key: resultKey });
log(`match server: ${matchUrl}/match/request, metrics http://127.0.0.1:${matchHttp.address.port}/metrics`);

// A lossy proxy in front of each game server: real sockets, real loss and jitter.
const proxies = new Map<string, LossyUdpProxy>();
for (const { transport } of servers) {
  const conditions = { lossRate: loss, latencyMs: 20, jitterMs: 5, duplicateRate: loss / 2 };
  const proxy = await LossyUdpProxy.start({
    target: transport.localAddress,
    conditions: { upstream: conditions, downstream: conditions },
    random: createSeededRandom(transport.localAddress.port),
  });
  proxies.set(addressKey(transport.localAddress), proxy);
}
const via = (assigned: PeerAddress) => proxies.get(addressKey(assigned))?.address ?? assigned;
log(`${players} bots, first to ${scoreToWin}, ${Math.round(loss * 100)}% loss each way through the proxy`);

const outcomes: BotOutcome[] = [];
const failures: string[] = [];
let stopping = false;
async function bot(n: number): Promise<void> {
  const playerId = `bot${String(n).padStart(3, '0')}`;
  const authorization = `Bearer ${await signMatchToken(matchSecret, playerId)}`;
  do {
    try {
      const outcome = await playMatch({
        matchServerUrl: matchUrl,
        authorization,
        playerId,
        rating: 1500 + Math.round((random.next() - 0.5) * 80),
        skill: 0.2 + random.next() * 0.4,
        random,
        via,
      });
      outcomes.push(outcome);
      if (outcome.won) log(`${playerId} beat ${outcome.assignment.opponent_id} ${outcome.score.join(':')}`);
    } catch (err) {
      failures.push(`${playerId}: ${(err as Error).message}`);
    }
  } while (forever && !stopping);
}

process.once('SIGINT', () => {
  stopping = true;
  log('stopping after the current matches');
});
await Promise.all(Array.from({ length: players }, (_, i) => bot(i + 1)));

console.log('\nMatches');
console.table(
  results.map((r) => ({
    room: r.roomId,
    winner: r.winnerId ?? '-',
    score: `${r.score1}:${r.score2}`,
    ticks: r.ticks,
    seconds: (r.ticks / 60).toFixed(1),
    ending: r.ending,
  })),
);
await reporter.flushed();
console.log('\nRatings (Elo, K=32, from the reported results)');
const { rows: ratings } = await sql.query<{ id: string; rating: number }>(
  'SELECT id, rating FROM players ORDER BY rating DESC, id',
);
console.table(ratings.map((p) => ({ player: p.id, rating: p.rating })));
if (reporter.stats.acknowledged !== results.length)
  failures.push(`results: ${JSON.stringify(reporter.stats)} for ${results.length} matches`);
reporter.close();
console.log('\nPlayers');
console.table(
  outcomes.map((o) => ({
    player: o.playerId,
    opponent: o.assignment.opponent_id,
    server: o.assignment.game_server,
    won: o.won,
    snapshots: o.snapshotsDecoded,
    'rtt ms': o.rttMs.toFixed(1),
  })),
);
console.log('\nWhat Prometheus sees');
console.table(await summarizeMetrics([...servers.map((s) => s.metrics), matchMetrics]));
if (failures.length > 0) console.log(`\nFailures:\n${failures.join('\n')}`);

for (const proxy of proxies.values()) await proxy.close();
for (const s of servers) {
  s.server.stop();
  await s.transport.close();
  await s.http.close();
}
await matchServer.close();
await matchHttp.close();
await db.close();
process.exitCode = failures.length === 0 && results.length > 0 ? 0 : 1;
