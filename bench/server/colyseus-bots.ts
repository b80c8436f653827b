/**
 * Bench child: every Colyseus Pong player in one process (`@colyseus/sdk`, one WebSocket each),
 * driven by ONE 60 Hz timer that sends each bot's input, as our bots are.
 */
import { performance } from 'node:perf_hooks';
import { Client, type Room } from '@colyseus/sdk';
import { createSeededRandom } from '../../src/core/index.js';
import { serveParent } from './child-ipc.js';
import { botInput, type PongState } from './pong-adapter.js';
import { ProcessProbe, type ProcessWindow } from './probe.js';

export interface ColyseusBotReport {
  players: number;
  bytesPerClientSecond: number;
  process: ProcessWindow;
}

const RATE = 60;
const random = createSeededRandom(5);
const probe = new ProcessProbe();

interface Bot {
  room: Room;
  side: 0 | 1 | 2;
  seen: PongState;
  hasState: boolean;
  bytes: number;
}

const bots: Bot[] = [];
let timer: NodeJS.Timeout | undefined;
let running = true;
let bytesAt = 0;

interface PongStateView {
  ballX: number;
  ballY: number;
  paddle1Y: number;
  paddle2Y: number;
}

function see(bot: Bot, state: PongStateView): void {
  const s = bot.seen;
  s.ballVX = bot.hasState ? state.ballX - s.ballX : 0;
  s.ballVY = bot.hasState ? state.ballY - s.ballY : 0;
  s.ballX = state.ballX;
  s.ballY = state.ballY;
  s.paddle1Y = state.paddle1Y;
  s.paddle2Y = state.paddle2Y;
  bot.hasState = true;
}

async function join(endpoint: string): Promise<Bot> {
  const room = await new Client(endpoint).joinOrCreate('pong');
  const bot: Bot = {
    room,
    side: 0,
    seen: {
      ballX: 400,
      ballY: 300,
      ballVX: 0,
      ballVY: 0,
      paddle1Y: 300,
      paddle2Y: 300,
      score1: 0,
      score2: 0,
      winner: 0,
    },
    hasState: false,
    bytes: 0,
  };
  room.onMessage('welcome', (side: 1 | 2) => {
    bot.side = side;
  });
  room.onStateChange((state) => see(bot, state as unknown as PongStateView));
  // Count what arrives on the wire: wrap the transport's message event.
  const events = (
    room.connection as unknown as { events: { onmessage?: (e: { data: ArrayBuffer | Uint8Array }) => void } }
  ).events;
  const inner = events.onmessage;
  events.onmessage = (e) => {
    bot.bytes += e.data.byteLength;
    inner?.(e);
  };
  return bot;
}

function startTimer(): void {
  const start = performance.now();
  let n = 0;
  const run = () => {
    if (!running) return;
    for (const bot of bots) {
      if (bot.side !== 0 && bot.hasState) bot.room.send('input', botInput(bot.seen, bot.side, 0.95, random));
    }
    const now = performance.now();
    n = Math.max(n + 1, Math.floor(((now - start) * RATE) / 1000));
    timer = setTimeout(run, Math.max(0, start + (n * 1000) / RATE - now));
  };
  run();
}

function bytesTotal(): number {
  let n = 0;
  for (const b of bots) n += b.bytes;
  return n;
}

serveParent({
  async setup(data) {
    const { port, rooms } = data as { port: number; rooms: number };
    const endpoint = `ws://127.0.0.1:${port}`;
    startTimer();
    // joinOrCreate fills one room before the next is made, so joins go one pair at a time.
    let failed = 0;
    for (let i = 0; i < rooms; i += 25) {
      const wave: Promise<Bot>[] = [];
      for (let j = i; j < Math.min(rooms, i + 25); j++) wave.push(join(endpoint), join(endpoint));
      for (const r of await Promise.allSettled(wave)) {
        if (r.status === 'fulfilled') bots.push(r.value);
        else failed++;
      }
    }
    return { connected: bots.length, failed };
  },
  begin() {
    bytesAt = bytesTotal();
    probe.begin();
  },
  end(): ColyseusBotReport {
    const process = probe.end();
    return {
      players: bots.length,
      bytesPerClientSecond: (bytesTotal() - bytesAt) / Math.max(1, bots.length) / process.seconds,
      process,
    };
  },
  async exit() {
    running = false;
    clearTimeout(timer);
    await Promise.allSettled(bots.map((b) => b.room.leave(true)));
  },
});
