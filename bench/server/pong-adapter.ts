/**
 * The ONE place the server bench touches the Pong example's API (examples/pong-server). When the
 * example moves onto `src/server/` (issue 10), only this file changes.
 *
 * Server side: `hostPong` starts the example's `PongServer` on a real UDP socket with an in-memory
 * room store holding `rooms` matches of two players each. Client side: the Pong messages and
 * the bot's paddle rule, as small functions a bot loop calls.
 */

import {
  botInput,
  newPongState,
  type PaddleInput,
  type PongState,
  stepPong,
} from '../../examples/pong-server/pong-game.js';
import { decodePong, encodePong, encodeTicket } from '../../examples/pong-server/pong-messages.js';
import { PONG_IDS, type PongEntities, pongSchema } from '../../examples/pong-server/pong-schema.js';
import { PONG_PROTOCOL_ID, PongServer } from '../../examples/pong-server/pong-server.js';
import { createSeededRandom, type Timers } from '../../src/core/index.js';
import { MemoryRoomManager } from '../../src/matchmaking/index.js';
import type { MetricsCollector } from '../../src/metrics/index.js';
import type { TickObserver } from '../../src/server/index.js';
import { UdpTransport } from '../../src/transport/index.js';

export {
  botInput,
  newPongState,
  type PaddleInput,
  PONG_IDS,
  PONG_PROTOCOL_ID,
  type PongEntities,
  type PongState,
  pongSchema,
  stepPong,
};

/** Points to win: high enough that no match ends within a bench step (the schema caps at 99). */
const SCORE_TO_WIN = 99;

export interface HostOptions {
  rooms: number;
  /** Receives every tick's duration (the loop's `onTick`). */
  tickObserver: TickObserver;
  /** The tick loop's timers (the bench wraps them to measure lateness). */
  timers: Timers;
  /** Kernel socket buffers of the server's socket. */
  socketBufferBytes: number;
}

export interface HostedPong {
  port: number;
  /** One connect token per player: room i's players are `2i` and `2i + 1`. */
  tokens: Uint8Array[];
  ticks(): number;
  skippedTicks(): number;
  connectedClients(): number;
  /** Connections ended, by reason (the connection server's counters). */
  disconnects(): Record<string, number>;
  /** Datagrams and bytes the server's socket sent. */
  sent(): { datagrams: number; bytes: number };
  /** Datagrams the server's socket received. */
  received(): number;
  close(): Promise<void>;
}

export async function hostPong(options: HostOptions): Promise<HostedPong> {
  const store = new MemoryRoomManager({ random: createSeededRandom(1) });
  const tokens: Uint8Array[] = [];
  for (let i = 0; i < options.rooms; i++) {
    const players = [`p${i}a`, `p${i}b`];
    const matchId = `m${i}`;
    const roomId = await store.createRoom(matchId, players);
    for (const player of players)
      tokens.push(encodeTicket({ player_id: player, match_id: matchId, room_id: roomId }));
  }
  const transport = await UdpTransport.bind({
    host: '127.0.0.1',
    port: 0,
    receiveBufferSize: options.socketBufferBytes,
    sendBufferSize: options.socketBufferBytes,
  });
  const server = new PongServer({
    transport,
    rooms: store,
    random: createSeededRandom(2),
    scoreToWin: SCORE_TO_WIN,
    tickRate: 60,
    timers: options.timers,
    // Only the tick observer: no prom-client work on the hot path (as the measurement).
    metrics: { tickObserver: options.tickObserver } as unknown as MetricsCollector,
  });
  // The example fixes maxClients at 256 (issue 10 moves it to options); lift it for the bench.
  (server.connections as unknown as { maxClients: number }).maxClients = 2 * options.rooms + 16;
  server.start();
  return {
    port: transport.localAddress.port,
    tokens,
    ticks: () => server.loop.ticks,
    skippedTicks: () => server.loop.skippedTicks,
    connectedClients: () => server.connections.connections.size,
    disconnects: () => ({
      ...server.connections.counters.disconnects,
      ...Object.fromEntries(
        Object.entries(server.connections.counters.dropped).map(([k, v]) => [`dropped_${k}`, v]),
      ),
      socketErrors: transport.counters.socketErrors,
    }),
    sent: () => ({ datagrams: transport.counters.datagramsSent, bytes: transport.counters.bytesSent }),
    received: () => transport.counters.datagramsReceived,
    async close() {
      server.stop();
      await transport.close();
    },
  };
}

/** What a bot does with one message from the server. */
export type PongEvent =
  | { type: 'welcome'; side: 1 | 2 }
  | { type: 'snapshot'; body: Uint8Array }
  | { type: 'other' };

const OTHER: PongEvent = { type: 'other' };

export function readPong(payload: Uint8Array): PongEvent {
  const m = decodePong(payload);
  if (m?.type === 'welcome' || m?.type === 'snapshot') return m;
  return OTHER;
}

/** The three possible input messages, encoded once (the channel copies what it is given). */
const INPUTS = new Map<PaddleInput, Uint8Array>(
  ([-1, 0, 1] as const).map((v) => [v, encodePong({ type: 'input', input: v })]),
);

export function inputMessage(input: PaddleInput): Uint8Array {
  return INPUTS.get(input)!;
}

export function ackMessage(ack: Uint8Array): Uint8Array {
  return encodePong({ type: 'ack', body: ack });
}

/** The kind of channel message inputs and acks go as. */
export const INPUT_KIND = 'sequenced';
export const ACK_KIND = 'unreliable';
