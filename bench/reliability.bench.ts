/**
 * ReliableUdpChannel in memory (no sockets): CPU microseconds per packet on the send + receive
 * path, in-memory goodput, and header bytes per packet with no loss and under 20% loss, next to
 * mas-bandwidth/reliable's header (4 bytes loss-free, at most 9).
 */
import { createSeededRandom, ManualClock } from '../src/core/index.js';
import {
  type PacketHeader,
  PacketType,
  readPacketHeader,
  WIRE_VERSION,
} from '../src/reliability/packet-header.js';
import { ReliableUdpChannel } from '../src/reliability/reliable-udp-channel.js';
import { MemoryNetwork } from '../src/transport/memory-network.js';
import { printTable } from './format.js';

/** Two channels wired back to back: a's packets go straight into b.receive and back. */
function cpuPerPacket(messageBytes: number, seconds: number) {
  const clock = new ManualClock();
  let b!: ReliableUdpChannel;
  const a = new ReliableUdpChannel({ clock, send: (p) => b.receive(p), maxPacketSize: 1200 });
  b = new ReliableUdpChannel({ clock, send: (p) => a.receive(p), maxPacketSize: 1200 });
  let delivered = 0;
  b.on('message', () => {
    delivered++;
  });
  const payload = new Uint8Array(messageBytes).fill(7);
  const perTick = Math.max(1, Math.floor(8000 / messageBytes));
  const tick = () => {
    for (let i = 0; i < perTick; i++) a.send(payload);
    a.update();
    b.update();
    clock.advance(1);
  };
  for (let i = 0; i < 2000; i++) tick(); // warm-up
  const start = { packets: a.counters.packetsSent + b.counters.packetsSent, delivered };
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - wall0 < seconds * 1000) for (let i = 0; i < 100; i++) tick();
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - wall0) / 1000;
  const dataPackets = a.counters.packetsSent - a.counters.ackPacketsSent;
  const packets = a.counters.packetsSent + b.counters.packetsSent - start.packets;
  const messages = delivered - start.delivered;
  return {
    'message bytes': messageBytes,
    'messages/packet': Math.round((a.counters.reliableSent / dataPackets) * 10) / 10,
    'CPU µs/packet': (cpu.user + cpu.system) / packets,
    'CPU µs/message': (cpu.user + cpu.system) / messages,
    'messages/s': Math.round(messages / wallS),
    'goodput MB/s': (messages * messageBytes) / wallS / 1e6,
  };
}

/**
 * Both sides send a few messages every 16 ms tick (acks ride on data, as in reliable.c's soak),
 * or only `a` sends (one-way: `b` answers with ack-only packets).
 */
function headerBytes(lossRate: number, oneWay = false) {
  const clock = new ManualClock();
  const net = new MemoryNetwork({
    clock,
    random: createSeededRandom(7),
    defaultConditions: { lossRate, latencyMs: 40, jitterMs: 5 },
  });
  const ea = net.createEndpoint('a');
  const eb = net.createEndpoint('b');
  const h: PacketHeader = { type: PacketType.Data, sequence: 0, ack: 0, ackBits: 0 };
  const stats = { data: 0, dataBytes: 0, dataMax: 0, ack: 0, ackBytes: 0, ackMax: 0 };
  const measure = (p: Uint8Array) => {
    const n = readPacketHeader(p, h);
    if (h.type === PacketType.Data) {
      stats.data++;
      stats.dataBytes += n;
      stats.dataMax = Math.max(stats.dataMax, n);
    } else {
      stats.ack++;
      stats.ackBytes += n;
      stats.ackMax = Math.max(stats.ackMax, n);
    }
  };
  const a = new ReliableUdpChannel({
    clock,
    send: (p) => {
      measure(p);
      ea.send(p, eb.localAddress);
    },
  });
  const b = new ReliableUdpChannel({
    clock,
    send: (p) => {
      measure(p);
      eb.send(p, ea.localAddress);
    },
  });
  ea.onDatagram((d) => a.receive(d));
  eb.onDatagram((d) => b.receive(d));
  const msg = new Uint8Array(100);
  for (let t = 0; t < 20_000; t++) {
    a.send(msg, 'unreliable');
    if (!oneWay) b.send(msg, 'unreliable');
    if (t % 4 === 0) a.send(msg);
    clock.advance(16);
    net.pump();
    a.update();
    b.update();
  }
  return {
    link: `${oneWay ? 'one-way' : 'two-way'}, ${lossRate === 0 ? 'no loss' : `${lossRate * 100}% loss`}`,
    'data packets': stats.data,
    'avg header bytes': stats.dataBytes / stats.data,
    'max header bytes': stats.dataMax,
    'ack-only packets': stats.ack,
    'ack-only avg bytes': stats.ack ? stats.ackBytes / stats.ack : 0,
    'reliable.c header': oneWay ? '9 (4 zero ack bytes)' : lossRate === 0 ? '4' : '<= 9',
  };
}

export async function run(): Promise<void> {
  printTable(
    'ReliableUdpChannel CPU per packet (send + receive path of both sides, data and ack-only packets, in memory, no sockets, 1200-byte packets)',
    [32, 128, 1000].map((size) => cpuPerPacket(size, 1.5)),
  );
  printTable(`Packet header bytes (wire format v${WIRE_VERSION}) vs mas-bandwidth/reliable`, [
    headerBytes(0),
    headerBytes(0.2),
    headerBytes(0, true),
    headerBytes(0.2, true),
  ]);
}
