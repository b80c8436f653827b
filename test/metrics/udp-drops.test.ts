import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  parseProcNetUdp,
  readProcFile,
  registerUdpDropsMetric,
  udpReceiveDrops,
} from '../../src/metrics/index.js';

// Lines as Linux writes them (kernel 6.x), plus damaged ones.
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 12345 2 0000000000000000 0
  456: 00000000:2328 00000000:0000 07 00000000:00034000 00:00000000 00000000  1000        0 777 2 0000000000000000 14874
  457: 00000000:2328 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 778 2 0000000000000000 6
  458: 00000000:ZZZZ 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 779 2 0000000000000000 1
  459: 00000000:2329 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 780 2 0000000000000000 -1
  460: truncated
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  900: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 901 2 0000000000000000 20
`;
const files = (map: Record<string, string>) => (path: string) => map[path];

describe('/proc/net/udp drops', () => {
  it('parses the sockets and skips damaged lines, counting them', () => {
    expect(parseProcNetUdp(UDP)).toEqual({
      sockets: [
        { localPort: 53, inode: 12345, drops: 0 },
        { localPort: 9000, inode: 777, drops: 14874 },
        { localPort: 9000, inode: 778, drops: 6 },
      ],
      malformed: 3,
    });
    expect(parseProcNetUdp('')).toEqual({ sockets: [], malformed: 0 });
  });

  it('sums the sockets on a port over IPv4 and IPv6; undefined off Linux or for an unbound port', () => {
    const read = files({ '/proc/net/udp': UDP, '/proc/net/udp6': UDP6 });
    expect(udpReceiveDrops(9000, read)).toBe(14874 + 6 + 20);
    expect(udpReceiveDrops(53, read)).toBe(0);
    expect(udpReceiveDrops(9001, read)).toBeUndefined();
    expect(udpReceiveDrops(9000, files({}))).toBeUndefined();
  });

  it('exports udp_receive_drops_total{port} at scrape time, with no series off Linux', async () => {
    const registry = new Registry();
    let table = UDP;
    registerUdpDropsMetric({
      registry,
      ports: () => [9000, 53, 9001],
      labels: { server_id: 'g1' },
      read: (path) => (path === '/proc/net/udp' ? table : undefined),
    });
    const text = await registry.metrics();
    expect(text).toContain('udp_receive_drops_total{server_id="g1",port="9000"} 14880');
    expect(text).toContain('udp_receive_drops_total{server_id="g1",port="53"} 0');
    expect(text).not.toContain('port="9001"');
    table = table.replace(' 14874', ' 15000');
    expect(await registry.metrics()).toContain('udp_receive_drops_total{server_id="g1",port="9000"} 15006');

    const elsewhere = new Registry();
    registerUdpDropsMetric({ registry: elsewhere, ports: () => [9000], read: () => undefined });
    expect(await elsewhere.metrics()).not.toContain('udp_receive_drops_total{');
    expect(() => registerUdpDropsMetric({ registry, ports: () => [], labels: { port: 'x' } })).toThrow(
      /labels/,
    );
  });

  it.skipIf(readProcFile('/proc/net/udp') === undefined)(
    'counts the real drops of a socket whose reader is stalled while datagrams pour in',
    async () => {
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4096 });
      let received = 0;
      socket.on('message', () => received++);
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const port = socket.address().port;
      const registry = new Registry();
      registerUdpDropsMetric({ registry, ports: () => [port] });
      expect(udpReceiveDrops(port)).toBe(0);
      // A worker floods the socket while this thread (its only reader) is blocked.
      const sent = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(
        `const dgram = require('node:dgram');
         const { workerData } = require('node:worker_threads');
         const s = dgram.createSocket('udp4');
         const payload = Buffer.alloc(1000);
         let n = 0;
         const next = () => {
           if (n === 2000) { Atomics.store(workerData.sent, 0, n); Atomics.notify(workerData.sent, 0); return s.close(); }
           n++;
           s.send(payload, workerData.port, '127.0.0.1', next);
         };
         next();`,
        { eval: true, workerData: { port, sent } },
      );
      Atomics.wait(sent, 0, 0, 10_000);
      await new Promise((r) => setTimeout(r, 100));
      await worker.terminate();
      const drops = udpReceiveDrops(port)!;
      // Every datagram was either read or dropped by the kernel (loopback loses nothing else).
      expect(drops).toBeGreaterThan(0);
      expect(received + drops).toBe(2000);
      expect(await registry.metrics()).toContain(`udp_receive_drops_total{port="${port}"} ${drops}`);
      socket.close();
    },
  );
});
