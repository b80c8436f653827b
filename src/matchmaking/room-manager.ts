import { createCryptoRandom, InvalidOptionError, type RandomSource } from '../core/index.js';
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
  /** Deletes the room (all its keys). Closing an unknown room does nothing. */
  closeRoom(roomId: string): Promise<void>;
}

/** Options shared by the room managers. */
export interface RoomManagerOptions {
  /** Source of room ids (default: crypto random). */
  readonly random?: RandomSource;
  /** Players a room holds (default 2). */
  readonly capacity?: number;
}

/** @internal Validates the shared options. */
export function roomOptions(options: RoomManagerOptions): { ids: IdGenerator; capacity: number } {
  const capacity = options.capacity ?? 2;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new InvalidOptionError('capacity', `must be a positive integer, got ${capacity}`);
  }
  return { ids: createIdGenerator(options.random ?? createCryptoRandom(), 'r_'), capacity };
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

/** The in-memory {@link RoomManager}: the default for one process and for tests. */
export class MemoryRoomManager implements RoomManager {
  private readonly rooms = new Map<string, { matchId: string; status: RoomStatus; players: Set<string> }>();
  private readonly ids: IdGenerator;
  private readonly capacity: number;

  /** @param options - see {@link RoomManagerOptions}. */
  constructor(options: RoomManagerOptions = {}) {
    ({ ids: this.ids, capacity: this.capacity } = roomOptions(options));
  }

  /** {@inheritDoc RoomManager.createRoom} */
  async createRoom(matchId: string, playerIds: readonly string[] = []): Promise<string> {
    checkRoomPlayers(playerIds, this.capacity);
    const roomId = this.ids();
    this.rooms.set(roomId, { matchId, status: 'waiting', players: new Set(playerIds) });
    return roomId;
  }

  /** {@inheritDoc RoomManager.addPlayerToRoom} */
  async addPlayerToRoom(roomId: string, playerId: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    if (room === undefined || room.status === 'finished') return false;
    if (room.players.has(playerId)) return true;
    if (room.players.size >= this.capacity) return false;
    room.players.add(playerId);
    return true;
  }

  /** {@inheritDoc RoomManager.setStatus} */
  async setStatus(roomId: string, status: RoomStatus): Promise<boolean> {
    checkRoomStatus(status);
    const room = this.rooms.get(roomId);
    if (room === undefined) return false;
    room.status = status;
    return true;
  }

  /** {@inheritDoc RoomManager.getRoom} */
  async getRoom(roomId: string): Promise<RoomInfo | undefined> {
    const room = this.rooms.get(roomId);
    if (room === undefined) return undefined;
    return { roomId, matchId: room.matchId, status: room.status, players: [...room.players].sort() };
  }

  /** {@inheritDoc RoomManager.closeRoom} */
  async closeRoom(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }
}
