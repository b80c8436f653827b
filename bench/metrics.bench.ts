/**
 * Cost of instrumentation: the same work with a MetricsCollector attached and detached, side by
 * side in one run. Both variants are built once and warmed up, then timed in short chunks that
 * alternate (in alternating order); the overhead is the median of the paired ratios, so a
 * change in the machine's load between chunks hits both sides of a pair alike. Work is timed in
 * CPU time of this process (`process.cpuUsage`), which other processes on a busy machine disturb
 * far less than wall time.
 */
import { Histogram, Registry } from 'prom-client';
import { ManualClock } from '../src/core/index.js';
import { MetricsCollector } from '../src/metrics/index.js';
import { type ChannelObserver, ReliableUdpChannel } from '../src/reliability/index.js';
import type { TickObserver } from '../src/server/index.js';
import { printTable } from './format.js';

const ROUNDS = 31;

/** CPU time (user + system) this process has used, in seconds. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A workload: `chunk()` runs a fixed amount of work and returns [units done, seconds]. */
type Workload = () => [number, number];

/** Alternates the two variants ROUNDS times; medians of each and of the paired cost ratio. */
function compare(detached: Workload, attached: Workload) {
  for (let i = 0; i < 3; i++) {
    detached();
    attached();
  }
  const d: number[] = [];
  const a: number[] = [];
  const ratio: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [detached, attached] : [attached, detached];
    const results = order.map((w) => {
      const [units, seconds] = w();
      return seconds / units;
    });
    const [dc, ac] = round % 2 === 0 ? results : [results[1]!, results[0]!];
    d.push(dc!);
    a.push(ac!);
    ratio.push(ac! / dc! - 1);
  }
  return { detached: median(d), attached: median(a), overhead: median(ratio) };
}

/** Two channels back to back in memory. */
interface Pair {
  readonly clock: ManualClock;
  readonly a: ReliableUdpChannel;
  readonly b: ReliableUdpChannel;
  readonly toA: Uint8Array[];
  readonly toB: Uint8Array[];
  frame: number;
}

function makePair(observer: ChannelObserver | undefined): Pair {
  const clock = new ManualClock();
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const a = new ReliableUdpChannel({ clock, observer, send: (p) => toB.push(p) });
  const b = new ReliableUdpChannel({ clock, observer, send: (p) => toA.push(p) });
  return { clock, a, b, toA, toB, frame: 0 };
}

const STATE = new Uint8Array(96).fill(7);
const INPUT = new Uint8Array(12).fill(3);

/**
 * 2,000 frames of traffic each way through a pair; one function for both variants, so both run
 * the same optimised code and differ only by the observer. Timed in CPU seconds.
 */
function runPair(pair: Pair): [number, number] {
  const { clock, a, b, toA, toB } = pair;
  let packets = 0;
  const t0 = cpuSeconds();
  for (let i = 0; i < 2000; i++) {
    a.send(STATE, 'sequenced');
    if (pair.frame % 4 === 0) a.send(INPUT, 'reliable');
    b.send(INPUT, 'unreliable');
    clock.advance(16);
    a.update();
    b.update();
    packets += toB.length + toA.length;
    for (const p of toB) b.receive(p);
    for (const p of toA) a.receive(p);
    toB.length = 0;
    toA.length = 0;
    pair.frame++;
  }
  return [packets, cpuSeconds() - t0];
}

/** A server of 32 clients, each a channel pair (server side observed, client side not). */
interface Server {
  readonly clock: ManualClock;
  readonly peers: {
    server: ReliableUdpChannel;
    client: ReliableUdpChannel;
    toServer: Uint8Array[];
    toClient: Uint8Array[];
  }[];
  readonly tickObserver: TickObserver | undefined;
  tick: number;
}

function makeServer(observer: ChannelObserver | undefined, tickObserver: TickObserver | undefined): Server {
  const clock = new ManualClock();
  const peers = Array.from({ length: 32 }, () => {
    const toServer: Uint8Array[] = [];
    const toClient: Uint8Array[] = [];
    const server = new ReliableUdpChannel({ clock, observer, send: (p) => toClient.push(p) });
    const client = new ReliableUdpChannel({ clock, send: (p) => toServer.push(p) });
    return { server, client, toServer, toClient };
  });
  return { clock, peers, tickObserver, tick: 0 };
}

/**
 * 200 server ticks: per tick the server takes in each client's input, sends each its state and
 * updates its channel. Only the server's work is timed (wall time per tick, median of the 200);
 * the clients run between ticks.
 */
function runServer(s: Server): [number, number] {
  const durations: number[] = [];
  for (let n = 0; n < 200; n++, s.tick++) {
    const t = s.tick;
    s.clock.advance(16);
    for (const p of s.peers) {
      p.client.send(INPUT, 'unreliable');
      if (t % 30 === 0) p.client.send(INPUT, 'reliable');
      p.client.update();
    }
    const t0 = process.hrtime.bigint();
    for (const p of s.peers) {
      for (const packet of p.toServer) p.server.receive(packet);
      p.toServer.length = 0;
      p.server.send(STATE, 'sequenced');
      if (t % 10 === 0) p.server.send(INPUT, 'reliable');
      p.server.update();
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    s.tickObserver?.tick(seconds);
    durations.push(seconds);
    for (const p of s.peers) {
      for (const packet of p.toClient) p.client.receive(packet);
      p.toClient.length = 0;
    }
  }
  // The median tick: a tick the scheduler preempted (milliseconds on a busy machine) is an outlier.
  return [1, median(durations)];
}

/** Nanoseconds per call of `fn`, median of 15 runs. */
function perCall(fn: (i: number) => void): number {
  const n = 1_000_000;
  const runs: number[] = [];
  for (let round = 0; round < 15; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(runs);
}

export async function run(): Promise<void> {
  const collector = new MetricsCollector({ labels: { server_id: 'bench' } });
  const detachedPair = makePair(undefined);
  const attachedPair = makePair(collector.channelObserver);
  const tp = compare(
    () => runPair(detachedPair),
    () => runPair(attachedPair),
  );
  const detachedServer = makeServer(undefined, undefined);
  const attachedServer = makeServer(collector.channelObserver, collector.tickObserver);
  const tick = compare(
    () => runServer(detachedServer),
    () => runServer(attachedServer),
  );
  // The same comparison with nothing attached on either side: the noise floor of this machine.
  const otherPair = makePair(undefined);
  const floor = compare(
    () => runPair(detachedPair),
    () => runPair(otherPair),
  );
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  printTable(`Instrumentation cost (medians of ${ROUNDS} alternating rounds)`, [
    {
      workload: 'ReliableUdpChannel pair in memory, packets/s',
      detached: Math.round(1 / tp.detached),
      attached: Math.round(1 / tp.attached),
      overhead: pct(tp.overhead),
    },
    {
      workload: 'server tick, 32 clients, µs per tick',
      detached: tick.detached * 1e6,
      attached: tick.attached * 1e6,
      overhead: pct(tick.overhead),
    },
    {
      workload: 'noise floor: channel pair, detached vs detached',
      detached: Math.round(1 / floor.detached),
      attached: Math.round(1 / floor.attached),
      overhead: pct(floor.overhead),
    },
  ]);

  // Why the observers add to plain numbers instead of calling prom-client on the hot path.
  const registry = new Registry();
  const promHistogram = new Histogram({
    name: 'packet_size_bytes',
    help: 'h',
    labelNames: ['server_id', 'direction'],
    buckets: [16, 32, 64, 128, 256, 384, 512, 768, 1024, 1200, 1400, 1500],
    registers: [registry],
  }).labels('bench', 'sent');
  const observer = collector.channelObserver;
  const scrapes: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = process.hrtime.bigint();
    await collector.registry.metrics();
    scrapes.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  printTable('Per-call cost', [
    {
      operation: 'channelObserver.packetSent (count + size histogram), ns',
      cost: perCall((i) => observer.packetSent?.(i & 1023)),
    },
    {
      operation: 'channelObserver.packetReceived, ns',
      cost: perCall((i) => observer.packetReceived?.(i & 255)),
    },
    {
      operation: 'channelObserver.rttSample (float histogram), ns',
      cost: perCall((i) => observer.rttSample?.((i & 255) / 1000)),
    },
    { operation: 'channelObserver.retry (count), ns', cost: perCall(() => observer.retry?.()) },
    {
      operation: 'prom-client Histogram.labels(...).observe, ns',
      cost: perCall((i) => promHistogram.observe(i & 1023)),
    },
    { operation: 'one scrape, registry.metrics(), µs', cost: median(scrapes) },
  ]);
}
