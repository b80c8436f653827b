import type { AllocationRequest } from './game-server-allocator.js';
import {
  checkReport,
  type GameServerRegistry,
  type GameServerRegistryOptions,
  type GameServerReport,
  type GameServerState,
  type RegistrySettings,
  registrySettings,
} from './game-server-registry.js';

const INDEX = 'gameservers';
const PREFIX = 'gameserver:';
const serverKey = (address: string) => `${PREFIX}${address}`;
const slotsKey = (address: string) => `${PREFIX}${address}:slots`;

/**
 * How long the keys of a server that stopped heartbeating stay in Redis after it is out, in
 * milliseconds (Redis' own clock): long enough that no live server's keys vanish between
 * heartbeats, short enough that nothing of a dead server is left behind for long.
 */
const KEEP_MS = 60_000;

// KEYS: index, server hash, slots. ARGV: now, ttl, start window, keep, address, region ('' = none),
// capacity, version, draining ('1'/'0'), then the reported match ids.
const HEARTBEAT = `
local now = tonumber(ARGV[1])
redis.call('HSET', KEYS[2], 'region', ARGV[6], 'capacity', ARGV[7], 'version', ARGV[8],
  'draining', ARGV[9], 'rooms', #ARGV - 9, 'expires_at', now + tonumber(ARGV[2]))
redis.call('SADD', KEYS[1], ARGV[5])
local reported = {}
for i = 10, #ARGV do reported[ARGV[i]] = true end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[3]))) do
  if not reported[m] then redis.call('ZREM', KEYS[3], m) end
end
for i = 10, #ARGV do redis.call('ZADD', KEYS[3], 0, ARGV[i]) end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 1`;

// KEYS: index. ARGV: now, region ('' = none), match id, key prefix, keep.
// Picks a live, non-draining server with a free slot (region first, then the lowest share of
// capacity in use, then the lowest address) and takes the slot. Forgets servers whose keys expired.
const ALLOCATE = `
local now = tonumber(ARGV[1])
local best, bestUsed, bestCap, bestLocal
for _, addr in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local h = ARGV[4] .. addr
  local f = redis.call('HMGET', h, 'capacity', 'expires_at', 'draining', 'region')
  if not f[2] then
    redis.call('SREM', KEYS[1], addr)
    redis.call('DEL', h .. ':slots')
  elseif tonumber(f[2]) > now and f[3] == '0' then
    local cap = tonumber(f[1])
    local used = redis.call('ZCARD', h .. ':slots')
    if used < cap then
      local loc = 0
      if ARGV[2] ~= '' and f[4] == ARGV[2] then loc = 1 end
      local take = best == nil or loc > bestLocal
      if not take and loc == bestLocal then
        local a, b = used * bestCap, bestUsed * cap
        take = a < b or (a == b and addr < best)
      end
      if take then best, bestUsed, bestCap, bestLocal = addr, used, cap, loc end
    end
  end
end
if best == nil then return false end
local slots = ARGV[4] .. best .. ':slots'
redis.call('ZADD', slots, now, ARGV[3])
redis.call('PEXPIRE', slots, ARGV[5])
return best`;

// KEYS: server hash.
const DRAIN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'draining', '1')
return 1`;

/**
 * The part of an `ioredis` client {@link RedisGameServerRegistry} uses (`Redis` from `ioredis`
 * fits). Declared here, not imported from `ioredis`, for the reason given at `RedisLike`.
 */
export interface RegistryRedisLike {
  /** `Redis.defineCommand`: the Lua scripts become methods run by EVALSHA. */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  /** `Redis.smembers`. */
  smembers(key: string): Promise<string[]>;
  /** `Redis.zrange`. */
  zrange(key: string, start: string, stop: string): Promise<string[]>;
  /** `Redis.zrem`. */
  zrem(key: string, ...members: string[]): Promise<number>;
  /** `Redis.multi`: a transaction. */
  multi(): RegistryRedisBatch;
  /** `Redis.pipeline`: commands sent together. */
  pipeline(): RegistryRedisBatch;
}

/** The part of an ioredis `multi()` / `pipeline()` {@link RedisGameServerRegistry} uses. */
export interface RegistryRedisBatch {
  /** Queues a DEL. */
  del(...keys: string[]): RegistryRedisBatch;
  /** Queues an SREM. */
  srem(key: string, ...members: string[]): RegistryRedisBatch;
  /** Queues an HGETALL. */
  hgetall(key: string): RegistryRedisBatch;
  /** Queues a ZCARD. */
  zcard(key: string): RegistryRedisBatch;
  /** Runs the batch: one `[error, value]` per command, or `null` when it was aborted. */
  exec(): Promise<[error: Error | null, value: unknown][] | null>;
}

/** The scripts, as commands ioredis defines on the client. */
interface RegistryCommands {
  netcodeGsHeartbeat(index: string, server: string, slots: string, ...args: string[]): Promise<number>;
  netcodeGsAllocate(
    index: string,
    now: number,
    region: string,
    matchId: string,
    prefix: string,
    keep: number,
  ): Promise<string | null>;
  netcodeGsDrain(server: string): Promise<number>;
}

/**
 * The Redis {@link GameServerRegistry}, on a ready `ioredis` client you own. Keys: `gameservers`
 * (SET of addresses), `gameserver:<address>` (HASH: `region`, `capacity`, `version`, `draining`,
 * `rooms`, `expires_at`) and `gameserver:<address>:slots` (ZSET of match ids: score 0 for a
 * match the server reported, else when the slot was handed out). Heartbeat, allocation and drain
 * are Lua scripts, so two match servers never take the same last slot. Expiry is decided by
 * `expires_at` against the injected clock (so all processes must use wall-clock time, the
 * default); the keys also carry a Redis TTL a minute past that, so a dead server's keys go away.
 * Like the room keys, these are for a single Redis (or Sentinel), not Cluster.
 */
export class RedisGameServerRegistry implements GameServerRegistry {
  private readonly redis: RegistryRedisLike & RegistryCommands;
  private readonly settings: RegistrySettings;

  /**
   * @param redis - a ready ioredis client (select the database on it).
   * @param options - see {@link GameServerRegistryOptions}.
   */
  constructor(redis: RegistryRedisLike, options: GameServerRegistryOptions = {}) {
    this.settings = registrySettings(options);
    redis.defineCommand('netcodeGsHeartbeat', { numberOfKeys: 3, lua: HEARTBEAT });
    redis.defineCommand('netcodeGsAllocate', { numberOfKeys: 1, lua: ALLOCATE });
    redis.defineCommand('netcodeGsDrain', { numberOfKeys: 1, lua: DRAIN });
    this.redis = redis as RegistryRedisLike & RegistryCommands;
  }

  /** {@inheritDoc GameServerRegistry.heartbeat} */
  async heartbeat(report: GameServerReport): Promise<void> {
    const matches = checkReport(report);
    const { clock, ttlMs, startWindowMs } = this.settings;
    await this.redis.netcodeGsHeartbeat(
      INDEX,
      serverKey(report.address),
      slotsKey(report.address),
      String(clock.now()),
      String(ttlMs),
      String(startWindowMs),
      String(ttlMs + KEEP_MS),
      report.address,
      report.region ?? '',
      String(report.capacity),
      report.version,
      report.draining === true ? '1' : '0',
      ...matches,
    );
  }

  /** {@inheritDoc GameServerRegistry.drain} */
  async drain(address: string): Promise<boolean> {
    return (await this.redis.netcodeGsDrain(serverKey(address))) === 1;
  }

  /** {@inheritDoc GameServerRegistry.deregister} */
  async deregister(address: string): Promise<void> {
    await this.redis.multi().del(serverKey(address), slotsKey(address)).srem(INDEX, address).exec();
  }

  /** {@inheritDoc GameServerRegistry.list} */
  async list(): Promise<GameServerState[]> {
    const now = this.settings.clock.now();
    const addresses = (await this.redis.smembers(INDEX)).sort();
    if (addresses.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const address of addresses) pipeline.hgetall(serverKey(address)).zcard(slotsKey(address));
    const results = (await pipeline.exec()) ?? [];
    const out: GameServerState[] = [];
    addresses.forEach((address, i) => {
      const [hashError, hash] = results[2 * i]!;
      const [slotsError, slots] = results[2 * i + 1]!;
      if (hashError) throw hashError;
      if (slotsError) throw slotsError;
      const h = hash as Record<string, string>;
      const expiresAt = Number(h.expires_at);
      if (!(expiresAt > now)) return;
      out.push({
        address,
        region: h.region === '' || h.region === undefined ? null : h.region,
        capacity: Number(h.capacity),
        version: h.version ?? '',
        roomsInUse: Number(h.rooms),
        slots: slots as number,
        draining: h.draining === '1',
        expiresAt,
      });
    });
    return out;
  }

  /** {@inheritDoc GameServerAllocator.allocate} */
  async allocate(request: AllocationRequest): Promise<string | null> {
    const { clock, ttlMs } = this.settings;
    return this.redis.netcodeGsAllocate(
      INDEX,
      clock.now(),
      request.region ?? '',
      request.matchId,
      PREFIX,
      ttlMs + KEEP_MS,
    );
  }

  /** {@inheritDoc GameServerRegistry.slotsOf} */
  async slotsOf(address: string): Promise<string[]> {
    return (await this.redis.zrange(slotsKey(address), '0', '-1')).sort();
  }

  /** {@inheritDoc GameServerRegistry.release} */
  async release(gameServer: string, matchId: string): Promise<void> {
    await this.redis.zrem(slotsKey(gameServer), matchId);
  }
}
