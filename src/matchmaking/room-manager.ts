import {
  type Clock,
  createCryptoRandom,
  InvalidOptionError,
  type RandomSource,
  systemClock,
} from '../core/index.js';
import { createIdGenerator, type IdGenerator } from './ids.js';

/** A room's life cycle: created `waiting`, `playing` once the game starts, `finished` (closed). */
export type RoomStatus = 'waiting' | 'playing' | 'finished';

/** The valid {@link RoomStatus} values. */
export const roomStatuses: readonly RoomStatus[] = ['waiting', 'playing', 'finished'];

/** A room as stored. */
export interface RoomInfo {
  /** The room's id. */
  readonly roomId: string;
  /** The match the room was created for. */
  readonly matchId: string;
  /** Its status. */
  readonly status: RoomStatus;
  /** The players in it, sorted. */
  readonly players: readonly string[];
}

/**
 * Where rooms live: Redis in production ({@link RedisRoomManager}), memory by default
 * ({@link MemoryRoomManager}). Every operation is atomic.
 */
export interface RoomManager {
  /**
   * Creates a room in status `waiting` for a match, already holding `playerIds` (so a matched
   * pair gets its room in one atomic step).
   *
   * @returns the new room's id.
   */
  createRoom(matchId: string, playerIds?: readonly string[]): Promise<string>;
  /**
   * Adds a player (idempotent for a player already in the room).
   *
   * @returns false when the room is unknown, full or finished.
   */
  addPlayerToRoom(roomId: string, playerId: string): Promise<boolean>;
  /** Sets the status. @returns false when the room is unknown. */
  setStatus(roomId: string, status: RoomStatus): Promise<boolean>;
  /** @returns the room, or undefined when unknown. */
  getRoom(roomId: string): Promise<RoomInfo | undefined>;
  /**
   * Keeps the room alive: its keys expire `ttlMs` after creation or the last touch, so a room
   * whose match server or game server died is not left behind. The game server running the match
   * touches it while the match runs (e.g. `RunningRooms` with a `GameServerHeartbeat`).
   *
   * @returns false when the room is unknown (closed or expired).
   */
  touch(roomId: string): Promise<boolean>;
  /** Deletes the room (all its keys). Closing an unknown room does nothing. */
  closeRoom(roomId: string): Promise<void>;
}

/** Options shared by the room managers. */
export interface RoomManagerOptions {
  /** Source of room ids (default: crypto random). */
  readonly random?: RandomSource;
  /** Players a room holds (default 2). */
  readonly capacity?: number;
  /**
   * Milliseconds a room lives after its creation or its last {@link RoomManager.touch}
   * (default 120 000). Longer than the players' time to connect; the game server touches the room
   * while the match runs.
   */
  readonly ttlMs?: number;
  /** Time source of the memory store's expiry (default the monotonic system clock; Redis uses its own). */
  readonly clock?: Clock;
}

/** @internal Validates the shared options. */
export function roomOptions(options: RoomManagerOptions): {
  ids: IdGenerator;
  capacity: number;
  ttlMs: number;
  clock: Clock;
} {
  const capacity = options.capacity ?? 2;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new InvalidOptionError('capacity', `must be a positive integer, got ${capacity}`);
  }
  const ttlMs = options.ttlMs ?? 120_000;
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new InvalidOptionError('ttlMs', `must be a positive integer, got ${ttlMs}`);
  }
  return {
    ids: createIdGenerator(options.random ?? createCryptoRandom(), 'r_'),
    capacity,
    ttlMs,
    clock: options.clock ?? systemClock,
  };
}

/** @internal Validates createRoom's players. */
export function checkRoomPlayers(playerIds: readonly string[], capacity: number): void {
  if (new Set(playerIds).size !== playerIds.length || playerIds.length > capacity) {
    throw new InvalidOptionError('playerIds', `must be distinct and at most ${capacity}`);
  }
}

/** @internal Validates a status argument. */
export function checkRoomStatus(status: RoomStatus): void {
  if (!roomStatuses.includes(status)) {
    throw new InvalidOptionError(
      'status',
      `must be one of ${roomStatuses.join(', ')}, got ${String(status)}`,
    );
  }
}

interface MemoryRoom {
  matchId: string;
  status: RoomStatus;
  players: Set<string>;
  expiresAt: number;
}

/** The in-memory {@link RoomManager}: the default for one process and for tests. */
export class MemoryRoomManager implements RoomManager {
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly ids: IdGenerator;
  private readonly capacity: number;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  /** Rooms held after the last sweep of expired ones; the next sweep runs at twice as many. */
  private swept = 0;

  /** @param options - see {@link RoomManagerOptions}. */
  constructor(options: RoomManagerOptions = {}) {
    ({ ids: this.ids, capacity: this.capacity, ttlMs: this.ttlMs, clock: this.clock } = roomOptions(options));
  }

  /** Rooms held, expired ones not yet swept included. */
  get size(): number {
    return this.rooms.size;
  }

  /** {@inheritDoc RoomManager.createRoom} */
  async createRoom(matchId: string, playerIds: readonly string[] = []): Promise<string> {
    checkRoomPlayers(playerIds, this.capacity);
    const roomId = this.ids();
    const now = this.clock.now();
    if (this.rooms.size >= 2 * this.swept + 64) this.sweep(now);
    this.rooms.set(roomId, {
      matchId,
      status: 'waiting',
      players: new Set(playerIds),
      expiresAt: now + this.ttlMs,
    });
    return roomId;
  }

  /** {@inheritDoc RoomManager.touch} */
  async touch(roomId: string): Promise<boolean> {
    const room = this.live(roomId);
    if (room === undefined) return false;
    room.expiresAt = this.clock.now() + this.ttlMs;
    return true;
  }

  /** @returns the room unless unknown or expired (an expired one is deleted). */
  private live(roomId: string): MemoryRoom | undefined {
    const room = this.rooms.get(roomId);
    if (room !== undefined && room.expiresAt <= this.clock.now()) {
      this.rooms.delete(roomId);
      return undefined;
    }
    return room;
  }

  private sweep(now: number): void {
    for (const [id, room] of this.rooms) if (room.expiresAt <= now) this.rooms.delete(id);
    this.swept = this.rooms.size;
  }

  /** {@inheritDoc RoomManager.addPlayerToRoom} */
  async addPlayerToRoom(roomId: string, playerId: string): Promise<boolean> {
    const room = this.live(roomId);
    if (room === undefined || room.status === 'finished') return false;
    if (room.players.has(playerId)) return true;
    if (room.players.size >= this.capacity) return false;
    room.players.add(playerId);
    return true;
  }

  /** {@inheritDoc RoomManager.setStatus} */
  async setStatus(roomId: string, status: RoomStatus): Promise<boolean> {
    checkRoomStatus(status);
    const room = this.live(roomId);
    if (room === undefined) return false;
    room.status = status;
    return true;
  }

  /** {@inheritDoc RoomManager.getRoom} */
  async getRoom(roomId: string): Promise<RoomInfo | undefined> {
    const room = this.live(roomId);
    if (room === undefined) return undefined;
    return { roomId, matchId: room.matchId, status: room.status, players: [...room.players].sort() };
  }

  /** {@inheritDoc RoomManager.closeRoom} */
  async closeRoom(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }
}
