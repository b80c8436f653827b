/**
 * The server half of `bench/server.bench.ts`: one PongServer process with N rooms (first to 99, so
 * no match ends during the run) on real UDP. Prints `{"ready":{port,rooms}}`, waits until every
 * player is connected, measures for the given seconds and prints `{"server":{...}}`.
 * Usage: node --import tsx bench/server-process.ts <rooms> <seconds> [snapshotRate]
 */

import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { PONG_PROTOCOL_ID, PongServer } from '../examples/pong-server/pong-server.js';
import { createSeededRandom, epochClock, systemTimers, type Timers } from '../src/core/index.js';
import { MemoryRoomManager } from '../src/matchmaking/index.js';
import { ConnectTokenVerifier, UdpTransport } from '../src/transport/index.js';

const rooms = Number(process.argv[2]);
const seconds = Number(process.argv[3]);
const snapshotRate = Number(process.argv[4] ?? 60);
const store = new MemoryRoomManager({ random: createSeededRandom(1) });
const list: { roomId: string; players: [string, string] }[] = [];
for (let i = 0; i < rooms; i++) {
  const players: [string, string] = [`p${i}a`, `p${i}b`];
  list.push({ roomId: await store.createRoom(`m${i}`, players), players });
}

let measuring = false;
const tickMs: number[] = [];
const lateMs: number[] = [];
const timers: Timers = {
  setTimeout(cb, ms) {
    const due = performance.now() + ms;
    return systemTimers.setTimeout(() => {
      if (measuring) lateMs.push(performance.now() - due);
      cb();
    }, ms);
  },
  clearTimeout: (h) => systemTimers.clearTimeout(h),
};
const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
// The bots' tokens are sealed with this key (sent to them on the ready line), as a match server's would be.
const key = randomBytes(32);
const server = new PongServer({
  transport,
  connectTokens: new ConnectTokenVerifier({
    keys: [{ id: 1, key }],
    protocolId: PONG_PROTOCOL_ID,
    serverAddresses: [`127.0.0.1:${transport.localAddress.port}`],
    clock: epochClock,
  }),
  rooms: store,
  random: createSeededRandom(2),
  scoreToWin: 99,
  maxRooms: rooms,
  snapshotRate,
  timers,
  reconnectGraceMs: 60_000,
  // Tick durations as the loop measures them (work only).
  tickObserver: {
    tick: (s) => {
      if (measuring) tickMs.push(s * 1000);
    },
  },
});
server.start();
console.log(
  JSON.stringify({ ready: { port: transport.localAddress.port, key: key.toString('hex'), rooms: list } }),
);

// Until every player is connected, or the count stood still for 5 s (then the row says how many).
const deadline = Date.now() + 120_000;
let last = -1;
let still = Date.now();
while (
  server.connections.connections.size < 2 * rooms &&
  Date.now() < deadline &&
  Date.now() - still < 5_000
) {
  if (server.connections.connections.size !== last) {
    last = server.connections.connections.size;
    still = Date.now();
  }
  await new Promise((r) => setTimeout(r, 100));
}
const connected = server.connections.connections.size;
await new Promise((r) => setTimeout(r, 2_000)); // warm-up
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const elu0 = performance.eventLoopUtilization();
const cpu0 = process.cpuUsage();
const ticks0 = server.host.loop.ticks;
const skipped0 = server.host.loop.skippedTicks;
const sent0 = server.host.counters.snapshotsSent;
const bytes0 = server.connections.counters.bytesSent;
const t0 = performance.now();
measuring = true;
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const elu = performance.eventLoopUtilization(elu0);
delay.disable();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const players = 2 * rooms;
console.log(
  JSON.stringify({
    server: {
      connected,
      tickP50: pct(tickMs, 50),
      tickP99: pct(tickMs, 99),
      lateP99: pct(lateMs, 99),
      loopDelayP99: delay.percentile(99) / 1e6,
      ticksPerSecond: (server.host.loop.ticks - ticks0) / wall,
      skipped: server.host.loop.skippedTicks - skipped0,
      elu: elu.utilization,
      cpu: (cpu.user + cpu.system) / 1e6 / wall,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      snapshotsPerClientSecond: (server.host.counters.snapshotsSent - sent0) / players / wall,
      bytesPerClientSecond: (server.connections.counters.bytesSent - bytes0) / players / wall,
    },
  }),
);
server.stop();
await transport.close();
process.exit(0);
