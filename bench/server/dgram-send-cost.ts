/**
 * What one `socket.send` costs the sender, with a completion callback (as `UdpTransport` sends
 * today) and without one (errors then arrive as the socket's `error` event, which `UdpTransport`
 * already handles). The receiver is another process, so only the sender's CPU is counted. The
 * two are interleaved in slices so that load from other processes hits both alike.
 */
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { Child, serveParent } from './child-ipc.js';

const BURST = 1000;
const BURSTS_PER_SLICE = 10;
const SLICES = 6;

export interface SendCost {
  withCallbackMicros: number;
  withoutCallbackMicros: number;
}

export async function measureSendCost(): Promise<SendCost> {
  const receiver = new Child(new URL('./dgram-send-cost.ts', import.meta.url), { BENCH_DGRAM_RECEIVER: '1' });
  try {
    const { port } = await receiver.setup<{ port: number }>({});
    const tx = createSocket('udp4');
    await new Promise<void>((resolve) => tx.bind(0, '127.0.0.1', resolve));
    const payload = new Uint8Array(40);
    const afterSend = (err: Error | null) => {
      if (err) throw err;
    };
    const micros = { with: 0, without: 0 };
    for (let s = 0; s < SLICES; s++) {
      for (const mode of ['with', 'without'] as const) {
        const before = process.cpuUsage();
        for (let b = 0; b < BURSTS_PER_SLICE; b++) {
          for (let i = 0; i < BURST; i++) {
            if (mode === 'with') tx.send(payload, port, '127.0.0.1', afterSend);
            else tx.send(payload, port, '127.0.0.1');
          }
          await sleep(16);
        }
        const used = process.cpuUsage(before);
        micros[mode] += used.user + used.system;
      }
    }
    tx.close();
    const datagrams = SLICES * BURSTS_PER_SLICE * BURST;
    return { withCallbackMicros: micros.with / datagrams, withoutCallbackMicros: micros.without / datagrams };
  } finally {
    await receiver.exit();
  }
}

if (process.env.BENCH_DGRAM_RECEIVER) {
  const rx = createSocket({ type: 'udp4', recvBufferSize: 4 * 2 ** 20 });
  rx.on('message', () => {});
  serveParent({
    setup: () =>
      new Promise((resolve) => rx.bind(0, '127.0.0.1', () => resolve({ port: rx.address().port }))),
    begin() {},
    end: () => undefined,
    exit: () => new Promise<void>((resolve) => rx.close(() => resolve())),
  });
}
