import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, ManualClock } from '../../src/core/index.js';
import {
  type GameServerRegistry,
  type GameServerReport,
  MemoryGameServerRegistry,
  RedisGameServerRegistry,
} from '../../src/matchmaking/index.js';
import { hasRedis, redisUrl } from '../support/services.js';

/** This file's own Redis database index (flushed before each test and after the file). */
const DB = 10;
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

const TTL = 3000;
const WINDOW = 30_000;
const backends = [
  {
    name: 'memory',
    skip: false,
    create: (clock: ManualClock) =>
      new MemoryGameServerRegistry({ clock, ttlMs: TTL, startWindowMs: WINDOW }),
  },
  {
    name: 'Redis',
    skip: !hasRedis,
    create: (clock: ManualClock) =>
      new RedisGameServerRegistry(redis!, { clock, ttlMs: TTL, startWindowMs: WINDOW }),
  },
];

const server = (address: string, more: Partial<GameServerReport> = {}): GameServerReport => ({
  address,
  region: null,
  capacity: 2,
  version: '1.0.0',
  matches: [],
  ...more,
});

const ask = (matchId: string, region: string | null = null) => ({
  matchId,
  playerIds: ['a', 'b'] as const,
  region,
});

describe.each(backends)('GameServerRegistry on $name', ({ name, skip, create }) => {
  let clock: ManualClock;
  let registry: GameServerRegistry;
  beforeEach(async () => {
    if (skip) return;
    await redis?.flushdb();
    clock = new ManualClock(1_700_000_000_000);
    registry = create(clock);
  });

  it.skipIf(skip)('allocates nothing while no server is registered', async () => {
    expect(await registry.allocate(ask('m1'))).toBeNull();
    expect(await registry.list()).toEqual([]);
  });

  it.skipIf(skip)('lists a registered server with what it reported', async () => {
    await registry.heartbeat(
      server('g1:9000', { region: 'eu', capacity: 8, version: '2.1', matches: ['x'] }),
    );
    expect(await registry.list()).toEqual([
      {
        address: 'g1:9000',
        region: 'eu',
        capacity: 8,
        version: '2.1',
        roomsInUse: 1,
        slots: 1,
        draining: false,
        expiresAt: clock.now() + TTL,
      },
    ]);
  });

  it.skipIf(skip)('never hands out more slots than the capacity, and gives released ones again', async () => {
    await registry.heartbeat(server('g1:9000', { capacity: 3 }));
    const got = await Promise.all(Array.from({ length: 10 }, (_, i) => registry.allocate(ask(`m${i}`))));
    expect(got.filter((g) => g === 'g1:9000')).toHaveLength(3);
    expect(got.filter((g) => g === null)).toHaveLength(7);
    expect((await registry.list())[0]!.slots).toBe(3);
    const held = got.flatMap((g, i) => (g === null ? [] : [`m${i}`])).sort();
    expect(await registry.slotsOf('g1:9000')).toEqual(held);
    expect(await registry.slotsOf('nope:1')).toEqual([]);
    await registry.release('g1:9000', 'm0');
    await registry.release('g1:9000', 'm0');
    expect(await registry.allocate(ask('n1'))).toBe('g1:9000');
    expect(await registry.allocate(ask('n2'))).toBeNull();
  });

  it.skipIf(skip)('two registries on one store never overfill one server', async () => {
    // Two match servers allocating at once from the same store (for memory: the same object).
    await registry.heartbeat(server('g1:9000', { capacity: 5 }));
    const both = [registry, name === 'Redis' ? create(clock) : registry];
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => both[i % 2]!.allocate(ask(`m${i}`))));
    expect(got.filter((g) => g !== null)).toHaveLength(5);
  });

  it.skipIf(skip)('prefers the region, then the least loaded share, then the lowest address', async () => {
    await registry.heartbeat(server('b:1', { capacity: 4 }));
    await registry.heartbeat(server('a:1', { capacity: 4 }));
    await registry.heartbeat(server('c:1', { capacity: 2, region: 'eu' }));
    // Region first while it has room.
    expect(await registry.allocate(ask('e1', 'eu'))).toBe('c:1');
    expect(await registry.allocate(ask('e2', 'eu'))).toBe('c:1');
    expect(await registry.allocate(ask('e3', 'eu'))).toBe('a:1');
    // c:1 is full (2/2); a:1 has 1/4, b:1 0/4: the least loaded wins, then the lowest address.
    expect(await registry.allocate(ask('x1'))).toBe('b:1');
    expect(await registry.allocate(ask('x2'))).toBe('a:1');
    expect(await registry.allocate(ask('x3'))).toBe('b:1');
    expect((await registry.list()).map((s) => [s.address, s.slots])).toEqual([
      ['a:1', 2],
      ['b:1', 2],
      ['c:1', 2],
    ]);
  });

  it.skipIf(skip)('a server whose heartbeats stop is out after ttlMs and gets no new match', async () => {
    await registry.heartbeat(server('g1:9000'));
    clock.advance(TTL - 1);
    expect(await registry.allocate(ask('m1'))).toBe('g1:9000');
    clock.advance(1);
    expect(await registry.allocate(ask('m2'))).toBeNull();
    expect(await registry.list()).toEqual([]);
    // Back on its next heartbeat, with its slot still counted.
    await registry.heartbeat(server('g1:9000'));
    expect((await registry.list())[0]!.slots).toBe(1);
  });

  it.skipIf(skip)('a draining server gets no new match; its heartbeats keep it listed', async () => {
    await registry.heartbeat(server('g1:9000'));
    await registry.heartbeat(server('g2:9000'));
    expect(await registry.drain('g1:9000')).toBe(true);
    expect(await registry.drain('nope:1')).toBe(false);
    for (const id of ['m1', 'm2']) expect(await registry.allocate(ask(id))).toBe('g2:9000');
    expect(await registry.allocate(ask('m3'))).toBeNull();
    await registry.heartbeat(server('g1:9000', { draining: true }));
    expect((await registry.list()).map((s) => [s.address, s.draining])).toEqual([
      ['g1:9000', true],
      ['g2:9000', false],
    ]);
  });

  it.skipIf(skip)('deregister removes the server and its slots', async () => {
    await registry.heartbeat(server('g1:9000'));
    expect(await registry.allocate(ask('m1'))).toBe('g1:9000');
    await registry.deregister('g1:9000');
    await registry.deregister('g1:9000');
    expect(await registry.list()).toEqual([]);
    expect(await registry.allocate(ask('m2'))).toBeNull();
    await registry.heartbeat(server('g1:9000'));
    expect((await registry.list())[0]!.slots).toBe(0);
  });

  it.skipIf(skip)('heartbeats reconcile slots with the matches the server reports', async () => {
    await registry.heartbeat(server('g1:9000', { capacity: 4 }));
    for (const id of ['started', 'never', 'ended']) expect(await registry.allocate(ask(id))).toBe('g1:9000');
    // Within the start window a slot not yet reported is kept.
    clock.advance(1000);
    await registry.heartbeat(server('g1:9000', { capacity: 4, matches: ['started', 'ended', 'other'] }));
    expect((await registry.list())[0]).toMatchObject({ roomsInUse: 3, slots: 4 });
    // 'ended' is no longer reported: its slot goes at once, as it had been reported.
    await registry.heartbeat(server('g1:9000', { capacity: 4, matches: ['started', 'other'] }));
    expect((await registry.list())[0]).toMatchObject({ roomsInUse: 2, slots: 3 });
    // 'never' (players never came) goes once its start window has passed.
    clock.advance(WINDOW - 1000 - 1);
    await registry.heartbeat(server('g1:9000', { capacity: 4, matches: ['started', 'other'] }));
    expect((await registry.list())[0]!.slots).toBe(3);
    clock.advance(1);
    await registry.heartbeat(server('g1:9000', { capacity: 4, matches: ['started', 'other'] }));
    expect((await registry.list())[0]!.slots).toBe(2);
  });

  it.skipIf(skip)('a server reporting more matches than its capacity gets no new one', async () => {
    await registry.heartbeat(server('g1:9000', { capacity: 2, matches: ['a', 'b', 'c'] }));
    expect((await registry.list())[0]).toMatchObject({ roomsInUse: 3, slots: 3 });
    expect(await registry.allocate(ask('m1'))).toBeNull();
    await registry.heartbeat(server('g1:9000', { capacity: 2, matches: ['a'] }));
    expect(await registry.allocate(ask('m1'))).toBe('g1:9000');
  });

  it.skipIf(skip)('rejects malformed reports naming the field, and stores nothing', async () => {
    const bad: [Partial<GameServerReport>, string][] = [
      [{ address: '0.0.0.0' }, 'address'],
      [{ address: 'g:70000' }, 'address'],
      [{ region: '' }, 'region'],
      [{ region: 'x'.repeat(33) }, 'region'],
      [{ capacity: 0 }, 'capacity'],
      [{ capacity: 1.5 }, 'capacity'],
      [{ capacity: 100_001 }, 'capacity'],
      [{ version: '' }, 'version'],
      [{ matches: [''] }, 'matches'],
      [{ matches: ['x'.repeat(33)] }, 'matches'],
    ];
    for (const [fields, option] of bad) {
      await expect(registry.heartbeat(server('g1:9000', fields))).rejects.toMatchObject({
        constructor: InvalidOptionError,
        option,
      });
    }
    expect(await registry.list()).toEqual([]);
  });
});

describe.skipIf(!hasRedis)('RedisGameServerRegistry keys', () => {
  it('uses gameservers, gameserver:<address> and :slots, each with a Redis TTL', async () => {
    await redis!.flushdb();
    const registry = new RedisGameServerRegistry(redis!, { ttlMs: 3000 });
    await registry.heartbeat(server('g1:9000', { matches: ['m1'] }));
    expect((await redis!.keys('*')).sort()).toEqual([
      'gameserver:g1:9000',
      'gameserver:g1:9000:slots',
      'gameservers',
    ]);
    for (const key of ['gameserver:g1:9000', 'gameserver:g1:9000:slots']) {
      const ttl = await redis!.pttl(key);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(63_000);
    }
    await registry.deregister('g1:9000');
    expect(await redis!.keys('*')).toEqual([]);
  });

  it('forgets a server whose keys expired, at the next allocation', async () => {
    await redis!.flushdb();
    const registry = new RedisGameServerRegistry(redis!);
    await registry.heartbeat(server('g1:9000'));
    await redis!.del('gameserver:g1:9000');
    expect(await registry.allocate(ask('m1'))).toBeNull();
    expect(await redis!.keys('*')).toEqual([]);
  });

  it('rejects bad options naming them', () => {
    expect(() => new RedisGameServerRegistry(redis!, { ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => new MemoryGameServerRegistry({ startWindowMs: -1 })).toThrow(/startWindowMs/);
  });
});
