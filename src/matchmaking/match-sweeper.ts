import {
  type Clock,
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  OutageLog,
  silentLogger,
  systemClock,
  systemTimers,
  type Timers,
} from '../core/index.js';
import type { GameServerRegistry } from './game-server-registry.js';
import type { MatchQueue } from './match-queue.js';
import type { RoomManager } from './room-manager.js';
import type { SqlClient } from './sql-client.js';

/** Options of {@link MatchSweeper}. */
export interface MatchSweeperOptions {
  /** The database the matches are in (the match server's). */
  readonly db: SqlClient;
  /** The queue on that database; its `finishMatch` ends swept matches. */
  readonly queue: MatchQueue;
  /** The room store; swept matches' rooms are closed. */
  readonly rooms: RoomManager;
  /** The registry the matches' game servers were allocated from. */
  readonly registry: GameServerRegistry;
  /** Milliseconds between sweeps (default 5000). */
  readonly intervalMs?: number;
  /**
   * A match younger than this (by `matches.started_at`) is never swept, in milliseconds (default
   * 60 000). Keep it above the registry's `startWindowMs`.
   */
  readonly graceMs?: number;
  /** The most matches one sweep looks at (default 500). */
  readonly batch?: number;
  /** Timer functions (default the global ones). */
  readonly timers?: Timers;
  /** Time source of the outage log (default the monotonic system clock). */
  readonly clock?: Clock;
  /** Diagnostics: a line per sweep that ended matches, and store outages. */
  readonly logger?: Logger;
}

/** What one {@link MatchSweeper.sweep} ended, by reason. */
export interface SweepResult {
  /** Matches whose game server is out of the registry (dead or gone): result `server_lost`. */
  readonly lost: number;
  /**
   * Matches whose game server is alive but holds no slot for them any more (it finished them, or
   * the players never came, without a result reaching the database): result `ended_unreported`.
   */
  readonly unreported: number;
}

interface OpenMatch {
  id: string;
  room_id: string;
  game_server: string;
}

/**
 * Ends matches that nobody will end: those whose game server left the registry, and those their
 * live game server no longer runs. Each is finished with a result (`server_lost` or
 * `ended_unreported`), which frees its players to queue again, and its room is closed. Safe on
 * several match servers at once: finishing is a conditional update, so each match is ended once,
 * and closing a room twice does nothing.
 */
export class MatchSweeper {
  private readonly options: MatchSweeperOptions;
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly batch: number;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly outage: OutageLog;
  private timer: unknown;
  private running = false;
  private current: Promise<unknown> | undefined;

  /** @param options - see {@link MatchSweeperOptions}. */
  constructor(options: MatchSweeperOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? 5000;
    this.graceMs = options.graceMs ?? 60_000;
    this.batch = options.batch ?? 500;
    for (const [name, value] of [
      ['intervalMs', this.intervalMs],
      ['graceMs', this.graceMs],
      ['batch', this.batch],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0)
        throw new InvalidOptionError(name, `must be a positive integer, got ${value}`);
    }
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? silentLogger;
    this.outage = new OutageLog('match sweeper stores', this.logger, options.clock ?? systemClock);
  }

  /** Sweeps every `intervalMs` until {@link MatchSweeper.stop}. */
  start(): void {
    if (this.running) throw new InvalidStateError('MatchSweeper.start: already started');
    this.running = true;
    this.schedule();
  }

  /** Stops sweeping (waits for a sweep in progress). */
  async stop(): Promise<void> {
    this.running = false;
    this.timers.clearTimeout(this.timer);
    await this.current;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.timers.setTimeout(() => {
      this.current = this.sweep()
        .then(
          () => this.outage.succeeded(),
          (err: unknown) => this.outage.failed(err),
        )
        .finally(() => {
          this.current = undefined;
          this.schedule();
        });
    }, this.intervalMs);
  }

  /**
   * One sweep (the timer calls it; exposed for tests and operators).
   *
   * @returns how many matches it ended, by reason.
   */
  async sweep(): Promise<SweepResult> {
    const { db, queue, rooms, registry } = this.options;
    const { rows } = await db.query<OpenMatch>(
      `SELECT id, room_id, game_server FROM matches
        WHERE finished_at IS NULL
          AND started_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1::float8 / 1000)
        ORDER BY started_at LIMIT $2`,
      [this.graceMs, this.batch],
    );
    if (rows.length === 0) return { lost: 0, unreported: 0 };
    const live = new Set((await registry.list()).map((s) => s.address));
    const slots = new Map<string, Set<string>>();
    for (const address of new Set(rows.map((r) => r.game_server))) {
      if (live.has(address)) slots.set(address, new Set(await registry.slotsOf(address)));
    }
    let lost = 0;
    let unreported = 0;
    for (const match of rows) {
      const held = slots.get(match.game_server);
      const reason = held === undefined ? 'server_lost' : held.has(match.id) ? undefined : 'ended_unreported';
      if (reason === undefined) continue;
      if (await queue.finishMatch(match.id, reason)) {
        if (reason === 'server_lost') lost++;
        else unreported++;
      }
      await rooms.closeRoom(match.room_id);
    }
    if (lost + unreported > 0) this.logger.info({ lost, unreported }, 'swept matches nobody will end');
    return { lost, unreported };
  }
}
