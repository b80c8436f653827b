/**
 * A Pong game server assembled from the library: a connection server whose token check admits
 * the players the match server placed, and a room host running {@link PongRoom}s. Configuration
 * only; the rules are in `pong-room.ts`, hosting in `@pong/netcode/server`.
 */
import {
  type Clock,
  type Logger,
  type RandomSource,
  systemClock,
  type Timers,
} from '../../src/core/index.js';
import type { RoomManager } from '../../src/matchmaking/index.js';
import type { MetricsCollector } from '../../src/metrics/index.js';
import { RoomHost, type SeatClaim, type TickObserver } from '../../src/server/index.js';
import { ConnectionServer, type DatagramTransport } from '../../src/transport/index.js';
import { decodeTicket } from './pong-messages.js';
import { type PongResult, PongRoom } from './pong-room.js';

/** The Pong demo's application protocol id ("PONG"). */
export const PONG_PROTOCOL_ID = 0x504f4e47;

export interface PongServerOptions {
  /** The socket to serve on (the server does not close it). */
  transport: DatagramTransport;
  /** The room store the match server writes; players are admitted only to their own room. */
  rooms: RoomManager;
  random: RandomSource;
  clock?: Clock;
  logger?: Logger;
  /** Where the server's metrics go (connection, channel, tick loop, rooms). */
  metrics?: MetricsCollector;
  /** Most matches at once (default 500); the connection limit is two players per room. */
  maxRooms?: number;
  /** Points that win a match (default 5). */
  scoreToWin?: number;
  /** Ticks per second (default 60). */
  tickRate?: number;
  /** Snapshots per second, dividing the tick rate (default the tick rate). */
  snapshotRate?: number;
  /** How long a dropped player's seat is held (default 5,000 ms); then the match is forfeit. */
  reconnectGraceMs?: number;
  /** Receives tick durations and the room count (default `metrics.tickObserver`). */
  tickObserver?: TickObserver;
  /** Called when a match ends. */
  onResult?: (result: PongResult) => void;
  /** Timers of the tick loop (default the global ones). */
  timers?: Timers;
}

/** Rooms' players learned by the token check, remembered until the room opens (bounded). */
const ROSTER_LIMIT = 4096;

export class PongServer {
  readonly connections: ConnectionServer;
  readonly host: RoomHost<PongRoom>;
  readonly results: PongResult[] = [];
  private readonly options: PongServerOptions;
  /** Room id to its two players (seat 1 first), from the room store, for `createRoom`. */
  private readonly rosters = new Map<string, readonly [string, string]>();

  constructor(options: PongServerOptions) {
    this.options = options;
    const clock = options.clock ?? systemClock;
    const maxRooms = options.maxRooms ?? 500;
    this.connections = new ConnectionServer({
      transport: options.transport,
      protocolId: PONG_PROTOCOL_ID,
      clock,
      validateToken: (token) => this.check(token),
      maxClients: 2 * maxRooms,
      observer: options.metrics?.transportObserver,
      channelObserver: options.metrics?.channelObserver,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    this.host = new RoomHost<PongRoom>({
      connections: this.connections,
      maxRooms,
      clock,
      tickRate: options.tickRate ?? 60,
      snapshotRate: options.snapshotRate ?? options.tickRate ?? 60,
      reconnectGraceMs: options.reconnectGraceMs ?? 5_000,
      tickObserver: options.tickObserver ?? options.metrics?.tickObserver,
      roomObserver: options.metrics?.roomObserver,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      // The claim is the connection's token (whatever `readClaim` reads); the players come from
      // the room store, looked up by the token check.
      createRoom: (claim, context) => {
        const players = this.rosters.get(claim.roomId);
        if (players === undefined) return undefined;
        this.rosters.delete(claim.roomId);
        void options.rooms.setStatus(claim.roomId, 'playing').catch((err: unknown) => {
          context.logger.warn({ err, roomId: claim.roomId }, 'could not mark room playing');
        });
        return new PongRoom(context, {
          roomId: claim.roomId,
          matchId: claim.matchId,
          players,
          random: options.random,
          scoreToWin: options.scoreToWin ?? 5,
          onEnd: (result) => this.onRoomEnd(result, context.logger),
          joinTimeoutMs: 10_000,
          lingerMs: 2_000,
        });
      },
    });
  }

  /** Rooms waiting for their players, in play, or lingering after the end. */
  get activeRooms(): number {
    return this.host.rooms.size;
  }

  start(): void {
    this.host.start();
  }

  stop(): void {
    this.host.stop();
    this.connections.close();
  }

  /** Token check: a well-formed ticket for a room that the match server made for this player. */
  private async check(token: Uint8Array): Promise<false | { userData: SeatClaim }> {
    const ticket = decodeTicket(token);
    if (ticket === undefined) return false;
    const room = await this.options.rooms.getRoom(ticket.room_id);
    if (room === undefined || room.matchId !== ticket.match_id || room.status === 'finished') return false;
    if (!room.players.includes(ticket.player_id) || room.players.length !== 2) return false;
    this.rosters.set(ticket.room_id, [...room.players].sort() as [string, string]);
    if (this.rosters.size > ROSTER_LIMIT) this.rosters.delete(this.rosters.keys().next().value!);
    return {
      userData: {
        playerId: ticket.player_id,
        matchId: ticket.match_id,
        roomId: ticket.room_id,
        ...(ticket.token_id === undefined ? {} : { tokenId: ticket.token_id }),
      },
    };
  }

  private onRoomEnd(result: PongResult, logger: Logger): void {
    this.results.push(result);
    logger.info({ ...result }, 'match ended');
    this.options.onResult?.(result);
    const rooms = this.options.rooms;
    void rooms
      .setStatus(result.roomId, 'finished')
      .then(() => rooms.closeRoom(result.roomId))
      .catch((err: unknown) => logger.warn({ err, roomId: result.roomId }, 'could not close room'));
  }
}
