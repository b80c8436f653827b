/**
 * Bench child: every Pong player in one process, over real UDP (one socket per player, as
 * players on separate machines would have), each with a `ConnectionClient` holding its sealed
 * connect token and a `RoomClient`. `one-timer` (the default) drives every client from ONE
 * drift-free 60 Hz timer: each tick a bot sends its input frame (input, the inputs before it and
 * the snapshot ack) and `update()`s its client, which flushes it in one datagram.
 * `per-client` is the shape of examples/pong-server/bot-player.ts (each client `start(10)` plus
 * its own 60 Hz input interval), kept to compare the two in one run.
 */
import { performance } from 'node:perf_hooks';
import { createSeededRandom, systemClock } from '../../src/core/index.js';
import { RoomClient } from '../../src/server/index.js';
import type { DecodedSnapshot } from '../../src/snapshot/index.js';
import { type Connection, ConnectionClient, UdpTransport } from '../../src/transport/index.js';
import { serveParent } from './child-ipc.js';
import {
  botInput,
  inputBytes,
  issueTokens,
  PONG_IDS,
  PONG_INPUT_BYTES,
  type PongEntities,
  type PongSeats,
  type PongState,
  pongSchema,
} from './pong-adapter.js';
import { ProcessProbe, type ProcessWindow, Samples } from './probe.js';

export type BotTimers = 'one-timer' | 'per-client';

export interface BotSetup {
  seats: PongSeats;
  timers: BotTimers;
}
export interface BotReport {
  players: number;
  connected: number;
  /** Bytes received on the wire per player per second. */
  bytesPerClientSecond: number;
  snapshotsPerClientSecond: number;
  snapshotErrors: number;
  /** Client-side connection ends (and failed connects), by reason. */
  disconnects: Record<string, number>;
  /** Seconds the connects took. */
  connectSeconds: number;
  /** The shared timer's work per tick (one-timer only). */
  tickP99Ms: number;
  process: ProcessWindow;
}

const RATE = 60;
const random = createSeededRandom(3);
const probe = new ProcessProbe();
const tickMs = new Samples();

interface Bot {
  transport: UdpTransport;
  client: ConnectionClient;
  room: RoomClient<PongEntities> | undefined;
  connection: Connection | undefined;
  seen: PongState;
  hasState: boolean;
  interval?: NodeJS.Timeout;
}

const bots: Bot[] = [];
let mode: BotTimers = 'one-timer';
let timer: NodeJS.Timeout | undefined;
let running = true;
let decodedAt = 0;
let bytesAt = 0;
let connectSeconds = 0;
const disconnects: Record<string, number> = {};

function newState(): PongState {
  return {
    ballX: 400,
    ballY: 300,
    ballVX: 0,
    ballVY: 0,
    paddle1Y: 300,
    paddle2Y: 300,
    score1: 0,
    score2: 0,
    winner: 0,
  };
}

/** Reads what a bot needs from a snapshot into its own state, in place. */
function see(bot: Bot, snapshot: DecodedSnapshot<PongEntities>): void {
  const s = bot.seen;
  const entities = snapshot.entities as ReadonlyMap<number, Record<string, unknown>>;
  const ball = entities.get(PONG_IDS.ball) as { x: number; y: number } | undefined;
  if (ball !== undefined) {
    s.ballVX = bot.hasState ? ball.x - s.ballX : 0;
    s.ballVY = bot.hasState ? ball.y - s.ballY : 0;
    s.ballX = ball.x;
    s.ballY = ball.y;
  }
  s.paddle1Y = (entities.get(PONG_IDS.paddle1) as { y: number } | undefined)?.y ?? s.paddle1Y;
  s.paddle2Y = (entities.get(PONG_IDS.paddle2) as { y: number } | undefined)?.y ?? s.paddle2Y;
  bot.hasState = true;
}

function onConnected(bot: Bot, connection: Connection): void {
  bot.connection = connection;
  const room = new RoomClient({
    connection,
    schema: pongSchema,
    inputSize: PONG_INPUT_BYTES,
    clock: systemClock,
  });
  room.on('snapshot', (snapshot) => see(bot, snapshot));
  bot.room = room;
  connection.on('disconnect', () => {
    bot.connection = undefined;
  });
  if (mode === 'per-client') {
    bot.interval = setInterval(() => sendInput(bot), 1000 / RATE);
  }
}

function sendInput(bot: Bot): void {
  const room = bot.room;
  const seat = room?.seat;
  if (room === undefined || seat === undefined || !bot.connection?.connected) return;
  // Before the first snapshot: the frame carries no new input, only what an ack would.
  if (!bot.hasState) room.sendAck();
  else room.sendInput(inputBytes(botInput(bot.seen, (seat + 1) as 1 | 2, 0.95, random)));
}

/** The one timer: tick n is due at start + n / RATE. */
function startTimer(): void {
  const start = performance.now();
  let n = 0;
  const run = () => {
    if (!running) return;
    const began = performance.now();
    for (const bot of bots) {
      sendInput(bot);
      bot.client.update();
    }
    const now = performance.now();
    tickMs.add(now - began);
    n = Math.max(n + 1, Math.floor(((now - start) * RATE) / 1000));
    timer = setTimeout(run, Math.max(0, start + (n * 1000) / RATE - now));
  };
  run();
}

function decodedTotal(): number {
  let n = 0;
  for (const b of bots) n += b.room?.snapshots.counters.decoded ?? 0;
  return n;
}

function bytesTotal(): number {
  let n = 0;
  for (const b of bots) n += b.transport.counters.bytesReceived;
  return n;
}

serveParent({
  async setup(data) {
    const setup = data as BotSetup;
    mode = setup.timers;
    const server = { address: '127.0.0.1', port: setup.seats.port };
    const tokens = issueTokens(setup.seats, random);
    const transports = await Promise.all(tokens.map(() => UdpTransport.bind({ host: '127.0.0.1', port: 0 })));
    for (let i = 0; i < tokens.length; i++) {
      const transport = transports[i]!;
      const client = new ConnectionClient({
        transport,
        server,
        token: tokens[i]!,
        clock: systemClock,
        random,
        connectTimeoutMs: 30_000,
        handshakeRetryMs: 250,
      });
      const bot: Bot = {
        transport,
        client,
        room: undefined,
        connection: undefined,
        seen: newState(),
        hasState: false,
      };
      client.on('connect', (connection) => onConnected(bot, connection));
      client.on('disconnect', (reason) => {
        disconnects[reason] = (disconnects[reason] ?? 0) + 1;
      });
      bots.push(bot);
    }
    if (process.env.BENCH_SERVER_DEBUG) {
      let lastTick = 0;
      setInterval(() => {
        const up = bots.filter((b) => b.connection !== undefined).length;
        const t = tickMs.count;
        console.error(
          `bots: ${up} up, ${t - lastTick} ticks/s, p99 ${tickMs.percentile(99).toFixed(1)} ms, ${JSON.stringify(disconnects)}`,
        );
        lastTick = t;
      }, 1000).unref();
    }
    if (mode === 'one-timer') startTimer();
    else for (const bot of bots) bot.client.start(10);
    // Connect in waves, so the server's pending-validation limit is not the thing measured.
    let failed = 0;
    const began = performance.now();
    for (let i = 0; i < bots.length; i += 200) {
      const wave = bots.slice(i, i + 200).map((b) => b.client.connect());
      for (const r of await Promise.allSettled(wave)) if (r.status === 'rejected') failed++;
    }
    connectSeconds = (performance.now() - began) / 1000;
    return { connected: bots.length - failed };
  },
  begin() {
    tickMs.reset();
    decodedAt = decodedTotal();
    bytesAt = bytesTotal();
    probe.begin();
  },
  end(): BotReport {
    const process = probe.end();
    const players = bots.length;
    const connected = bots.filter((b) => b.connection !== undefined).length;
    let errors = 0;
    for (const b of bots) {
      const c = b.room?.snapshots.counters;
      if (c !== undefined) errors += c.malformed + c.truncated + c.unknownBaseline + c.schemaMismatch;
    }
    return {
      players,
      connected,
      bytesPerClientSecond: (bytesTotal() - bytesAt) / Math.max(1, connected) / process.seconds,
      snapshotsPerClientSecond: (decodedTotal() - decodedAt) / Math.max(1, connected) / process.seconds,
      snapshotErrors: errors,
      disconnects,
      connectSeconds,
      tickP99Ms: tickMs.percentile(99),
      process,
    };
  },
  async exit() {
    running = false;
    clearTimeout(timer);
    for (const b of bots) {
      clearInterval(b.interval);
      b.client.close();
    }
    await Promise.all(bots.map((b) => b.transport.close()));
  },
});
