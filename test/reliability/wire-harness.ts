import { ManualClock } from '../../src/core/index.js';
import type { ReliableUdpChannelOptions } from '../../src/reliability/channel-options.js';
import { type PacketHeader, PacketType, readPacketHeader } from '../../src/reliability/packet-header.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';

/** Two channels whose packets are captured in arrays, so a test decides exactly what arrives. */
export function createWire(options: Partial<ReliableUdpChannelOptions> = {}) {
  const clock = new ManualClock();
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const a = new ReliableUdpChannel({ clock, send: (p) => toB.push(p), ...options });
  const b = new ReliableUdpChannel({ clock, send: (p) => toA.push(p), ...options });
  const received: { a: [number[], string][]; b: [number[], string][] } = { a: [], b: [] };
  a.on('message', (p, k) => received.a.push([[...p], k]));
  b.on('message', (p, k) => received.b.push([[...p], k]));
  /** Takes (and clears) what is queued in one direction. */
  const take = (queue: Uint8Array[]) => queue.splice(0, queue.length);
  return { clock, a, b, toA, toB, received, take };
}

/** Decodes a packet's header (throws if invalid: for tests only). */
export function header(packet: Uint8Array): PacketHeader {
  const h: PacketHeader = { type: PacketType.Data, sequence: 0, ack: 0, ackBits: 0 };
  if (readPacketHeader(packet, h) < 0) throw new Error('invalid header');
  return h;
}
