/**
 * Loopback throughput, side by side: raw node:dgram (one message per datagram, a bounded number
 * in flight) versus ReliableUdpChannel goodput through UdpTransport and the connection layer
 * (reliable-ordered messages, delivered exactly once and in order, counted at the receiver), for
 * 32-, 128- and 1,000-byte messages. Also header bytes per packet and CPU microseconds per packet
 * (process.cpuUsage over the run divided by the datagrams sent by both ends). Sender and receiver
 * share one process and one event loop in both cases. The two are measured in interleaved slices
 * (raw, channel, raw, channel, ...) so that load from other processes hits both alike.
 *
 * Authentication on and off at the same packing: two bare ReliableUdpChannels on node:dgram with
 * packets of at most 1,175 bytes (what the sealed connection layer leaves them), once plain and
 * once with every packet sealed and opened (ChaCha20-Poly1305, the connection layer's PacketSeal),
 * in the same interleaved slices. And the cost of sealing plus opening one 100-byte packet alone.
 *
 * Environment: BENCH_TRANSPORT_MS (total ms per cell, default 3000), BENCH_TRANSPORT_SIZES
 * (comma-separated message sizes).
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createSeededRandom, systemClock } from '../src/core/index.js';
import { ReliableUdpChannel } from '../src/reliability/index.js';
import { PacketSeal } from '../src/transport/connection-seal.js';
import {
  type Connection,
  ConnectionClient,
  ConnectionServer,
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  PAYLOAD_OVERHEAD_BYTES,
  UdpTransport,
} from '../src/transport/index.js';
import { printTable } from './format.js';

const CELL_MS = Number(process.env.BENCH_TRANSPORT_MS ?? 3000);
const SLICES = 4;
const SIZES = (process.env.BENCH_TRANSPORT_SIZES ?? '32,128,1000').split(',').map(Number);
const RAW_WINDOW = 128;
const PROTOCOL_ID = 0x42454e43;
/** Kernel socket buffers for every socket in both cases (the default 208 KiB overflows in bursts). */
const SOCKET_BUFFER = 4 * 1024 * 1024;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Totals {
  messages: number;
  seconds: number;
  /** Datagrams sent by both ends. */
  packets: number;
  cpuMicros: number;
}

const zero = (): Totals => ({ messages: 0, seconds: 0, packets: 0, cpuMicros: 0 });

/** A sender and receiver socket pair; `measure(ms)` streams one message per datagram. */
async function rawDgram(size: number) {
  const options = { type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER } as const;
  const rx = createSocket(options);
  const tx = createSocket(options);
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => tx.bind(0, '127.0.0.1', r));
  const port = rx.address().port;
  let received = 0;
  rx.on('message', () => received++);
  const payload = Buffer.alloc(size, 7);
  const totals = zero();
  return {
    totals,
    async measure(ms: number): Promise<void> {
      const startReceived = received;
      let sent = received;
      let sentTotal = 0;
      let lastReceived = received;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let lastProgress = t0;
      for (let now = t0; now < t0 + ms; now = performance.now()) {
        while (sent - received < RAW_WINDOW) {
          tx.send(payload, port, '127.0.0.1');
          sent++;
          sentTotal++;
        }
        await tick();
        if (received !== lastReceived) {
          lastReceived = received;
          lastProgress = now;
        } else if (now - lastProgress > 5) {
          sent = received; // the kernel dropped some: forget them so the window reopens
          lastProgress = now;
        }
      }
      const cpu = process.cpuUsage(cpu0);
      totals.seconds += (performance.now() - t0) / 1000;
      totals.messages += received - startReceived;
      totals.packets += sentTotal;
      totals.cpuMicros += cpu.user + cpu.system;
    },
    close: () => Promise.all([new Promise<void>((r) => rx.close(r)), new Promise<void>((r) => tx.close(r))]),
  };
}

/** A connected ConnectionClient/ConnectionServer pair on loopback UdpTransports. */
async function connectedPair() {
  const buffers = { receiveBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER };
  const serverTransport = await UdpTransport.bind({ host: '127.0.0.1', ...buffers });
  const clientTransport = await UdpTransport.bind({ host: '127.0.0.1', ...buffers });
  const rateLimit = { packetsPerSecond: Number.POSITIVE_INFINITY, burst: 1e9 };
  // UdpTransport hands out fresh datagrams, so the channels may deliver views instead of copies.
  const channel = { adoptReceivedPackets: true };
  const key = { id: 1, key: new Uint8Array(32).fill(1) };
  const epochClock = { now: () => Date.now() };
  const serverAddress = `127.0.0.1:${serverTransport.localAddress.port}`;
  const server = new ConnectionServer({
    transport: serverTransport,
    protocolId: PROTOCOL_ID,
    connectTokens: new ConnectTokenVerifier({
      keys: [key],
      protocolId: PROTOCOL_ID,
      serverAddresses: [serverAddress],
      clock: epochClock,
    }),
    rateLimit,
    channel,
  });
  const issuer = new ConnectTokenIssuer({
    key,
    protocolId: PROTOCOL_ID,
    clock: epochClock,
    random: createSeededRandom(2),
  });
  const client = new ConnectionClient({
    transport: clientTransport,
    channel,
    token: decodeConnectToken(issuer.issue({ playerId: 'p', matchId: 'm', roomId: 'r', serverAddress })),
    random: createSeededRandom(1),
  });
  const serverSide = new Promise<Connection>((resolve) => server.once('connect', resolve));
  const connecting = client.connect();
  while (client.state === 'requesting' || client.state === 'responding') {
    client.update();
    server.update();
    await tick();
  }
  const sender = await connecting;
  const receiver = await serverSide;
  return {
    sender,
    receiver,
    update(): void {
      client.update();
      server.update();
    },
    async close(): Promise<void> {
      client.close();
      server.close();
      await Promise.all([serverTransport.close(), clientTransport.close()]);
    },
  };
}

/** Streams `size`-byte reliable messages client -> server; `measure(ms)` counts deliveries. */
async function channelGoodput(size: number) {
  const pair = await connectedPair();
  const { sender, receiver } = pair;
  let received = 0;
  receiver.on('message', () => received++);
  const payload = new Uint8Array(size).fill(7);
  const totals = zero();
  const packetsSent = () => sender.channel.counters.packetsSent + receiver.channel.counters.packetsSent;
  return {
    totals,
    async measure(ms: number): Promise<void> {
      const startReceived = received;
      const startPackets = packetsSent();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      while (performance.now() < t0 + ms) {
        for (let free = sender.channel.sendQueueFree('reliable'); free > 0; free--) sender.send(payload);
        pair.update();
        await tick();
      }
      const cpu = process.cpuUsage(cpu0);
      totals.seconds += (performance.now() - t0) / 1000;
      totals.messages += received - startReceived;
      totals.packets += packetsSent() - startPackets;
      totals.cpuMicros += cpu.user + cpu.system;
    },
    detail() {
      const c = sender.channel.counters;
      const s = receiver.channel.counters;
      return {
        'header B/data pkt': c.headerBytesSent / c.packetsSent + PAYLOAD_OVERHEAD_BYTES,
        'header B/ack pkt': s.headerBytesSent / s.packetsSent + PAYLOAD_OVERHEAD_BYTES,
        'msgs per data pkt': received / Math.max(1, c.packetsSent - c.ackPacketsSent),
        'data pkts': c.packetsSent - c.ackPacketsSent,
        'ack-only pkts': s.ackPacketsSent + c.ackPacketsSent,
        retries: c.retries,
      };
    },
    close: () => pair.close(),
  };
}

/**
 * The same stream with two bare ReliableUdpChannels on raw node:dgram sockets (no UdpTransport, no
 * connection layer): separates the channel's cost from the transport's and connection layer's.
 * Packets are at most 1,175 bytes either way (the sealed connection layer's packing); with
 * `sealed`, every packet is sealed by its sender and opened (in place) by its receiver.
 */
async function bareChannel(size: number, sealed: boolean) {
  const options = { type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER } as const;
  const a = createSocket(options);
  const b = createSocket(options);
  await new Promise<void>((r) => a.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => b.bind(0, '127.0.0.1', r));
  const aPort = a.address().port;
  const bPort = b.address().port;
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(32).fill(2);
  const sealA = new PacketSeal({ send: k1, receive: k2 }, PROTOCOL_ID, 1200, true);
  const sealB = new PacketSeal({ send: k2, receive: k1 }, PROTOCOL_ID, 1200, true);
  const maxPacketSize = 1200 - PAYLOAD_OVERHEAD_BYTES;
  const sender = new ReliableUdpChannel({
    clock: systemClock,
    maxPacketSize,
    adoptReceivedPackets: true,
    send: (p) => a.send(sealed ? sealA.seal(0x25, p) : p, bPort, '127.0.0.1'),
  });
  const receiver = new ReliableUdpChannel({
    clock: systemClock,
    maxPacketSize,
    adoptReceivedPackets: true,
    send: (p) => b.send(sealed ? sealB.seal(0x25, p) : p, aPort, '127.0.0.1'),
  });
  const open = (seal: PacketSeal, channel: ReliableUdpChannel, m: Uint8Array) => {
    if (!sealed) return channel.receive(m);
    const plain = seal.open(m);
    if (typeof plain !== 'string') channel.receive(plain);
  };
  a.on('message', (m) => open(sealA, sender, m));
  b.on('message', (m) => open(sealB, receiver, m));
  let received = 0;
  receiver.on('message', () => received++);
  const payload = new Uint8Array(size).fill(7);
  const totals = zero();
  const packetsSent = () => sender.counters.packetsSent + receiver.counters.packetsSent;
  return {
    totals,
    async measure(ms: number): Promise<void> {
      const startReceived = received;
      const startPackets = packetsSent();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      while (performance.now() < t0 + ms) {
        for (let free = sender.sendQueueFree('reliable'); free > 0; free--) sender.send(payload);
        sender.update();
        receiver.update();
        await tick();
      }
      const cpu = process.cpuUsage(cpu0);
      totals.seconds += (performance.now() - t0) / 1000;
      totals.messages += received - startReceived;
      totals.packets += packetsSent() - startPackets;
      totals.cpuMicros += cpu.user + cpu.system;
    },
    close: () => Promise.all([new Promise<void>((r) => a.close(r)), new Promise<void>((r) => b.close(r))]),
  };
}

/** Both ends send a 64-byte message every update for `ms`: the loss-free, two-way header size. */
async function twoWayHeader(ms: number): Promise<number> {
  const pair = await connectedPair();
  const message = new Uint8Array(64);
  const t0 = performance.now();
  while (performance.now() < t0 + ms) {
    pair.sender.send(message);
    pair.receiver.send(message);
    pair.update();
    await tick();
  }
  const c = pair.sender.channel.counters;
  const s = pair.receiver.channel.counters;
  const header =
    (c.headerBytesSent + s.headerBytesSent) / (c.packetsSent + s.packetsSent) + PAYLOAD_OVERHEAD_BYTES;
  await pair.close();
  return header;
}

/**
 * Seal plus open of one 100-byte packet, alone: `rounds` runs of `n` packets each; returns the
 * µs per packet of each run, by the wall clock (sealing, opening in place, both) and by this
 * process's CPU time (both: on a shared machine the wall clock also counts waiting for a core).
 */
function sealCost(rounds: number, n: number, bytes = 100) {
  const k1 = new Uint8Array(32).fill(1);
  const sender = new PacketSeal({ send: k1, receive: k1 }, PROTOCOL_ID, 1200, true);
  const receiver = new PacketSeal({ send: k1, receive: k1 }, PROTOCOL_ID, 1200, true);
  const plain = new Uint8Array(bytes).fill(7);
  const packets: Uint8Array[] = new Array(n);
  const out = { seal: [] as number[], open: [] as number[], both: [] as number[], cpu: [] as number[] };
  for (let r = 0; r < rounds + 1; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) packets[i] = sender.seal(0x25, plain);
    const t1 = performance.now();
    for (let i = 0; i < n; i++)
      if (typeof receiver.open(packets[i]!) === 'string') throw new Error('open failed');
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (r === 0) continue; // warm-up
    out.seal.push(((t1 - t0) * 1000) / n);
    out.open.push(((t2 - t1) * 1000) / n);
    out.both.push(((t2 - t0) * 1000) / n);
    out.cpu.push((cpu.user + cpu.system) / n);
  }
  return out;
}

const range = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${median.toFixed(2)} (${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)})`;
};

/** Runs the comparison and prints the tables. */
export async function run(): Promise<void> {
  const cost = sealCost(7, 50_000);
  printTable(
    'Seal + open of one 100-byte packet (ChaCha20-Poly1305 via sodium-native; µs per packet by the wall clock and by process CPU time, median (min-max) of 7 runs of 50,000)',
    [
      {
        'seal µs': range(cost.seal),
        'open µs': range(cost.open),
        'seal+open µs': range(cost.both),
        'seal+open CPU µs': range(cost.cpu),
        goal: '<= 1.5',
      },
    ],
  );
  const rows: Record<string, string | number>[] = [];
  const details: Record<string, string | number>[] = [];
  const auth: Record<string, string | number>[] = [];
  for (const size of SIZES) {
    const raw = await rawDgram(size);
    const ch = await channelGoodput(size);
    const plain = await bareChannel(size, false);
    const sealed = await bareChannel(size, true);
    for (let i = 0; i < SLICES; i++) {
      await raw.measure(CELL_MS / SLICES);
      await ch.measure(CELL_MS / SLICES);
      await plain.measure(CELL_MS / SLICES);
      await sealed.measure(CELL_MS / SLICES);
    }
    await raw.close();
    await plain.close();
    await sealed.close();
    const rawMps = raw.totals.messages / raw.totals.seconds;
    const chMps = ch.totals.messages / ch.totals.seconds;
    const plainMps = plain.totals.messages / plain.totals.seconds;
    const sealedMps = sealed.totals.messages / sealed.totals.seconds;
    const mb = (mps: number) => (mps * size) / 1e6;
    rows.push({
      'msg bytes': size,
      'raw dgram msg/s': Math.round(rawMps),
      'raw MB/s': mb(rawMps),
      'channel msg/s': Math.round(chMps),
      'channel MB/s': mb(chMps),
      'goodput / raw': `${((100 * chMps) / rawMps).toFixed(0)}%`,
      'raw CPU µs/pkt': raw.totals.cpuMicros / raw.totals.packets,
      'channel CPU µs/pkt': ch.totals.cpuMicros / ch.totals.packets,
      'channel CPU µs/msg': ch.totals.cpuMicros / Math.max(1, ch.totals.messages),
    });
    auth.push({
      'msg bytes': size,
      'raw dgram MB/s': mb(rawMps),
      'auth off MB/s': mb(plainMps),
      'auth on MB/s': mb(sealedMps),
      'on / off': `${((100 * sealedMps) / plainMps).toFixed(0)}%`,
      'on / raw': `${((100 * sealedMps) / rawMps).toFixed(0)}%`,
      'off CPU µs/pkt': plain.totals.cpuMicros / plain.totals.packets,
      'on CPU µs/pkt': sealed.totals.cpuMicros / sealed.totals.packets,
      'connection layer MB/s': mb(chMps),
    });
    details.push({ 'msg bytes': size, ...ch.detail() });
    await ch.close();
  }
  printTable(
    `Loopback, ${CELL_MS} ms per cell in ${SLICES} interleaved slices: raw node:dgram (1 msg/datagram) vs ReliableUdpChannel goodput over UdpTransport + connection layer (sealed)`,
    rows,
  );
  printTable(
    'Authentication on and off at the same packing (bare channels on node:dgram, packets <= 1,175 B; payload MB/s; "connection layer" = the sealed row above)',
    auth,
  );
  printTable(
    'Channel + connection layer detail (one-way stream; header includes the 25 sealed-packet bytes: prefix, packet number, tag)',
    details,
  );
  printTable('Header bytes per packet, loss-free, both ends sending (channel + 25 sealed-packet bytes)', [
    { 'B/pkt': await twoWayHeader(500) },
  ]);
}
