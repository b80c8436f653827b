/**
 * Cost of instrumentation: the same work with a MetricsCollector attached and detached, side by
 * side in one run. Both variants are built once and warmed up, then run in small steps (some
 * 70 µs of work) that alternate, in alternating order, thousands of times. A GC pause, a
 * preemption or a load change lands in one step of one side, and the median step of each side
 * drops it; the overhead is the ratio of the two medians, with the quartiles of the same ratio
 * per round as its spread. (Process CPU time over 5 ms chunks, tried first, counts the GC and
 * compiler threads too and scattered by +-15%; single long-lived instances per side carried a
 * bias of up to 6% between two detached pairs, hence several instances per side, created
 * interleaved.) The noise floor is the same comparison with nothing attached on either side.
 *
 * Next to the measured A/B stands an accounting estimate that does not depend on the machine's
 * load: the observer calls each packet (or tick) causes, counted, times each call's cost measured
 * alone, over the detached cost per packet (or tick). It is a lower bound: alone, a call finds
 * its data in the cache, which a busy channel's buffers evict.
 */
import { Histogram, Registry } from 'prom-client';
import { ManualClock } from '../src/core/index.js';
import { MetricsCollector } from '../src/metrics/index.js';
import { type ChannelObserver, ReliableUdpChannel } from '../src/reliability/index.js';
import type { TickObserver } from '../src/server/index.js';
import { printTable } from './format.js';

/** Rounds of the comparison; the spread printed is that of the per-round overheads. */
const ROUNDS = 41;
/** Alternating steps per variant and round. */
const STEPS = 100;
/** Frames per step of the channel pair (about 60 packets, some 70 µs). */
const PAIR_FRAMES = 25;

/** Wall time now, in seconds (monotonic, sub-microsecond). */
function seconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A workload step: runs a small fixed amount of work and returns [units done, seconds it took]. */
type Workload = () => [number, number];

/** The value at quantile `q` (0..1) of `values` (nearest rank). */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

interface Comparison {
  /** Median seconds per unit, detached. */
  detached: number;
  /** Median seconds per unit, attached. */
  attached: number;
  /** attached / detached - 1. */
  overhead: number;
  /** Quartiles of the overhead measured per round. */
  low: number;
  high: number;
}

/**
 * Alternates the two variants step by step (a step is tens of microseconds, so a load change,
 * a GC pause or a preemption lands in one step of one side and the medians drop it), in
 * alternating order. The cost of each side is the median time per unit of all its steps; the
 * overhead is the ratio of the two, and its spread the quartiles of the same ratio per round.
 */
function compare(detached: Workload, attached: Workload): Comparison {
  for (let i = 0; i < 10 * STEPS; i++) {
    detached();
    attached();
  }
  const d: number[] = [];
  const a: number[] = [];
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rd: number[] = [];
    const ra: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      if (step % 2 === 0) {
        rd.push(perUnit(detached()));
        ra.push(perUnit(attached()));
      } else {
        ra.push(perUnit(attached()));
        rd.push(perUnit(detached()));
      }
    }
    perRound.push(median(ra) / median(rd) - 1);
    d.push(...rd);
    a.push(...ra);
  }
  const dm = median(d);
  const am = median(a);
  return {
    detached: dm,
    attached: am,
    overhead: am / dm - 1,
    low: quantile(perRound, 0.25),
    high: quantile(perRound, 0.75),
  };
}

function perUnit([units, time]: [number, number]): number {
  return time / units;
}

/** Members of ChannelObserver and TickObserver the accounting counts calls of. */
const CALLS = [
  'packetSent',
  'packetReceived',
  'rttSample',
  'packetLost',
  'retry',
  'timeout',
  'duplicateDropped',
  'packetDropped',
  'tick',
] as const;
type Calls = Record<(typeof CALLS)[number], number>;

/** An observer that counts its calls (to learn how many calls a packet or tick causes). */
function countingObserver(): ChannelObserver & TickObserver & { calls: Calls } {
  const calls = Object.fromEntries(CALLS.map((k) => [k, 0])) as Calls;
  return {
    calls,
    packetSent: () => void calls.packetSent++,
    packetReceived: () => void calls.packetReceived++,
    rttSample: () => void calls.rttSample++,
    packetLost: () => void calls.packetLost++,
    retry: () => void calls.retry++,
    timeout: () => void calls.timeout++,
    duplicateDropped: () => void calls.duplicateDropped++,
    packetDropped: () => void calls.packetDropped++,
    tick: () => void calls.tick++,
    activeRooms: () => {},
  };
}

/**
 * Pairs per side: each step runs the next pair in turn. Where an instance's buffers fall in
 * memory, and how long it has lived, shift its speed by a few percent (a single long-used pair
 * against a fresh one showed that bias); several instances per side, created interleaved, age
 * alike and average it out.
 */
const PAIRS = 8;

/**
 * Two workloads, each stepping through its own `PAIRS` pairs (observed by `first` and `second`
 * respectively) one step each in turn; the pairs of both are created alternately.
 */
function makeSides(
  first: ChannelObserver | undefined,
  second: ChannelObserver | undefined,
): [Workload, Workload] {
  const a: Pair[] = [];
  const b: Pair[] = [];
  for (let i = 0; i < PAIRS; i++) {
    a.push(makePair(first));
    b.push(makePair(second));
  }
  let nextA = 0;
  let nextB = 0;
  return [() => runPair(a[nextA++ % PAIRS]!), () => runPair(b[nextB++ % PAIRS]!)];
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
 * `frames` frames of traffic each way through a pair (about 2.5 packets a frame); one function
 * for both variants, so both run the same optimised code and differ only by the observer.
 */
function runPair(pair: Pair, frames = PAIR_FRAMES): [number, number] {
  const { clock, a, b, toA, toB } = pair;
  let packets = 0;
  const t0 = seconds();
  for (let i = 0; i < frames; i++) {
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
  return [packets, seconds() - t0];
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

/**
 * One server per `[channel observer, tick observer]` side; their 32 channel pairs each are
 * created alternately (as the pairs of {@link makeSides}, so no side gets the older memory).
 */
function makeServers(...sides: [ChannelObserver | undefined, TickObserver | undefined][]): Server[] {
  const servers: Server[] = sides.map(([, tickObserver]) => ({
    clock: new ManualClock(),
    peers: [],
    tickObserver,
    tick: 0,
  }));
  for (let i = 0; i < 32; i++) {
    servers.forEach((s, k) => {
      const observer = sides[k]![0];
      const toServer: Uint8Array[] = [];
      const toClient: Uint8Array[] = [];
      const server = new ReliableUdpChannel({ clock: s.clock, observer, send: (p) => toClient.push(p) });
      const client = new ReliableUdpChannel({ clock: s.clock, send: (p) => toServer.push(p) });
      s.peers.push({ server, client, toServer, toClient });
    });
  }
  return servers;
}

/**
 * `ticks` server ticks: per tick the server takes in each client's input, sends each its state
 * and updates its channel. Only the server's work is timed (and reported to the tick observer);
 * the clients run between ticks.
 */
function runServer(s: Server, ticks = 1): [number, number] {
  let total = 0;
  for (let n = 0; n < ticks; n++, s.tick++) {
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
    const duration = Number(process.hrtime.bigint() - t0) / 1e9;
    s.tickObserver?.tick(duration);
    total += duration;
    for (const p of s.peers) {
      for (const packet of p.toClient) p.client.receive(packet);
      p.toClient.length = 0;
    }
  }
  return [ticks, total];
}

/** Calls per timing run of the per-call loops. */
const CALL_RUNS = 1_000_000;
/** Realistic arguments, cycled: packet sizes of the pair workload and RTTs from LAN to far away. */
const SIZES = Float64Array.from({ length: 1024 }, (_, i) => 14 + ((i * 37) % 120));
const SECONDS = Float64Array.from({ length: 1024 }, (_, i) => 0.0004 + ((i * 7919) % 1024) * 0.00025);

/**
 * Nanoseconds per iteration of `loop` (median of 15 runs), less the same loop doing no call.
 * Each member gets its own loop function so every call site stays monomorphic and inlinable, as
 * it is in the channel.
 */
function perCall(loop: (n: number) => number): number {
  const runs: number[] = [];
  const empty: number[] = [];
  let sink = 0;
  for (let round = 0; round < 15; round++) {
    let t0 = process.hrtime.bigint();
    sink += emptyLoop(CALL_RUNS);
    empty.push(Number(process.hrtime.bigint() - t0) / CALL_RUNS);
    t0 = process.hrtime.bigint();
    sink += loop(CALL_RUNS);
    runs.push(Number(process.hrtime.bigint() - t0) / CALL_RUNS);
  }
  if (sink === Number.NEGATIVE_INFINITY) console.log(sink);
  return Math.max(0, median(runs) - median(empty));
}

function emptyLoop(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += SIZES[i & 1023]!;
  return acc;
}

function callLoops(channel: ChannelObserver, ticks: TickObserver) {
  return {
    packetSent(n: number): number {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const v = SIZES[i & 1023]!;
        acc += v;
        channel.packetSent?.(v);
      }
      return acc;
    },
    packetReceived(n: number): number {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const v = SIZES[i & 1023]!;
        acc += v;
        channel.packetReceived?.(v);
      }
      return acc;
    },
    rttSample(n: number): number {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const v = SECONDS[i & 1023]!;
        acc += v;
        channel.rttSample?.(v);
      }
      return acc;
    },
    retry(n: number): number {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc += SIZES[i & 1023]!;
        channel.retry?.();
      }
      return acc;
    },
    tick(n: number): number {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const v = SECONDS[i & 1023]! / 50;
        acc += v;
        ticks.tick(v);
      }
      return acc;
    },
  };
}

/** Observer calls per unit of work and the cost they add, in ns, from the per-call costs. */
function account(
  calls: Calls,
  units: number,
  cost: Record<'sent' | 'received' | 'rtt' | 'count' | 'tick', number>,
) {
  const counters =
    calls.packetLost + calls.retry + calls.timeout + calls.duplicateDropped + calls.packetDropped;
  const ns =
    calls.packetSent * cost.sent +
    calls.packetReceived * cost.received +
    calls.rttSample * cost.rtt +
    counters * cost.count +
    calls.tick * cost.tick;
  const total = CALLS.reduce((sum, k) => sum + calls[k], 0);
  return { callsPerUnit: total / units, nsPerUnit: ns / units };
}

export async function run(): Promise<void> {
  const collector = new MetricsCollector({ labels: { server_id: 'bench' } });
  const tp = compare(...makeSides(undefined, collector.channelObserver));
  const [detachedServer, attachedServer] = makeServers(
    [undefined, undefined],
    [collector.channelObserver, collector.tickObserver],
  );
  const tick = compare(
    () => runServer(detachedServer!),
    () => runServer(attachedServer!),
  );
  const [oneServer, otherServer] = makeServers([undefined, undefined], [undefined, undefined]);
  const tickFloor = compare(
    () => runServer(oneServer!),
    () => runServer(otherServer!),
  );
  // The same comparison with nothing attached on either side: the noise floor of this machine.
  const floor = compare(...makeSides(undefined, undefined));

  // Per-call costs, measured alone.
  const loops = callLoops(collector.channelObserver, collector.tickObserver);
  const cost = {
    sent: perCall(loops.packetSent),
    received: perCall(loops.packetReceived),
    rtt: perCall(loops.rttSample),
    count: perCall(loops.retry),
    tick: perCall(loops.tick),
  };
  // How many calls the same workloads cause (a counting observer on fresh instances).
  const countingPair = countingObserver();
  const [pairPackets] = runPair(makePair(countingPair), 2000);
  const pairCost = account(countingPair.calls, pairPackets, cost);
  const countingServer = countingObserver();
  const [server] = makeServers([countingServer, countingServer]);
  runServer(server!, 200);
  const serverCost = account(countingServer.calls, 200, cost);

  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const spread = (c: Comparison) => `${pct(c.low)} .. ${pct(c.high)}`;
  printTable(`Instrumentation cost (wall time, medians of ${ROUNDS} x ${STEPS} alternating steps per side)`, [
    {
      workload: 'ReliableUdpChannel pair in memory, packets/s',
      detached: Math.round(1 / tp.detached),
      attached: Math.round(1 / tp.attached),
      overhead: pct(tp.overhead),
      'p25 .. p75': spread(tp),
      accounting: pct(pairCost.nsPerUnit / (tp.detached * 1e9)),
    },
    {
      workload: 'server tick, 32 clients, µs per tick (wall)',
      detached: tick.detached * 1e6,
      attached: tick.attached * 1e6,
      overhead: pct(tick.overhead),
      'p25 .. p75': spread(tick),
      accounting: pct(serverCost.nsPerUnit / (tick.detached * 1e9)),
    },
    {
      workload: 'noise floor: server tick, detached vs detached',
      detached: tickFloor.detached * 1e6,
      attached: tickFloor.attached * 1e6,
      overhead: pct(tickFloor.overhead),
      'p25 .. p75': spread(tickFloor),
      accounting: '0.00%',
    },
    {
      workload: 'noise floor: channel pair, detached vs detached',
      detached: Math.round(1 / floor.detached),
      attached: Math.round(1 / floor.attached),
      overhead: pct(floor.overhead),
      'p25 .. p75': spread(floor),
      accounting: '0.00%',
    },
  ]);
  printTable('Accounting: observer calls per unit x cost per call / detached cost per unit', [
    {
      workload: 'channel pair, per packet',
      calls: pairCost.callsPerUnit,
      'observer ns': pairCost.nsPerUnit,
      'detached ns': tp.detached * 1e9,
      share: pct(pairCost.nsPerUnit / (tp.detached * 1e9)),
    },
    {
      workload: 'server tick, per tick',
      calls: serverCost.callsPerUnit,
      'observer ns': serverCost.nsPerUnit,
      'detached ns': tick.detached * 1e9,
      share: pct(serverCost.nsPerUnit / (tick.detached * 1e9)),
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
  const scrapes: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = process.hrtime.bigint();
    await collector.registry.metrics();
    scrapes.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  printTable('Per-call cost (each alone in its own loop, empty loop subtracted)', [
    { operation: 'channelObserver.packetSent (count + size histogram), ns', cost: cost.sent },
    { operation: 'channelObserver.packetReceived (count + size histogram), ns', cost: cost.received },
    { operation: 'channelObserver.rttSample (float histogram), ns', cost: cost.rtt },
    { operation: 'channelObserver.retry (count), ns', cost: cost.count },
    { operation: 'tickObserver.tick (float histogram), ns', cost: cost.tick },
    {
      operation: 'prom-client Histogram.labels(...).observe, ns',
      cost: perCall((n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const v = SIZES[i & 1023]!;
          acc += v;
          promHistogram.observe(v);
        }
        return acc;
      }),
    },
    { operation: 'one scrape, registry.metrics(), µs', cost: median(scrapes) },
  ]);
}
