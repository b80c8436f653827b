import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import type { ReliableUdpChannelOptions } from '../../src/reliability/channel-options.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';
import type { LinkConditions } from '../../src/transport/link-conditioner.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';

/** Two channels joined by a MemoryNetwork, driven by a ManualClock in fixed steps. */
export function createPair(
  options: { seed?: number; conditions?: LinkConditions; channel?: Partial<ReliableUdpChannelOptions> } = {},
) {
  const clock = new ManualClock();
  const net = new MemoryNetwork({
    clock,
    random: createSeededRandom(options.seed ?? 1),
    defaultConditions: options.conditions ?? {},
  });
  const ea = net.createEndpoint('a', { maxDatagramSize: 65_507 });
  const eb = net.createEndpoint('b', { maxDatagramSize: 65_507 });
  const a = new ReliableUdpChannel({ clock, send: (p) => ea.send(p, eb.localAddress), ...options.channel });
  const b = new ReliableUdpChannel({ clock, send: (p) => eb.send(p, ea.localAddress), ...options.channel });
  ea.onDatagram((d) => a.receive(d));
  eb.onDatagram((d) => b.receive(d));
  const step = (ms: number) => {
    clock.advance(ms);
    net.pump();
    a.update();
    b.update();
  };
  return { clock, net, a, b, step };
}

/** A payload whose bytes derive from its index, so the receiver can check it. */
export function payloadFor(index: number, size: number): Uint8Array {
  const p = new Uint8Array(size);
  let x = (index * 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    p[i] = x >>> 24;
  }
  if (size >= 4) new DataView(p.buffer).setUint32(0, index);
  return p;
}

export function checkPayload(index: number, payload: Uint8Array, size: number): boolean {
  const expected = payloadFor(index, size);
  if (payload.length !== expected.length) return false;
  for (let i = 0; i < size; i++) if (payload[i] !== expected[i]) return false;
  return true;
}
