import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock } from '../../src/core/index.js';
import { MemoryRoomManager, RedisRoomManager, type RoomManager } from '../../src/matchmaking/index.js';
import { hasRedis, redisUrl } from '../support/services.js';

/** This file's own Redis database index (flushed before and after). */
const DB = 11;
let redis: Redis | undefined;

beforeAll(async () => {
  if (!hasRedis) return;
  redis = new Redis(redisUrl, { db: DB, lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
});
afterAll(async () => {
  await redis?.flushdb();
  redis?.disconnect();
});

const backends = [
  { name: 'memory', skip: false, create: () => new MemoryRoomManager({ random: createSeededRandom(1) }) },
  {
    name: 'Redis',
    skip: !hasRedis,
    create: () => new RedisRoomManager(redis!, { random: createSeededRandom(2) }),
  },
];

describe.each(backends)('RoomManager on $name', ({ skip, create }) => {
  let rooms: RoomManager;
  beforeAll(() => {
    if (!skip) rooms = create();
  });

  it.skipIf(skip)('creates a waiting room holding the match id and players', async () => {
    const roomId = await rooms.createRoom('m456', ['p123', 'p124']);
    expect(roomId).toMatch(/^r_[0-9a-v]{20}$/);
    expect(await rooms.getRoom(roomId)).toEqual({
      roomId,
      matchId: 'm456',
      status: 'waiting',
      players: ['p123', 'p124'],
    });
  });

  it.skipIf(skip)('creates a round of 1,201 rooms at once, with 0, 1 or 2 players each', async () => {
    // Redis sends rooms asked for together in script calls of up to 500: 500 + 500 + 201 here.
    const players = (i: number) => [`a${i}`, `b${i}`].slice(0, i % 3);
    const ids = await Promise.all(
      Array.from({ length: 1201 }, (_, i) => rooms.createRoom(`mb${i}`, players(i))),
    );
    expect(new Set(ids).size).toBe(1201);
    for (const i of [0, 1, 2, 499, 500, 501, 999, 1000, 1200]) {
      expect(await rooms.getRoom(ids[i]!)).toEqual({
        roomId: ids[i],
        matchId: `mb${i}`,
        status: 'waiting',
        players: players(i),
      });
    }
    await Promise.all(ids.map((id) => rooms.closeRoom(id)));
    expect(await rooms.getRoom(ids[1200]!)).toBeUndefined();
  });

  it.skipIf(skip)('adds players up to the capacity, idempotently', async () => {
    const roomId = await rooms.createRoom('m1');
    expect(await rooms.addPlayerToRoom(roomId, 'a')).toBe(true);
    expect(await rooms.addPlayerToRoom(roomId, 'a')).toBe(true);
    expect(await rooms.addPlayerToRoom(roomId, 'b')).toBe(true);
    expect(await rooms.addPlayerToRoom(roomId, 'c')).toBe(false);
    expect((await rooms.getRoom(roomId))?.players).toEqual(['a', 'b']);
  });

  it.skipIf(skip)('refuses players for unknown and finished rooms', async () => {
    expect(await rooms.addPlayerToRoom('r_nope', 'a')).toBe(false);
    const roomId = await rooms.createRoom('m2', ['a']);
    expect(await rooms.setStatus(roomId, 'playing')).toBe(true);
    expect(await rooms.addPlayerToRoom(roomId, 'b')).toBe(true);
    const other = await rooms.createRoom('m3', ['x']);
    expect(await rooms.setStatus(other, 'finished')).toBe(true);
    expect(await rooms.addPlayerToRoom(other, 'y')).toBe(false);
    expect(await rooms.getRoom(other)).toMatchObject({ status: 'finished', players: ['x'] });
  });

  it.skipIf(skip)('setStatus is false for unknown rooms and rejects bad statuses', async () => {
    expect(await rooms.setStatus('r_nope', 'playing')).toBe(false);
    expect(await rooms.getRoom('r_nope')).toBeUndefined();
    const roomId = await rooms.createRoom('m4');
    await expect(rooms.setStatus(roomId, 'over' as never)).rejects.toThrow(InvalidOptionError);
    expect((await rooms.getRoom(roomId))?.status).toBe('waiting');
  });

  it.skipIf(skip)('closeRoom deletes the room', async () => {
    const roomId = await rooms.createRoom('m5', ['a', 'b']);
    await rooms.closeRoom(roomId);
    await rooms.closeRoom(roomId);
    expect(await rooms.getRoom(roomId)).toBeUndefined();
    expect(await rooms.addPlayerToRoom(roomId, 'a')).toBe(false);
  });

  it.skipIf(skip)('rejects more players than the capacity or duplicates at creation', async () => {
    await expect(rooms.createRoom('m6', ['a', 'b', 'c'])).rejects.toThrow(/playerIds/);
    await expect(rooms.createRoom('m6', ['a', 'a'])).rejects.toThrow(InvalidOptionError);
  });

  it.skipIf(skip)('touch is true for a live room and false for an unknown or closed one', async () => {
    const roomId = await rooms.createRoom('m8', ['a', 'b']);
    expect(await rooms.touch(roomId)).toBe(true);
    expect(await rooms.touch('r_nope')).toBe(false);
    await rooms.closeRoom(roomId);
    expect(await rooms.touch(roomId)).toBe(false);
  });

  it.skipIf(skip)('concurrent adds never overfill a room', async () => {
    const roomId = await rooms.createRoom('m7');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rooms.addPlayerToRoom(roomId, `p${i}`)),
    );
    expect(results.filter(Boolean)).toHaveLength(2);
    expect((await rooms.getRoom(roomId))?.players).toHaveLength(2);
  });
});

describe('MemoryRoomManager expiry', () => {
  it('a room expires ttlMs after creation or its last touch, and is then unknown everywhere', async () => {
    const clock = new ManualClock();
    const rooms = new MemoryRoomManager({ clock, ttlMs: 1000, random: createSeededRandom(5) });
    const roomId = await rooms.createRoom('m1', ['a']);
    clock.advance(999);
    expect(await rooms.touch(roomId)).toBe(true);
    clock.advance(999);
    expect(await rooms.setStatus(roomId, 'playing')).toBe(true);
    clock.advance(1);
    expect(await rooms.getRoom(roomId)).toBeUndefined();
    expect(await rooms.touch(roomId)).toBe(false);
    expect(await rooms.addPlayerToRoom(roomId, 'b')).toBe(false);
    expect(await rooms.setStatus(roomId, 'finished')).toBe(false);
  });

  it('sweeps expired rooms that nobody asks about again', async () => {
    const clock = new ManualClock();
    const rooms = new MemoryRoomManager({ clock, ttlMs: 1000, random: createSeededRandom(6) });
    for (let i = 0; i < 64; i++) await rooms.createRoom(`old${i}`);
    clock.advance(1000);
    await rooms.createRoom('new');
    expect(rooms.size).toBe(1);
  });

  it('rejects a bad ttlMs naming it', () => {
    expect(() => new MemoryRoomManager({ ttlMs: 0 })).toThrow(/ttlMs/);
  });
});

describe.skipIf(!hasRedis)('RedisRoomManager keys', () => {
  it('every key of a room carries the TTL; status changes keep it; touch renews it', async () => {
    await redis!.flushdb();
    const rooms = new RedisRoomManager(redis!, { ttlMs: 5000, random: createSeededRandom(7) });
    const ttls = async (roomId: string) =>
      Promise.all(['players', 'match_id', 'status'].map((k) => redis!.pttl(`room:${roomId}:${k}`)));
    const within = (values: number[], low: number, high: number) => {
      for (const v of values) {
        expect(v).toBeGreaterThan(low);
        expect(v).toBeLessThanOrEqual(high);
      }
    };
    const full = await rooms.createRoom('m1', ['a', 'b']);
    within(await ttls(full), 4000, 5000);
    // A room created empty gets its players set, with the room's TTL, on the first add.
    const empty = await rooms.createRoom('m2');
    expect(await rooms.addPlayerToRoom(empty, 'c')).toBe(true);
    within(await ttls(empty), 4000, 5000);
    await redis!.pexpire(`room:${full}:status`, 100);
    expect(await rooms.setStatus(full, 'playing')).toBe(true);
    expect(await redis!.pttl(`room:${full}:status`)).toBeLessThanOrEqual(100);
    expect(await rooms.touch(full)).toBe(true);
    within(await ttls(full), 4000, 5000);
    await redis!.flushdb();
  });

  it('uses exactly room:<id>:players (SET), :match_id and :status (STRING)', async () => {
    await redis!.flushdb();
    const rooms = new RedisRoomManager(redis!, { random: createSeededRandom(3) });
    const roomId = await rooms.createRoom('m456', ['p123', 'p124']);
    expect((await redis!.keys('*')).sort()).toEqual(
      [`room:${roomId}:match_id`, `room:${roomId}:players`, `room:${roomId}:status`].sort(),
    );
    expect(await redis!.type(`room:${roomId}:players`)).toBe('set');
    expect((await redis!.smembers(`room:${roomId}:players`)).sort()).toEqual(['p123', 'p124']);
    expect(await redis!.get(`room:${roomId}:match_id`)).toBe('m456');
    expect(await redis!.get(`room:${roomId}:status`)).toBe('waiting');
    await rooms.setStatus(roomId, 'playing');
    expect(await redis!.get(`room:${roomId}:status`)).toBe('playing');
    await rooms.closeRoom(roomId);
    expect(await redis!.keys('*')).toEqual([]);
  });

  it('keeps working after Redis forgets its scripts (SCRIPT FLUSH)', async () => {
    await redis!.flushdb();
    const rooms = new RedisRoomManager(redis!, { random: createSeededRandom(4) });
    const roomId = await rooms.createRoom('m1', ['p1']);
    await redis!.script('FLUSH');
    expect(await rooms.addPlayerToRoom(roomId, 'p2')).toBe(true);
    expect(await rooms.setStatus(roomId, 'playing')).toBe(true);
    const second = await rooms.createRoom('m2', ['p3', 'p4']);
    expect(await rooms.getRoom(roomId)).toEqual({
      roomId,
      matchId: 'm1',
      status: 'playing',
      players: ['p1', 'p2'],
    });
    expect(await rooms.getRoom(second)).toMatchObject({
      matchId: 'm2',
      status: 'waiting',
      players: ['p3', 'p4'],
    });
    await redis!.flushdb();
  });

  it('rejects a bad capacity naming the option', () => {
    expect(() => new RedisRoomManager(redis!, { capacity: 0 })).toThrow(/capacity/);
  });
});
