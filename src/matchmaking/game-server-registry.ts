import { type Clock, epochClock, InvalidOptionError } from '../core/index.js';
import { checkHostPort, type GameServerAllocator } from './game-server-allocator.js';

/** What a game server tells the registry in each heartbeat. */
export interface GameServerReport {
  /** The `host:port` players connect to; also the server's key in the registry. */
  readonly address: string;
  /** The server's region (at most 32 characters), `null` for none. */
  readonly region: string | null;
  /** Rooms (matches) it can run at once, 1 to 100 000. */
  readonly capacity: number;
  /** Its software version (at most 64 characters), shown to operators. */
  readonly version: string;
  /**
   * The match ids of the rooms it runs now (each at most 32 characters; more than `capacity`
   * means it gets no new match until it is below). The registry holds a slot for each, and frees a slot it handed out once the match is
   * no longer reported and its start window has passed.
   */
  readonly matches: readonly string[];
  /** The server is draining: it finishes its matches but takes no new ones (default false). */
  readonly draining?: boolean;
}

/** A live game server as the registry sees it. */
export interface GameServerState {
  /** `host:port`. */
  readonly address: string;
  /** Region, `null` for none. */
  readonly region: string | null;
  /** Rooms it can run at once. */
  readonly capacity: number;
  /** Software version. */
  readonly version: string;
  /** Rooms in use, as last reported. */
  readonly roomsInUse: number;
  /** Slots counted against its capacity: reported rooms plus matches handed out but not yet reported. */
  readonly slots: number;
  /** Whether it is draining (gets no new matches). */
  readonly draining: boolean;
  /** When it drops out unless it heartbeats again, in the registry's clock. */
  readonly expiresAt: number;
}

/**
 * A live registry of game servers that is also a {@link GameServerAllocator}: servers register and
 * heartbeat ({@link GameServerRegistry.heartbeat}, normally through a `GameServerHeartbeat`);
 * `allocate` picks a live, non-draining server with a free slot, preferring the match's region,
 * then the lowest share of capacity in use, then the lowest address, and counts the slot in the
 * same atomic step, so several match servers never overfill one game server. A server whose last
 * heartbeat is older than `ttlMs` is out: it gets no new matches and is not listed.
 *
 * Implementations: {@link RedisGameServerRegistry} (several processes),
 * {@link MemoryGameServerRegistry} (one process, tests).
 */
export interface GameServerRegistry extends GameServerAllocator {
  /**
   * Registers the server or refreshes it: stores the report, extends its life by `ttlMs` and
   * reconciles its slots with the matches it reports.
   *
   * @throws `InvalidOptionError` (`ERR_INVALID_OPTION`) for a malformed report.
   */
  heartbeat(report: GameServerReport): Promise<void>;
  /**
   * Marks a registered server draining at once (its next heartbeats must say `draining: true`
   * too, or they clear the mark).
   *
   * @returns false when the server is not registered.
   */
  drain(address: string): Promise<boolean>;
  /** Removes the server and its slots (a server leaving for good). Unknown servers are ignored. */
  deregister(address: string): Promise<void>;
  /** @returns the live servers (heartbeat within `ttlMs`), sorted by address. */
  list(): Promise<GameServerState[]>;
  /** Gives a match's slot back (a rolled-back round or a finished match); idempotent. */
  release(gameServer: string, matchId: string): Promise<void>;
  /**
   * @returns the match ids holding a slot on the server (running there, or handed out and still
   * within their start window), sorted; empty for an unknown server.
   */
  slotsOf(address: string): Promise<string[]>;
}

/** Options shared by the registries. */
export interface GameServerRegistryOptions {
  /**
   * Time source for expiry and slot ages (default {@link epochClock}). Several processes share a
   * Redis registry, so their clocks must agree: wall-clock based, not `performance.now()`.
   */
  readonly clock?: Clock;
  /**
   * A server is out once its last heartbeat is this many milliseconds old (default 3000: three
   * missed heartbeats at the `GameServerHeartbeat` default of 1000 ms, so a dead server is out
   * within 3-4 s; Agones uses 5 s x 3 for its health checks).
   */
  readonly ttlMs?: number;
  /**
   * How long a slot handed out by `allocate` is held for a match its game server has not reported
   * yet, in milliseconds (default 30 000: the players' time to connect). After that the slot is
   * freed at the next heartbeat that does not list the match.
   */
  readonly startWindowMs?: number;
}

/** Resolved {@link GameServerRegistryOptions}. @internal */
export interface RegistrySettings {
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly startWindowMs: number;
}

/** @internal Validates the shared options. */
export function registrySettings(options: GameServerRegistryOptions): RegistrySettings {
  const ttlMs = options.ttlMs ?? 3000;
  const startWindowMs = options.startWindowMs ?? 30_000;
  for (const [name, value] of [
    ['ttlMs', ttlMs],
    ['startWindowMs', startWindowMs],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0)
      throw new InvalidOptionError(name, `must be a positive integer, got ${value}`);
  }
  return { clock: options.clock ?? epochClock, ttlMs, startWindowMs };
}

/** The most rooms a server may announce. */
const MAX_CAPACITY = 100_000;

const shortString = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= max;

/** @internal Validates a heartbeat report; returns its match ids without duplicates. */
export function checkReport(report: GameServerReport): string[] {
  checkHostPort('address', report.address);
  if (report.region !== null && !shortString(report.region, 32))
    throw new InvalidOptionError('region', 'must be null or 1 to 32 characters');
  if (!Number.isInteger(report.capacity) || report.capacity < 1 || report.capacity > MAX_CAPACITY)
    throw new InvalidOptionError('capacity', `must be an integer from 1 to ${MAX_CAPACITY}`);
  if (!shortString(report.version, 64)) throw new InvalidOptionError('version', 'must be 1 to 64 characters');
  // More matches than capacity is allowed (e.g. rooms also sent by a static list): the server then
  // simply gets no new ones until it is below its capacity again.
  if (!Array.isArray(report.matches) || report.matches.length > MAX_CAPACITY)
    throw new InvalidOptionError('matches', `must be an array of at most ${MAX_CAPACITY} ids`);
  for (const id of report.matches) {
    if (!shortString(id, 32)) throw new InvalidOptionError('matches', 'ids must be 1 to 32 characters');
  }
  return [...new Set(report.matches)];
}
