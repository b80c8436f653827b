import { StoreUnavailableError } from './errors.js';
import type { IdGenerator } from './ids.js';
import {
  checkRoomPlayers,
  checkRoomStatus,
  type RoomInfo,
  type RoomManager,
  type RoomManagerOptions,
  type RoomStatus,
  roomOptions,
} from './room-manager.js';

const keys = (roomId: string) =>
  [`room:${roomId}:players`, `room:${roomId}:match_id`, `room:${roomId}:status`] as const;

// Creates one or more rooms. KEYS: players, match_id, status of each room in turn. ARGV: the TTL
// in milliseconds, then, per room in the same order: match id, number of players, the player ids.
const CREATE_ROOMS = `
local ttl = ARGV[1]
local a = 2
for k = 1, #KEYS, 3 do
  local n = tonumber(ARGV[a + 1])
  redis.call('DEL', KEYS[k])
  if n > 0 then
    redis.call('SADD', KEYS[k], unpack(ARGV, a + 2, a + 1 + n))
    redis.call('PEXPIRE', KEYS[k], ttl)
  end
  redis.call('SET', KEYS[k + 1], ARGV[a], 'PX', ttl)
  redis.call('SET', KEYS[k + 2], 'waiting', 'PX', ttl)
  a = a + 2 + n
end
return #KEYS / 3`;

/** The most rooms created by one script call (bounds the call's argument list). */
const CREATE_BATCH = 500;

/** A room creation waiting for the next script call. */
interface PendingRoom {
  readonly roomId: string;
  readonly args: readonly string[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

// KEYS: players, match_id, status. ARGV: player id, capacity. A players set made here (a room
// created empty) takes the room's remaining TTL.
const ADD_PLAYER = `
local status = redis.call('GET', KEYS[3])
if not status or status == 'finished' then return 0 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

// KEYS: status. ARGV: new status. KEEPTTL: a status change does not make the room immortal.
const SET_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1`;

// KEYS: players, match_id, status. ARGV: TTL in milliseconds.
const TOUCH = `
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 1`;

/** The scripts, as commands ioredis defines on the client (it runs them by EVALSHA, EVAL once). */
interface RoomCommands {
  netcodeCreateRooms(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
  netcodeAddPlayer(
    players: string,
    match: string,
    status: string,
    player: string,
    capacity: number,
  ): Promise<number>;
  netcodeSetStatus(status: string, value: RoomStatus): Promise<number>;
  netcodeTouchRoom(players: string, match: string, status: string, ttlMs: number): Promise<number>;
}

/**
 * The part of an `ioredis` client {@link RedisRoomManager} uses (`Redis` from `ioredis` fits).
 * Declared here, not imported from `ioredis`, so this package's type declarations never pull
 * ioredis's into your compilation (ioredis 6.1.0's `.d.ts` import the untyped `redis-errors`, which
 * fails a `skipLibCheck: false` build) and ioredis stays an optional peer you bring.
 */
export interface RedisLike {
  /** `Redis.defineCommand`: the Lua scripts become methods run by EVALSHA. */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  /** `Redis.multi`: a transaction. */
  multi(): RedisMulti;
  /** `Redis.del`. */
  del(...keys: string[]): Promise<number>;
}

/** The part of an ioredis `multi()` pipeline {@link RedisRoomManager} uses. */
export interface RedisMulti {
  /** Queues a GET. */
  get(key: string): RedisMulti;
  /** Queues an SMEMBERS. */
  smembers(key: string): RedisMulti;
  /** Runs the transaction: one `[error, value]` per command, or `null` when it was aborted. */
  exec(): Promise<[error: Error | null, value: unknown][] | null>;
}

/**
 * The Redis {@link RoomManager}, on a ready `ioredis` client you own (this class never connects
 * or quits it). Keys, exactly as the design specifies:
 * `room:<room_id>:players` (SET of player ids), `room:<room_id>:match_id` (STRING) and
 * `room:<room_id>:status` (STRING `waiting` | `playing` | `finished`), each with a TTL of `ttlMs`
from creation or the last {@link RedisRoomManager.touch} (Redis' own clock). Creation, adding a player and
 * changing the status are Lua scripts (defined on the client with `defineCommand` as
 * `netcodeCreateRooms`, `netcodeAddPlayer` and `netcodeSetStatus`) and closing is one `DEL` of the three keys, so every
 * operation is atomic. The three keys of a room hash to different slots, so use a single Redis (or
 * Sentinel), not Cluster.
 *
 * For fast failure while Redis is down, give the client `enableOfflineQueue: false` or a small
 * `maxRetriesPerRequest`/`commandTimeout`; otherwise commands wait in ioredis' offline queue.
 */
export class RedisRoomManager implements RoomManager {
  private readonly redis: RedisLike & RoomCommands;
  private readonly ids: IdGenerator;
  private readonly capacity: number;
  private readonly ttlMs: number;
  private creating: PendingRoom[] = [];

  /**
   * @param redis - a ready ioredis client (select the database on it).
   * @param options - see {@link RoomManagerOptions}.
   */
  constructor(redis: RedisLike, options: RoomManagerOptions = {}) {
    ({ ids: this.ids, capacity: this.capacity, ttlMs: this.ttlMs } = roomOptions(options));
    redis.defineCommand('netcodeCreateRooms', { lua: CREATE_ROOMS });
    redis.defineCommand('netcodeTouchRoom', { numberOfKeys: 3, lua: TOUCH });
    redis.defineCommand('netcodeAddPlayer', { numberOfKeys: 3, lua: ADD_PLAYER });
    redis.defineCommand('netcodeSetStatus', { numberOfKeys: 1, lua: SET_STATUS });
    this.redis = redis as RedisLike & RoomCommands;
  }

  /** {@inheritDoc RoomManager.createRoom} */
  async createRoom(matchId: string, playerIds: readonly string[] = []): Promise<string> {
    checkRoomPlayers(playerIds, this.capacity);
    const roomId = this.ids();
    await new Promise<void>((resolve, reject) => {
      if (this.creating.length === 0) queueMicrotask(() => this.flushCreates());
      this.creating.push({
        roomId,
        args: [matchId, String(playerIds.length), ...playerIds],
        resolve,
        reject,
      });
    });
    return roomId;
  }

  /**
   * Sends the rooms asked for in this turn of the event loop (a matching round's rooms) in one
   * script call per {@link CREATE_BATCH} rooms, instead of one round trip each. Each room is
   * still created atomically; a failed call fails each of its rooms.
   */
  private flushCreates(): void {
    const pending = this.creating;
    this.creating = [];
    for (let i = 0; i < pending.length; i += CREATE_BATCH) {
      const batch = pending.slice(i, i + CREATE_BATCH);
      const roomKeys = batch.flatMap((p) => keys(p.roomId));
      const args = [String(this.ttlMs), ...batch.flatMap((p) => p.args)];
      this.redis.netcodeCreateRooms(roomKeys.length, ...roomKeys, ...args).then(
        () => {
          for (const p of batch) p.resolve();
        },
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      );
    }
  }

  /** {@inheritDoc RoomManager.addPlayerToRoom} */
  async addPlayerToRoom(roomId: string, playerId: string): Promise<boolean> {
    const result = await this.redis.netcodeAddPlayer(...keys(roomId), playerId, this.capacity);
    return result === 1;
  }

  /** {@inheritDoc RoomManager.setStatus} */
  async setStatus(roomId: string, status: RoomStatus): Promise<boolean> {
    checkRoomStatus(status);
    const result = await this.redis.netcodeSetStatus(keys(roomId)[2], status);
    return result === 1;
  }

  /** {@inheritDoc RoomManager.touch} */
  async touch(roomId: string): Promise<boolean> {
    return (await this.redis.netcodeTouchRoom(...keys(roomId), this.ttlMs)) === 1;
  }

  /** {@inheritDoc RoomManager.getRoom} */
  async getRoom(roomId: string): Promise<RoomInfo | undefined> {
    const [players, match, status] = keys(roomId);
    const results = await this.redis.multi().get(status).get(match).smembers(players).exec();
    if (results === null)
      throw new StoreUnavailableError('redis', new Error('MULTI for getRoom was aborted'));
    const [statusValue, matchValue, members] = results.map(([err, value]) => {
      if (err !== null) throw err;
      return value;
    });
    if (statusValue === null || matchValue === null) return undefined;
    return {
      roomId,
      matchId: matchValue as string,
      status: statusValue as RoomStatus,
      players: [...(members as string[])].sort(),
    };
  }

  /** {@inheritDoc RoomManager.closeRoom} */
  async closeRoom(roomId: string): Promise<void> {
    await this.redis.del(...keys(roomId));
  }
}
