/**
 * The ONE place the server bench touches the Pong example's API (examples/pong-server).
 *
 * Server side: `hostPong` starts the example's `PongServer` (rooms on `src/server/`) on a real UDP
 * socket with a `ConnectTokenVerifier` holding a fresh key and an in-memory room store holding
 * `rooms` matches of two players each; it hands back the key and the rooms. Client side:
 * `issueTokens` seals each player's connect token with that key (as a match server would, the
 * match's roster as user data), and the Pong input and the bot's paddle rule.
 */

import { randomBytes } from 'node:crypto';
import {
  botInput,
  newPongState,
  type PaddleInput,
  type PongState,
  stepPong,
} from '../../examples/pong-server/pong-game.js';
import { encodeInput, PONG_INPUT_BYTES } from '../../examples/pong-server/pong-messages.js';
import { PONG_IDS, type PongEntities, pongSchema } from '../../examples/pong-server/pong-schema.js';
import { PONG_PROTOCOL_ID, PongServer } from '../../examples/pong-server/pong-server.js';
import { createSeededRandom, epochClock, type RandomSource, type Timers } from '../../src/core/index.js';
import { encodeMatchRoster, MemoryRoomManager } from '../../src/matchmaking/index.js';
import type { TickObserver } from '../../src/server/index.js';
import {
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  type PublicConnectToken,
  UdpTransport,
} from '../../src/transport/index.js';

export {
  botInput,
  newPongState,
  type PaddleInput,
  PONG_IDS,
  PONG_INPUT_BYTES,
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

/** What the bot process needs to seal its players' connect tokens. */
export interface PongSeats {
  port: number;
  /** The token key (hex), as the match server would hold it. */
  key: string;
  /** Room i's two players. */
  rooms: { roomId: string; players: [string, string] }[];
}

export interface HostedPong {
  seats: PongSeats;
  ticks(): number;
  skippedTicks(): number;
  connectedClients(): number;
  /** Connections ended, by reason, and datagrams dropped or refused (the connection server's counters). */
  disconnects(): Record<string, number>;
  /** Datagrams and bytes the server's socket sent. */
  sent(): { datagrams: number; bytes: number };
  /** Datagrams the server's socket received. */
  received(): number;
  close(): Promise<void>;
}

export async function hostPong(options: HostOptions): Promise<HostedPong> {
  const store = new MemoryRoomManager({ random: createSeededRandom(1) });
  const rooms: PongSeats['rooms'] = [];
  for (let i = 0; i < options.rooms; i++) {
    const players: [string, string] = [`p${i}a`, `p${i}b`];
    rooms.push({ roomId: await store.createRoom(`m${i}`, players), players });
  }
  const transport = await UdpTransport.bind({
    host: '127.0.0.1',
    port: 0,
    receiveBufferSize: options.socketBufferBytes,
    sendBufferSize: options.socketBufferBytes,
  });
  const key = randomBytes(32);
  const server = new PongServer({
    transport,
    connectTokens: new ConnectTokenVerifier({
      keys: [{ id: 1, key }],
      protocolId: PONG_PROTOCOL_ID,
      serverAddresses: [`127.0.0.1:${transport.localAddress.port}`],
      clock: epochClock,
    }),
    rooms: store,
    random: createSeededRandom(2),
    scoreToWin: SCORE_TO_WIN,
    maxRooms: options.rooms,
    tickRate: 60,
    timers: options.timers,
    reconnectGraceMs: 60_000,
    // Only the tick observer: no prom-client work on the hot path.
    tickObserver: options.tickObserver,
  });
  server.start();
  const counters = server.connections.counters;
  return {
    seats: { port: transport.localAddress.port, key: key.toString('hex'), rooms },
    ticks: () => server.host.loop.ticks,
    skippedTicks: () => server.host.loop.skippedTicks,
    connectedClients: () => server.connections.connections.size,
    disconnects: () => ({
      ...counters.disconnects,
      ...Object.fromEntries(Object.entries(counters.dropped).map(([k, v]) => [`dropped_${k}`, v])),
      ...Object.fromEntries(Object.entries(counters.tokensRefused).map(([k, v]) => [`token_${k}`, v])),
      serverFull: counters.denied.serverFull,
      seatsRefused: Object.values(server.host.counters.seatsRefused).reduce((a, b) => a + b, 0),
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

/** Every player's connect token, sealed with the server's key (room i's players at `2i`, `2i + 1`). */
export function issueTokens(seats: PongSeats, random: RandomSource): PublicConnectToken[] {
  const serverAddress = `127.0.0.1:${seats.port}`;
  const issuer = new ConnectTokenIssuer({
    key: { id: 1, key: Buffer.from(seats.key, 'hex') },
    protocolId: PONG_PROTOCOL_ID,
    clock: epochClock,
    random,
    expiresInMs: 10 * 60_000,
  });
  return seats.rooms.flatMap((r, i) =>
    r.players.map((playerId) =>
      decodeConnectToken(
        issuer.issue({
          playerId,
          matchId: `m${i}`,
          roomId: r.roomId,
          serverAddress,
          userData: encodeMatchRoster(r.players)!,
        }),
      ),
    ),
  );
}

/** The three possible inputs, encoded once (the room client copies what it is given). */
const INPUTS = new Map<PaddleInput, Uint8Array>(([-1, 0, 1] as const).map((v) => [v, encodeInput(v)]));

export function inputBytes(input: PaddleInput): Uint8Array {
  return INPUTS.get(input)!;
}
