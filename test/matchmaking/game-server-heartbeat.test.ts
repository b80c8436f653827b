import { describe, expect, it } from 'vitest';
import { type Logger, ManualClock } from '../../src/core/index.js';
import {
  GameServerHeartbeat,
  type GameServerRegistry,
  MemoryGameServerRegistry,
  MemoryRoomManager,
  RunningRooms,
} from '../../src/matchmaking/index.js';
import { manualTimers } from '../transport/manual-timers.js';

function setup(options: { registry?: GameServerRegistry } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const time = manualTimers(clock);
  const registry = new MemoryGameServerRegistry({ clock, ttlMs: 3000 });
  const matches = new Set<string>();
  const lines: [string, string, object][] = [];
  const logger: Logger = {
    debug: () => {},
    info: (obj, msg) => lines.push(['info', msg ?? '', obj]),
    warn: (obj, msg) => lines.push(['warn', msg ?? '', obj]),
    error: (obj, msg) => lines.push(['error', msg ?? '', obj]),
  };
  const heartbeat = new GameServerHeartbeat({
    registry: options.registry ?? registry,
    address: 'g1:9000',
    region: 'eu',
    capacity: 4,
    version: '1.2.3',
    matches: () => matches,
    timers: time.timers,
    clock,
    logger,
  });
  return { clock, time, registry, matches, heartbeat, lines };
}

/** Lets the heartbeat's promise chain run after a timer fired. */
const settle = () => new Promise((r) => setImmediate(r));

describe('GameServerHeartbeat', () => {
  it('registers on start and keeps the server in while it runs', async () => {
    const { time, registry, heartbeat, matches } = setup();
    expect(await heartbeat.start()).toBe(true);
    expect(heartbeat.registered).toBe(true);
    expect(await registry.list()).toMatchObject([
      { address: 'g1:9000', region: 'eu', capacity: 4, version: '1.2.3' },
    ]);
    matches.add('m1');
    for (let i = 0; i < 10; i++) {
      time.advance(1000);
      await settle();
    }
    // 10 s later, well past the 3 s TTL, still in, with the room it reported.
    expect(await registry.list()).toMatchObject([{ address: 'g1:9000', roomsInUse: 1, slots: 1 }]);
    expect(time.pending).toBe(1);
    await heartbeat.stop();
  });

  it('a server that stops heartbeating (killed) is out within the 3 s TTL', async () => {
    const { time, clock, registry, heartbeat } = setup();
    await heartbeat.start();
    // kill -9: its timers never fire again. Nothing deregisters it.
    const killedAt = clock.now();
    clock.advance(2999);
    expect(await registry.allocate({ matchId: 'm1', playerIds: ['a', 'b'], region: null })).toBe('g1:9000');
    clock.advance(1);
    expect(await registry.allocate({ matchId: 'm2', playerIds: ['a', 'b'], region: null })).toBeNull();
    expect(clock.now() - killedAt).toBe(3000);
    expect(time.pending).toBe(1);
  });

  it('drain takes no new matches at once and stays draining in later heartbeats; stop deregisters', async () => {
    const { time, registry, heartbeat } = setup();
    await heartbeat.start();
    expect(await heartbeat.drain()).toBe(true);
    expect(heartbeat.isDraining).toBe(true);
    const ask = { matchId: 'm1', playerIds: ['a', 'b'] as const, region: null };
    expect(await registry.allocate(ask)).toBeNull();
    time.advance(1000);
    await settle();
    expect(await registry.list()).toMatchObject([{ draining: true }]);
    expect(await registry.allocate(ask)).toBeNull();
    await heartbeat.stop();
    expect(await registry.list()).toEqual([]);
    expect(time.pending).toBe(0);
    await expect(heartbeat.start()).rejects.toThrow(/already started/);
  });

  it('logs a registry outage once when it starts and once when it ends, with the count', async () => {
    let down = true;
    const inner = new MemoryGameServerRegistry();
    const flaky: GameServerRegistry = {
      heartbeat: (r) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.heartbeat(r)),
      drain: (a) => inner.drain(a),
      deregister: (a) => inner.deregister(a),
      list: () => inner.list(),
      allocate: (r) => inner.allocate(r),
      release: (g, m) => inner.release(g, m),
      slotsOf: (a) => inner.slotsOf(a),
    };
    const { time, heartbeat, lines } = setup({ registry: flaky });
    expect(await heartbeat.start()).toBe(false);
    expect(heartbeat.registered).toBe(false);
    for (let i = 0; i < 5; i++) {
      time.advance(1000);
      await settle();
    }
    down = false;
    time.advance(1000);
    await settle();
    expect(heartbeat.registered).toBe(true);
    expect(lines.map(([level, msg]) => [level, msg])).toEqual([
      ['warn', 'game server registry is unavailable'],
      ['info', 'game server registry is available again after 6 failures'],
    ]);
    expect(lines[1]![2]).toEqual({ dependency: 'game server registry', failures: 6, downMs: 6000 });
    await heartbeat.stop();
  });

  it('with RunningRooms: reports the rooms marked playing and keeps their keys alive until they finish', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const time = manualTimers(clock);
    const registry = new MemoryGameServerRegistry({ clock });
    const store = new MemoryRoomManager({ clock, ttlMs: 3000 });
    const rooms = new RunningRooms(store);
    const heartbeat = new GameServerHeartbeat({
      registry,
      rooms,
      address: 'g1:9000',
      capacity: 4,
      version: '1',
      timers: time.timers,
      clock,
    });
    const playing = await store.createRoom('m_play', ['a', 'b']);
    const abandoned = await store.createRoom('m_gone', ['c', 'd']);
    await heartbeat.start();
    expect(await rooms.setStatus(playing, 'playing')).toBe(true);
    expect([...rooms.matches()]).toEqual(['m_play']);
    for (let i = 0; i < 10; i++) {
      time.advance(1000);
      await settle();
    }
    // 10 s on a 3 s TTL: the running room lives, the room nobody came to is gone.
    expect(await store.getRoom(playing)).toMatchObject({ status: 'playing' });
    expect(await store.getRoom(abandoned)).toBeUndefined();
    expect(await registry.list()).toMatchObject([{ roomsInUse: 1, slots: 1 }]);
    expect(await rooms.setStatus(playing, 'finished')).toBe(true);
    expect([...rooms.matches()]).toEqual([]);
    time.advance(3000);
    await settle();
    expect(await store.getRoom(playing)).toBeUndefined();
    expect(await registry.list()).toMatchObject([{ roomsInUse: 0, slots: 0 }]);
    await heartbeat.stop();
  });

  it('rejects bad settings naming them', () => {
    const registry = new MemoryGameServerRegistry();
    const base = { registry, address: 'g1:9000', capacity: 2, version: '1', matches: () => [] };
    expect(() => new GameServerHeartbeat({ ...base, address: '0.0.0.0' })).toThrow(/address/);
    expect(() => new GameServerHeartbeat({ ...base, capacity: 0 })).toThrow(/capacity/);
    expect(() => new GameServerHeartbeat({ ...base, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => new GameServerHeartbeat({ ...base, matches: undefined })).toThrow(/matches/);
  });
});
