/**
 * Bench child: our Pong server (through pong-adapter.ts) on real UDP. Reports tick duration
 * (the loop's `onTick`, via `TickObserver`), timer lateness (the tick loop's timers, wrapped),
 * ticks run and skipped, and the process probe.
 */
import { performance } from 'node:perf_hooks';
import { systemTimers, type Timers } from '../../src/core/index.js';
import { serveParent } from './child-ipc.js';
import { type HostedPong, hostPong } from './pong-adapter.js';
import { ProcessProbe, type ProcessWindow, Samples } from './probe.js';

export interface ServerReport {
  tickP50Ms: number;
  tickP99Ms: number;
  latenessP99Ms: number;
  ticksPerSecond: number;
  skippedTicks: number;
  clients: number;
  disconnects: Record<string, number>;
  /** Client-to-server datagrams per connected client per second. */
  datagramsInPerClientSecond: number;
  /** Server-to-client bytes on the wire per connected client per second. */
  bytesPerClientSecond: number;
  process: ProcessWindow;
}

const tickMs = new Samples();
const lateMs = new Samples();
/** The tick loop's timers, measuring how late each one fires. */
const timers: Timers = {
  setTimeout(callback, ms) {
    const due = performance.now() + ms;
    return systemTimers.setTimeout(() => {
      lateMs.add(performance.now() - due);
      callback();
    }, ms);
  },
  clearTimeout: (handle) => systemTimers.clearTimeout(handle),
};

const probe = new ProcessProbe();
let hosted: HostedPong | undefined;
let ticksAt = 0;
let skippedAt = 0;
let sentAt = { datagrams: 0, bytes: 0 };
let receivedAt = 0;

serveParent({
  async setup(data) {
    const { rooms } = data as { rooms: number };
    hosted = await hostPong({
      rooms,
      tickObserver: { tick: (seconds) => tickMs.add(seconds * 1000) },
      timers,
      socketBufferBytes: 8 * 2 ** 20,
    });
    if (process.env.BENCH_SERVER_DEBUG) {
      const h = hosted;
      let ticks = 0;
      let sent = 0;
      setInterval(() => {
        const t = h.ticks();
        const d = h.sent().datagrams;
        console.error(
          `server: ${h.connectedClients()} up, ${t - ticks} ticks/s, ${d - sent} sent/s, ${JSON.stringify(h.disconnects())}`,
        );
        ticks = t;
        sent = d;
      }, 1000).unref();
    }
    return hosted.seats;
  },
  begin() {
    tickMs.reset();
    lateMs.reset();
    ticksAt = hosted!.ticks();
    skippedAt = hosted!.skippedTicks();
    sentAt = hosted!.sent();
    receivedAt = hosted!.received();
    probe.begin();
  },
  end(): ServerReport {
    const process = probe.end();
    const h = hosted!;
    const clients = h.connectedClients();
    return {
      tickP50Ms: tickMs.percentile(50),
      tickP99Ms: tickMs.percentile(99),
      latenessP99Ms: lateMs.percentile(99),
      ticksPerSecond: (h.ticks() - ticksAt) / process.seconds,
      skippedTicks: h.skippedTicks() - skippedAt,
      clients,
      disconnects: h.disconnects(),
      datagramsInPerClientSecond: (h.received() - receivedAt) / Math.max(1, clients) / process.seconds,
      bytesPerClientSecond: (h.sent().bytes - sentAt.bytes) / Math.max(1, clients) / process.seconds,
      process,
    };
  },
  exit: () => hosted?.close(),
});
