import type { RoomInfo, RoomManager, RoomStatus } from './room-manager.js';

/**
 * A {@link RoomManager} for a game server that passes every call through to the real store and
 * remembers which rooms this server runs: a room joins the set when the server marks it `playing`
 * and leaves when it marks it `finished` or closes it. Hand it to the game server instead of the
 * store, and its {@link RunningRooms.matches} to a `GameServerHeartbeat`, whose heartbeats then
 * report the rooms in use and keep their keys alive ({@link RoomManager.touch}).
 */
export class RunningRooms implements RoomManager {
  private readonly running = new Map<string, string>();

  /** @param store - the real room store (the one the match servers write). */
  constructor(readonly store: RoomManager) {}

  /** The match ids of the rooms this server runs now. */
  matches(): IterableIterator<string> {
    return this.running.values();
  }

  /** The ids of the rooms this server runs now. */
  rooms(): IterableIterator<string> {
    return this.running.keys();
  }

  /** Refreshes the TTL of every running room ({@link RoomManager.touch}). @returns how many still existed. */
  async touchAll(): Promise<number> {
    const ids = [...this.running.keys()];
    const found = await Promise.all(ids.map((id) => this.store.touch(id)));
    return found.filter(Boolean).length;
  }

  /** {@inheritDoc RoomManager.createRoom} */
  createRoom(matchId: string, playerIds?: readonly string[]): Promise<string> {
    return this.store.createRoom(matchId, playerIds);
  }

  /** {@inheritDoc RoomManager.addPlayerToRoom} */
  addPlayerToRoom(roomId: string, playerId: string): Promise<boolean> {
    return this.store.addPlayerToRoom(roomId, playerId);
  }

  /** {@inheritDoc RoomManager.setStatus} */
  async setStatus(roomId: string, status: RoomStatus): Promise<boolean> {
    if (status === 'finished') this.running.delete(roomId);
    const found = await this.store.setStatus(roomId, status);
    if (found && status === 'playing') {
      const room = await this.store.getRoom(roomId);
      if (room !== undefined && room.status === 'playing') this.running.set(roomId, room.matchId);
    }
    return found;
  }

  /** {@inheritDoc RoomManager.getRoom} */
  getRoom(roomId: string): Promise<RoomInfo | undefined> {
    return this.store.getRoom(roomId);
  }

  /** {@inheritDoc RoomManager.touch} */
  touch(roomId: string): Promise<boolean> {
    return this.store.touch(roomId);
  }

  /** {@inheritDoc RoomManager.closeRoom} */
  async closeRoom(roomId: string): Promise<void> {
    this.running.delete(roomId);
    await this.store.closeRoom(roomId);
  }
}
