import {
  type Clock,
  createCryptoRandom,
  InvalidOptionError,
  type Logger,
  type RandomSource,
  silentLogger,
  systemClock,
  systemTimers,
  type Timers,
} from '../core/index.js';
import { Deadline } from './deadline.js';
import { MatchError, StoreUnavailableError } from './errors.js';
import type { GameServerAllocator } from './game-server-allocator.js';
import { createIdGenerator, type IdGenerator } from './ids.js';
import type { MatchObserver } from './match-observer.js';
import type { MatchQueue, MatchRecord, RoundPlan, WaitReason } from './match-queue.js';
import { Matcher, type MatchPair } from './matcher.js';
import type { RoomManager } from './room-manager.js';

/** Options of {@link MatchMaker}. */
export interface MatchMakerOptions {
  /** The queue (PostgreSQL or PGlite). */
  readonly queue: MatchQueue;
  /** Where rooms are created. */
  readonly rooms: RoomManager;
  /** Chooses each match's game server. */
  readonly allocator: GameServerAllocator;
  /** The pairing (default `new Matcher()`: difference < 100, no widening). */
  readonly matcher?: Matcher;
  /** Source of match ids (default crypto random). */
  readonly random?: RandomSource;
  /** Receives `queueSize`, `matchCreated`, `matchWait` and `matchRatingGap`. */
  readonly observer?: MatchObserver;
  /**
   * The most milliseconds a round waits for the allocator and the room store, all calls together
   * (default 2000). The round holds its database locks meanwhile, so a hung store (e.g. commands
   * waiting in ioredis' offline queue) would otherwise freeze matching; past the limit the round
   * is rolled back with a {@link StoreUnavailableError} and its late rooms and game servers are
   * given back by a later clean-up.
   */
  readonly storeTimeoutMs?: number;
  /** Timer functions for `storeTimeoutMs` (default the global ones). */
  readonly timers?: Timers;
  /**
   * After a round that found no pair, later rounds are skipped (one cheap query instead of
   * reading and pairing the whole queue) until the queue changes ({@link MatchQueue.changes}), a
   * player's widening step comes due, or this many milliseconds passed (default 1000).
   */
  readonly recheckMs?: number;
  /** Time source for `recheckMs` and widening steps (default the monotonic system clock). */
  readonly clock?: Clock;
  /** Diagnostics. */
  readonly logger?: Logger;
}

/** What one {@link MatchMaker.runRound} did. */
export interface RoundOutcome {
  /**
   * The round did nothing: another server's round was running, or nothing changed since this
   * matcher's last round found no pair (then `queueSize` is that round's).
   */
  readonly skipped: boolean;
  /** Another server's round was running (so this one was skipped and may be retried soon). */
  readonly busy: boolean;
  /** Players in the queue when the round read it. */
  readonly queueSize: number;
  /** Matches committed. */
  readonly matches: readonly MatchRecord[];
}

/** A game server taken for a match in a round, and the match's room once it exists. */
interface Placement {
  readonly matchId: string;
  readonly gameServer: string;
  roomId: string | undefined;
  /** A room creation is still in flight (its outcome is not known yet). */
  creating: boolean;
}

/**
 * One matching round across PostgreSQL and Redis, all or nothing: a match row, its room and the
 * players' queue removal commit together or not at all.
 *
 * Order: inside the queue transaction (rows locked), game servers are allocated and the rooms are
 * created in the room store; then the match rows, the players' `current_match_id` and the queue
 * removal are written and committed. If anything fails before the commit, the transaction rolls
 * back and the rooms made so far are closed. A failed COMMIT is ambiguous (it may have applied),
 * so a room is only closed, and its game server slot only given back
 * ({@link GameServerAllocator.release}), once PostgreSQL confirms its match row does not exist;
 * matches that cannot be checked or closed yet (a store is down) are retried at the start of
 * later rounds.
 * A room without a match row is therefore never visible as a match, and a match row always has
 * its room (except if this process dies between a failed commit and the clean-up, leaving an
 * orphan room nobody is told about).
 */
export class MatchMaker {
  private readonly queue: MatchQueue;
  private readonly rooms: RoomManager;
  private readonly allocator: GameServerAllocator;
  private readonly matcher: Matcher;
  private readonly matchIds: IdGenerator;
  private readonly observer: MatchObserver;
  private readonly logger: Logger;
  private readonly timers: Timers;
  private readonly storeTimeoutMs: number;
  private readonly clock: Clock;
  private readonly recheckMs: number;
  /** Set after a round that found no pair: the queue token it saw, and when to look again anyway. */
  private idle: { token: string; until: number; queueSize: number } | undefined;
  /** Placements of failed rounds whose match may not exist, by match id. */
  private readonly orphans = new Map<string, Placement>();

  /** @param options - see {@link MatchMakerOptions}. */
  constructor(options: MatchMakerOptions) {
    this.queue = options.queue;
    this.rooms = options.rooms;
    this.allocator = options.allocator;
    this.matcher = options.matcher ?? new Matcher();
    this.matchIds = createIdGenerator(options.random ?? createCryptoRandom(), 'm_');
    this.observer = options.observer ?? {};
    this.logger = options.logger ?? silentLogger;
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? systemClock;
    this.recheckMs = options.recheckMs ?? 1000;
    if (!Number.isInteger(this.recheckMs) || this.recheckMs < 0) {
      throw new InvalidOptionError('recheckMs', `must be a non-negative integer, got ${this.recheckMs}`);
    }
    this.storeTimeoutMs = options.storeTimeoutMs ?? 2000;
    if (!Number.isInteger(this.storeTimeoutMs) || this.storeTimeoutMs <= 0) {
      throw new InvalidOptionError(
        'storeTimeoutMs',
        `must be a positive integer, got ${this.storeTimeoutMs}`,
      );
    }
  }

  /**
   * Matches of failed rounds (their game server and room, if made) not yet confirmed absent from
   * PostgreSQL and undone.
   */
  get pendingCleanup(): number {
    return this.orphans.size;
  }

  /**
   * Runs one round.
   *
   * @throws {@link StoreUnavailableError} when PostgreSQL, Redis or the allocator failed; the
   * round was undone and the players are still queued.
   */
  async runRound(): Promise<RoundOutcome> {
    await this.cleanUp();
    let token: string;
    try {
      token = await this.queue.changes();
    } catch (err) {
      throw new StoreUnavailableError('postgres', err);
    }
    const idle = this.idle;
    if (idle !== undefined && idle.token === token && this.clock.now() < idle.until) {
      return { skipped: true, busy: false, queueSize: idle.queueSize, matches: [] };
    }
    this.idle = undefined;
    const startedAt = this.clock.now();
    let pairsFound = 0;
    let nextWidening = Number.POSITIVE_INFINITY;
    const ratings = new Map<string, number>();
    const placed: Placement[] = [];
    try {
      const result = await this.queue.runRound(
        (queue) => {
          const pairs = this.matcher.pair(queue);
          pairsFound = pairs.length;
          for (const { player1, player2 } of pairs) {
            ratings.set(player1.playerId, player1.rating).set(player2.playerId, player2.rating);
          }
          for (const entry of queue) {
            nextWidening = Math.min(nextWidening, this.matcher.nextWidening(entry.waitedMs) ?? nextWidening);
          }
          return pairs;
        },
        async (pairs) => {
          const deadline = new Deadline(this.timers, this.storeTimeoutMs);
          try {
            return await this.decide(pairs, placed, deadline);
          } finally {
            deadline.clear();
          }
        },
      );
      if (!result.skipped) {
        this.observer.queueSize?.(result.queueSize);
        for (const match of result.matches) {
          this.observer.matchCreated?.();
          const gap = Math.abs((ratings.get(match.player1Id) ?? 0) - (ratings.get(match.player2Id) ?? 0));
          this.observer.matchRatingGap?.(gap);
          for (const id of [match.player1Id, match.player2Id]) {
            this.observer.matchWait?.((result.waitedMs.get(id) ?? 0) / 1000);
          }
        }
      }
      if (!result.skipped && pairsFound === 0 && this.orphans.size === 0) {
        const until = startedAt + Math.min(this.recheckMs, nextWidening);
        this.idle = { token, until, queueSize: result.queueSize };
      }
      return {
        skipped: result.skipped,
        busy: result.skipped,
        queueSize: result.queueSize,
        matches: result.matches,
      };
    } catch (err) {
      // The COMMIT may have applied: whether each match exists is only settled by cleanUp.
      for (const placement of placed) this.orphans.set(placement.matchId, placement);
      const error = err instanceof MatchError ? err : new StoreUnavailableError('postgres', err);
      // The caller reports the failure (MatchServer: once per outage); this is the detail.
      this.logger.debug({ err: error, matches: placed.length }, 'matching round rolled back');
      await this.cleanUp();
      throw error;
    }
  }

  /** Allocates game servers and creates rooms for the locked pairs, within `deadline`. */
  private async decide(pairs: MatchPair[], placed: Placement[], deadline: Deadline): Promise<RoundPlan> {
    const timedOut = (store: string) => () =>
      new StoreUnavailableError(store, new Error(`no answer within ${this.storeTimeoutMs} ms`));
    const reasons = new Map<string, WaitReason>();
    const planned: Omit<MatchRecord, 'roomId'>[] = [];
    for (const { player1, player2 } of pairs) {
      const matchId = this.matchIds();
      const region = player1.region ?? null;
      let allocation: Promise<string | null>;
      try {
        allocation = this.allocator.allocate({
          matchId,
          playerIds: [player1.playerId, player2.playerId],
          region,
        });
      } catch (err) {
        throw new StoreUnavailableError('game server allocator', err);
      }
      let gameServer: string | null;
      try {
        gameServer = await deadline.race(allocation, timedOut('game server allocator'));
      } catch (err) {
        if (deadline.expired) {
          // A late answer's server is not used: give it back.
          allocation.then(
            (late) => {
              if (late !== null)
                this.release({ matchId, gameServer: late, roomId: undefined, creating: false });
            },
            () => {},
          );
        }
        throw err instanceof MatchError ? err : new StoreUnavailableError('game server allocator', err);
      }
      if (gameServer === null) {
        reasons.set(player1.playerId, 'no_game_server');
        reasons.set(player2.playerId, 'no_game_server');
        continue;
      }
      placed.push({ matchId, gameServer, roomId: undefined, creating: false });
      planned.push({
        matchId,
        player1Id: player1.playerId,
        player2Id: player2.playerId,
        gameServer,
        region,
      });
    }
    const settled = await deadline.race(
      Promise.allSettled(
        planned.map(async (m, i) => {
          const placement = placed[i]!;
          placement.creating = true;
          try {
            placement.roomId = await this.rooms.createRoom(m.matchId, [m.player1Id, m.player2Id]);
          } finally {
            // A room made after the deadline is closed by a later clean-up.
            placement.creating = false;
          }
          return { ...m, roomId: placement.roomId };
        }),
      ),
      timedOut('redis'),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw new StoreUnavailableError('redis', failed.reason);
    return { matches: settled.map((s) => (s as PromiseFulfilledResult<MatchRecord>).value), reasons };
  }

  /**
   * Undoes the matches of failed rounds once PostgreSQL confirms they have no match row: closes
   * their rooms and gives their game servers back. A match that did commit keeps both.
   */
  private async cleanUp(): Promise<void> {
    const ready = [...this.orphans.values()].filter((p) => !p.creating);
    if (ready.length === 0) return;
    try {
      const real = await this.queue.existingMatches(ready.map((p) => p.matchId));
      for (const placement of ready) {
        if (!real.has(placement.matchId)) {
          if (placement.roomId !== undefined) await this.rooms.closeRoom(placement.roomId);
          this.release(placement);
        }
        this.orphans.delete(placement.matchId);
      }
    } catch (err) {
      this.logger.debug({ err, pending: this.orphans.size }, 'room clean-up postponed');
    }
  }

  private release({ gameServer, matchId }: Placement): void {
    this.allocator
      .release?.(gameServer, matchId)
      .catch((err: unknown) => this.logger.warn({ err, gameServer, matchId }, 'game server release failed'));
  }
}
