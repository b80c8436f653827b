/**
 * A Pong game server assembled from the library: a connection server that admits only holders of
 * a connect token the match server sealed for this server, and a room host running
 * {@link PongRoom}s, each seat taken only by the player its token names. Configuration
 * only; the rules are in `pong-room.ts`, hosting in `@pong/netcode/server`.
 */
import {
  type Clock,
  type Logger,
  type RandomSource,
  systemClock,
  type Timers,
} from '../../src/core/index.js';
import { decodeMatchRoster, type RoomManager } from '../../src/matchmaking/index.js';
import type { MetricsCollector } from '../../src/metrics/index.js';
import { RoomHost, type TickObserver } from '../../src/server/index.js';
import {
  ConnectionServer,
  type DatagramTransport,
  type HandshakeTokenVerifier,
  type VerifiedConnectToken,
} from '../../src/transport/index.js';
import { type PongResult, PongRoom } from './pong-room.js';

/** The Pong demo's application protocol id ("PONG"). */
export const PONG_PROTOCOL_ID = 0x504f4e47;

export interface PongServerOptions {
  /** The socket to serve on (the server does not close it). */
  transport: DatagramTransport;
  /**
   * Checks the connect tokens players present: a `ConnectTokenVerifier` holding the match
   * server's key and this server's public address. Each token names its player, match and room
   * and carries the match's roster (see `decodeMatchRoster`).
   */
  connectTokens: HandshakeTokenVerifier;
  /** The room store the match server writes: marked `playing`, then `finished` and closed. */
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

export class PongServer {
  readonly connections: ConnectionServer;
  readonly host: RoomHost<PongRoom>;
  readonly results: PongResult[] = [];
  private readonly options: PongServerOptions;

  constructor(options: PongServerOptions) {
    this.options = options;
    const clock = options.clock ?? systemClock;
    const maxRooms = options.maxRooms ?? 500;
    this.connections = new ConnectionServer({
      transport: options.transport,
      protocolId: PONG_PROTOCOL_ID,
      clock,
      connectTokens: options.connectTokens,
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
      // The claim is the connection's verified token; the room's two players are the roster the
      // match server sealed into it (seat 1 first, sorted).
      createRoom: (claim, context) => {
        const roster = decodeMatchRoster((claim as VerifiedConnectToken).userData);
        if (roster?.length !== 2 || !roster.includes(claim.playerId)) return undefined;
        const players = [...roster].sort() as [string, string];
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
