/**
 * A Pong game server assembled from the library: a connection server on any datagram transport,
 * a drift-free 60 Hz tick loop, rooms created from the match server's room store, and metrics.
 */
import {
  type Clock,
  type Logger,
  type RandomSource,
  silentLogger,
  systemClock,
  type Timers,
} from '../../src/core/index.js';
import type { RoomManager } from '../../src/matchmaking/index.js';
import type { MetricsCollector } from '../../src/metrics/index.js';
import { TickLoop } from '../../src/server/index.js';
import { ConnectionServer, type DatagramTransport } from '../../src/transport/index.js';
import { decodeTicket, type PongTicket } from './pong-messages.js';
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
  /** Points that win a match (default 5). */
  scoreToWin?: number;
  /** Ticks per second (default 60). */
  tickRate?: number;
  /** Called when a match ends. */
  onResult?: (result: PongResult) => void;
  /** Timers of the tick loop (default the global ones). */
  timers?: Timers;
}

interface Admission {
  ticket: PongTicket;
  players: [string, string];
}

export class PongServer {
  readonly connections: ConnectionServer;
  readonly loop: TickLoop;
  readonly results: PongResult[] = [];
  private readonly options: PongServerOptions;
  private readonly logger: Logger;
  private readonly active = new Map<string, PongRoom>();
  /** Rooms that ended here, so a late connect cannot reopen a finished match (bounded). */
  private readonly ended = new Set<string>();

  constructor(options: PongServerOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    const clock = options.clock ?? systemClock;
    this.connections = new ConnectionServer({
      transport: options.transport,
      protocolId: PONG_PROTOCOL_ID,
      clock,
      validateToken: (token) => this.admit(token),
      maxClients: 256,
      observer: options.metrics?.transportObserver,
      channelObserver: options.metrics?.channelObserver,
      logger: this.logger,
    });
    this.connections.on('connect', (connection) => {
      const { ticket, players } = connection.userData as Admission;
      let room = this.active.get(ticket.room_id);
      if (room === undefined && !this.ended.has(ticket.room_id)) room = this.openRoom(ticket, players);
      if (!room?.join(ticket.player_id, connection)) connection.disconnect();
    });
    this.loop = new TickLoop({
      rate: options.tickRate ?? 60,
      clock,
      observer: options.metrics?.tickObserver,
      logger: this.logger,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      onTick: (tick, dt) => {
        for (const [id, room] of this.active) {
          if (!room.tick(tick, dt)) this.dropRoom(id);
        }
        this.connections.update();
      },
    });
  }

  /** Rooms waiting for their players, in play, or lingering after the end. */
  get activeRooms(): number {
    return this.active.size;
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
    for (const room of this.active.values()) room.abandon();
    this.active.clear();
    this.connections.close();
  }

  /** Token check: a well-formed ticket for a room that the match server made for this player. */
  private async admit(token: Uint8Array): Promise<false | { userData: Admission }> {
    const ticket = decodeTicket(token);
    if (ticket === undefined) return false;
    const room = await this.options.rooms.getRoom(ticket.room_id);
    if (room === undefined || room.matchId !== ticket.match_id || room.status === 'finished') return false;
    if (!room.players.includes(ticket.player_id) || room.players.length !== 2) return false;
    const players = [...room.players].sort() as [string, string];
    return { userData: { ticket, players } };
  }

  private openRoom(ticket: PongTicket, players: [string, string]): PongRoom {
    const room = new PongRoom({
      roomId: ticket.room_id,
      matchId: ticket.match_id,
      players,
      random: this.options.random,
      scoreToWin: this.options.scoreToWin ?? 5,
      onEnd: (result) => this.onRoomEnd(result),
      joinTimeoutTicks: Math.round(this.loop.rate * 10),
      lingerTicks: Math.round(this.loop.rate * 2),
    });
    this.active.set(ticket.room_id, room);
    this.options.metrics?.tickObserver.activeRooms?.(this.active.size);
    void this.options.rooms.setStatus(ticket.room_id, 'playing').catch((err: unknown) => {
      this.logger.warn({ err, roomId: ticket.room_id }, 'could not mark room playing');
    });
    return room;
  }

  private dropRoom(roomId: string): void {
    this.active.delete(roomId);
    this.options.metrics?.tickObserver.activeRooms?.(this.active.size);
  }

  private onRoomEnd(result: PongResult): void {
    this.ended.add(result.roomId);
    if (this.ended.size > 4096) this.ended.delete(this.ended.values().next().value!);
    this.results.push(result);
    this.logger.info({ ...result }, 'match ended');
    this.options.onResult?.(result);
    const rooms = this.options.rooms;
    void rooms
      .setStatus(result.roomId, 'finished')
      .then(() => rooms.closeRoom(result.roomId))
      .catch((err: unknown) => this.logger.warn({ err, roomId: result.roomId }, 'could not close room'));
  }
}
