/**
 * Bench child: Pong on Colyseus (`@colyseus/core` + `@colyseus/ws-transport`), run with
 * `--import ./schema-5-register.mjs` so core gets @colyseus/schema 5. Rooms are made by the
 * bots' `joinOrCreate` (2 clients each). Reports frame sums, per-room tick rate and lateness.
 */
import { createServer } from 'node:net';
import { Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { serveParent } from './child-ipc.js';
import { frameMeter, joined, PongColyseusRoom } from './colyseus-pong-room.js';
import { ProcessProbe, type ProcessWindow } from './probe.js';

export interface ColyseusServerReport {
  frameP50Ms: number;
  frameP99Ms: number;
  latenessP99Ms: number;
  ticksPerSecondPerRoom: number;
  rooms: number;
  clients: number;
  process: ProcessWindow;
}

const probe = new ProcessProbe();
let server: Server | undefined;
let rooms = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

serveParent({
  async setup(data) {
    rooms = (data as { rooms: number }).rooms;
    server = new Server({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false });
    server.define('pong', PongColyseusRoom);
    const port = await freePort();
    await server.listen(port, '127.0.0.1');
    return { port };
  },
  begin() {
    frameMeter.reset();
    probe.begin();
  },
  end(): ColyseusServerReport {
    const process = probe.end();
    return {
      frameP50Ms: frameMeter.framePercentile(50),
      frameP99Ms: frameMeter.framePercentile(99),
      latenessP99Ms: frameMeter.lateMs.percentile(99),
      ticksPerSecondPerRoom: frameMeter.ticks / rooms / process.seconds,
      rooms,
      clients: joined.clients,
      process,
    };
  },
  async exit() {
    await server?.gracefullyShutdown(false).catch(() => undefined);
  },
});
