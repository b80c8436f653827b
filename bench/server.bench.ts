/**
 * Game-server capacity, side by side: our Pong server (examples/pong-server on `src/server/`,
 * through bench/server/pong-adapter.ts; players hold connect tokens sealed with the server's key,
 * every packet after the handshake sealed) and the same Pong on Colyseus 0.18 (`@colyseus/core`, 60 Hz
 * simulation, `setPatchRate(1000 / 60)`, `@colyseus/sdk` bots). For each room count the server
 * runs in one child process and every player (2 per room) in a second one, over real sockets on
 * 127.0.0.1; each step starts fresh processes, lets them settle, then measures a window.
 *
 * Columns: tick p50/p99 (ours: the tick loop's `onTick`; Colyseus: the sum of every room's
 * simulation step + patch in each 16.7 ms frame), timer lateness p99 (how late the tick timer
 * fired; Colyseus: each room's interval), event-loop delay p99 and utilisation, ticks/s (per
 * room for Colyseus), bytes on the wire per client per second as the bots received them, and
 * CPU / RSS of each process, also per connected client.
 *
 * Environment: BENCH_SERVER_ROOMS (default 100,250,500,750,1000), BENCH_SERVER_MS (measured
 * window per step, default 6000), BENCH_SERVER_WARMUP_MS (default 2500), BENCH_SERVER_SYSTEMS
 * (netcode,colyseus), BENCH_SERVER_BOTS (one-timer, per-client or both: how our bots are timed),
 * BENCH_SERVER_PROFILE (a directory: each child CPU-profiles its measured window into it; summarise
 * with `npx tsx bench/server/profile-summary.ts <file>`), BENCH_SERVER_DEBUG=1 (the children print
 * their connected count, tick rate and disconnects every second).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { printTable } from './format.js';
import { Child } from './server/child-ipc.js';
import type { ColyseusBotReport } from './server/colyseus-bots.js';
import type { ColyseusServerReport } from './server/colyseus-server.js';
import { measureSendCost } from './server/dgram-send-cost.js';
import type { BotReport, BotSetup, BotTimers } from './server/netcode-bots.js';
import type { ServerReport } from './server/netcode-server.js';
import type { PongSeats } from './server/pong-adapter.js';
import type { ProcessWindow } from './server/probe.js';

const env = process.env;
const ROOMS = (env.BENCH_SERVER_ROOMS ?? '100,250,500,750,1000').split(',').map(Number);
const WINDOW_MS = Number(env.BENCH_SERVER_MS ?? 6000);
const WARMUP_MS = Number(env.BENCH_SERVER_WARMUP_MS ?? 2500);
const SYSTEMS = (env.BENCH_SERVER_SYSTEMS ?? 'netcode,colyseus').split(',');
const BOT_MODES: BotTimers[] =
  env.BENCH_SERVER_BOTS === 'both'
    ? ['one-timer', 'per-client']
    : [(env.BENCH_SERVER_BOTS ?? 'one-timer') as BotTimers];
const BAR_MS = 15;

const here = (file: string) => new URL(`./server/${file}`, import.meta.url);

interface Row {
  system: string;
  rooms: number;
  clients: number;
  tickP50: number;
  tickP99: number;
  lateP99: number;
  eldP99: number;
  elu: number;
  ticksPerSecond: number;
  bytesPerClient: number;
  /** Client-to-server datagrams per client per second (ours only). */
  datagramsIn: number | undefined;
  serverCpu: number;
  serverRss: number;
  serverMicrosPerClientTick: number;
  botCpu: number;
  botRss: number;
  botMicrosPerClientTick: number;
}

/** CPU µs per connected client per tick the server actually ran (a starved server runs fewer). */
function perClientTick(p: ProcessWindow, clients: number, ticksPerSecond: number): number {
  return p.cpuMicros / Math.max(1, clients) / Math.max(1, ticksPerSecond * p.seconds);
}

async function measure(server: Child, bots: Child) {
  await sleep(WARMUP_MS);
  server.begin();
  bots.begin();
  await sleep(WINDOW_MS);
  return Promise.all([server.end<unknown>(), bots.end<unknown>()]);
}

async function netcodeStep(rooms: number, timers: BotTimers): Promise<Row> {
  const server = new Child(here('netcode-server.ts'), { BENCH_CHILD_NAME: `netcode-server-${rooms}` });
  const bots = new Child(here('netcode-bots.ts'), { BENCH_CHILD_NAME: `netcode-bots-${timers}-${rooms}` });
  try {
    const seats = await server.setup<PongSeats>({ rooms });
    const { connected } = await bots.setup<{ connected: number }>({ seats, timers } satisfies BotSetup);
    if (connected !== 2 * rooms) console.error(`netcode ${rooms} rooms: ${connected}/${2 * rooms} connected`);
    const [s, b] = (await measure(server, bots)) as [ServerReport, BotReport];
    const ended = Object.entries(s.disconnects).filter(([, n]) => n > 0);
    if (ended.length > 0)
      console.error(
        `netcode ${rooms} rooms: server-side disconnects ${JSON.stringify(Object.fromEntries(ended))}`,
      );
    if (Object.keys(b.disconnects).length > 0)
      console.error(`netcode ${rooms} rooms: bot-side disconnects ${JSON.stringify(b.disconnects)}`);
    console.error(`netcode ${rooms} rooms: connecting took ${b.connectSeconds.toFixed(1)} s`);
    if (b.snapshotErrors > 0)
      console.error(`netcode ${rooms} rooms: ${b.snapshotErrors} snapshot decode errors`);
    return {
      system: timers === 'one-timer' ? 'netcode' : 'netcode (bots per-client timers)',
      rooms,
      clients: s.clients,
      tickP50: s.tickP50Ms,
      tickP99: s.tickP99Ms,
      lateP99: s.latenessP99Ms,
      eldP99: s.process.eventLoopDelayP99Ms,
      elu: s.process.elu,
      ticksPerSecond: s.ticksPerSecond,
      bytesPerClient: b.bytesPerClientSecond,
      datagramsIn: s.datagramsInPerClientSecond,
      serverCpu: s.process.cpu,
      serverRss: s.process.rssMiB,
      serverMicrosPerClientTick: perClientTick(s.process, s.clients, s.ticksPerSecond),
      botCpu: b.process.cpu,
      botRss: b.process.rssMiB,
      botMicrosPerClientTick: perClientTick(b.process, b.connected, s.ticksPerSecond),
    };
  } finally {
    await Promise.all([bots.exit(), server.exit()]);
  }
}

async function colyseusStep(rooms: number): Promise<Row> {
  const server = new Child(here('colyseus-server.ts'), {}, [
    '--import',
    fileURLToPath(here('schema-5-register.mjs')),
  ]);
  const bots = new Child(here('colyseus-bots.ts'), {});
  try {
    const { port } = await server.setup<{ port: number }>({ rooms });
    const { connected } = await bots.setup<{ connected: number }>({ port, rooms });
    if (connected !== rooms * 2)
      console.error(`colyseus ${rooms} rooms: ${connected}/${rooms * 2} connected`);
    const [s, b] = (await measure(server, bots)) as [ColyseusServerReport, ColyseusBotReport];
    return {
      system: 'colyseus',
      rooms,
      clients: s.clients,
      tickP50: s.frameP50Ms,
      tickP99: s.frameP99Ms,
      lateP99: s.latenessP99Ms,
      eldP99: s.process.eventLoopDelayP99Ms,
      elu: s.process.elu,
      ticksPerSecond: s.ticksPerSecondPerRoom,
      bytesPerClient: b.bytesPerClientSecond,
      datagramsIn: undefined,
      serverCpu: s.process.cpu,
      serverRss: s.process.rssMiB,
      serverMicrosPerClientTick: perClientTick(s.process, s.clients, s.ticksPerSecondPerRoom),
      botCpu: b.process.cpu,
      botRss: b.process.rssMiB,
      botMicrosPerClientTick: perClientTick(b.process, b.players, s.ticksPerSecondPerRoom),
    };
  } finally {
    await Promise.all([bots.exit(), server.exit()]);
  }
}

export async function run(): Promise<void> {
  const rows: Row[] = [];
  for (const system of SYSTEMS) {
    for (const rooms of ROOMS) {
      if (system === 'colyseus') rows.push(await colyseusStep(rooms));
      else for (const timers of BOT_MODES) rows.push(await netcodeStep(rooms, timers));
      const r = rows.at(-1)!;
      console.error(
        `  ${r.system} ${rooms} rooms: tick p99 ${r.tickP99.toFixed(1)} ms, lateness p99 ${r.lateP99.toFixed(1)} ms`,
      );
    }
  }
  printTable(
    `Pong server, ${WINDOW_MS / 1000} s per step after ${WARMUP_MS / 1000} s warm-up, 2 players per room, 60 Hz ticks and snapshots (ms unless said; CPU as a share of one core; µs/cl/tick = CPU per connected client per tick the server ran)`,
    rows.map((r) => ({
      server: r.system,
      rooms: r.rooms,
      clients: r.clients,
      'tick p50': r.tickP50,
      'tick p99': r.tickP99,
      'late p99': r.lateP99,
      'ELD p99': r.eldP99,
      ELU: r.elu,
      'ticks/s': r.ticksPerSecond,
      'B/client/s': Math.round(r.bytesPerClient),
      'in dgrams/cl/s': r.datagramsIn === undefined ? '' : r.datagramsIn,
      'srv CPU': r.serverCpu,
      'srv RSS MiB': r.serverRss,
      'srv KiB/cl': Math.round((r.serverRss * 1024) / Math.max(1, r.clients)),
      'srv µs/cl/tick': r.serverMicrosPerClientTick,
      'bot CPU': r.botCpu,
      'bot RSS MiB': r.botRss,
      'bot µs/cl/tick': r.botMicrosPerClientTick,
    })),
  );
  console.log(`\nLargest room count with tick p99 and lateness p99 both under ${BAR_MS} ms:`);
  for (const system of new Set(rows.map((r) => r.system))) {
    const ok = rows.filter((r) => r.system === system && r.tickP99 < BAR_MS && r.lateP99 < BAR_MS);
    const best = ok.length === 0 ? 'none of those measured' : String(Math.max(...ok.map((r) => r.rooms)));
    console.log(`- ${system}: ${best}`);
  }
  const cost = await measureSendCost();
  printTable('node:dgram send, sender CPU per 40-byte datagram (receiver in another process), interleaved', [
    { send: 'with a completion callback (UdpTransport today)', 'µs/datagram': cost.withCallbackMicros },
    { send: 'without (errors through the socket error event)', 'µs/datagram': cost.withoutCallbackMicros },
  ]);
}
