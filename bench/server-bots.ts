/**
 * The client half of `bench/server.bench.ts`: every player of every room in one process, each
 * with its own UDP socket, ConnectionClient and RoomClient, all driven by ONE 60 Hz timer (update,
 * then one input frame each). Reads the server's ready line on stdin; measures for the given
 * seconds once all are connected and prints `{"bots":{...}}`, then keeps playing until killed.
 * Usage: node --import tsx bench/server-bots.ts <seconds>  (ready line on stdin)
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { encodeInput, PONG_INPUT_BYTES } from '../examples/pong-server/pong-messages.js';
import { PONG_IDS, type PongEntities, pongSchema } from '../examples/pong-server/pong-schema.js';
import { PONG_PROTOCOL_ID } from '../examples/pong-server/pong-server.js';
import { createSeededRandom, epochClock, systemClock } from '../src/core/index.js';
import { encodeMatchRoster } from '../src/matchmaking/index.js';
import { RoomClient } from '../src/server/index.js';
import {
  type Connection,
  ConnectionClient,
  ConnectTokenIssuer,
  decodeConnectToken,
  UdpTransport,
} from '../src/transport/index.js';

const seconds = Number(process.argv[2]);
const lines = createInterface({ input: process.stdin });
const ready = await new Promise<{
  port: number;
  key: string;
  rooms: { roomId: string; players: [string, string] }[];
}>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l).ready)));
const server = { address: '127.0.0.1', port: ready.port };
interface Bot {
  client: ConnectionClient;
  room: RoomClient<PongEntities> | undefined;
  connection: Connection | undefined;
}
const bots: Bot[] = [];
const random = createSeededRandom(9);
const serverAddress = `127.0.0.1:${ready.port}`;
const issuer = new ConnectTokenIssuer({
  key: { id: 1, key: Buffer.from(ready.key, 'hex') },
  protocolId: PONG_PROTOCOL_ID,
  clock: epochClock,
  random,
  expiresInMs: 10 * 60_000,
});
const UP = encodeInput(-1);
const STILL = encodeInput(0);
const DOWN = encodeInput(1);
for (const [i, r] of ready.rooms.entries()) {
  for (const playerId of r.players) {
    const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const client = new ConnectionClient({
      transport,
      server,
      token: decodeConnectToken(
        issuer.issue({
          playerId,
          matchId: `m${i}`,
          roomId: r.roomId,
          serverAddress,
          userData: encodeMatchRoster(r.players)!,
        }),
      ),
      clock: systemClock,
      random,
    });
    const bot: Bot = { client, room: undefined, connection: undefined };
    client.on('connect', (connection) => {
      bot.connection = connection;
      bot.room = new RoomClient({
        connection,
        schema: pongSchema,
        inputSize: PONG_INPUT_BYTES,
        clock: systemClock,
      });
    });
    // A handshake that times out on a loaded machine is tried again.
    const connect = (): void => {
      client.connect().catch(() => setTimeout(connect, 500));
    };
    connect();
    bots.push(bot);
  }
}

// One timer for every client.
setInterval(() => {
  for (const bot of bots) {
    bot.client.update();
    const room = bot.room;
    if (room?.seat === undefined || !bot.connection?.connected) continue;
    const s = room.latest;
    let input = STILL;
    if (s !== undefined) {
      const ball = s.entities.get(PONG_IDS.ball) as { y: number } | undefined;
      const paddle = s.entities.get(room.seat === 0 ? PONG_IDS.paddle1 : PONG_IDS.paddle2) as
        | { y: number }
        | undefined;
      if (ball && paddle) input = ball.y < paddle.y - 15 ? UP : ball.y > paddle.y + 15 ? DOWN : STILL;
    }
    room.sendInput(input);
  }
}, 1000 / 60);

const deadline = performance.now() + 120_000;
while (bots.some((b) => b.room?.seat === undefined) && performance.now() < deadline)
  await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 2_000));
const elu0 = performance.eventLoopUtilization();
const cpu0 = process.cpuUsage();
const decoded0 = bots.reduce((n, b) => n + (b.room?.snapshots.counters.decoded ?? 0), 0);
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const decoded = bots.reduce((n, b) => n + (b.room?.snapshots.counters.decoded ?? 0), 0) - decoded0;
console.log(
  JSON.stringify({
    bots: {
      seated: bots.filter((b) => b.room?.seat !== undefined).length,
      elu: performance.eventLoopUtilization(elu0).utilization,
      cpu: (cpu.user + cpu.system) / 1e6 / wall,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      snapshotsPerClientSecond: decoded / bots.length / wall,
    },
  }),
);
