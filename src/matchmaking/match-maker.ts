import { createCryptoRandom, type Logger, type RandomSource, silentLogger } from '../core/index.js';
import { MatchError, StoreUnavailableError } from './errors.js';
import type { GameServerAllocator } from './game-server-allocator.js';
import { createIdGenerator, type IdGenerator } from './ids.js';
import type { MatchObserver } from './match-observer.js';
import type { MatchQueue, MatchRecord, WaitReason } from './match-queue.js';
import { Matcher } from './matcher.js';
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
  /** Receives `queueSize`, `matchCreated` and `matchWait`. */
  readonly observer?: MatchObserver;
  /** Diagnostics. */
  readonly logger?: Logger;
}

/** What one {@link MatchMaker.runRound} did. */
export interface RoundOutcome {
  /** Another server's round was running, so this one did nothing. */
  readonly skipped: boolean;
  /** Players in the queue when the round read it. */
  readonly queueSize: number;
  /** Matches committed. */
  readonly matches: readonly MatchRecord[];
}

interface CreatedRoom {
  roomId: string;
  matchId: string;
}

/**
 * One matching round across PostgreSQL and Redis, all or nothing: a match row, its room and the
 * players' queue removal commit together or not at all.
 *
 * Order: inside the queue transaction (rows locked), game servers are allocated and the rooms are
 * created in the room store; then the match rows, the players' `current_match_id` and the queue
 * removal are written and committed. If anything fails before the commit, the transaction rolls
 * back and the rooms made so far are closed. A failed COMMIT is ambiguous (it may have applied),
 * so a room is only closed once PostgreSQL confirms its match row does not exist; rooms that
 * cannot be checked or closed yet (a store is down) are retried at the start of later rounds.
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
  private readonly orphans = new Map<string, CreatedRoom>();

  /** @param options - see {@link MatchMakerOptions}. */
  constructor(options: MatchMakerOptions) {
    this.queue = options.queue;
    this.rooms = options.rooms;
    this.allocator = options.allocator;
    this.matcher = options.matcher ?? new Matcher();
    this.matchIds = createIdGenerator(options.random ?? createCryptoRandom(), 'm_');
    this.observer = options.observer ?? {};
    this.logger = options.logger ?? silentLogger;
  }

  /** Rooms created by failed rounds that are not yet confirmed orphaned and closed. */
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
    const created: CreatedRoom[] = [];
    const allocated: { gameServer: string; matchId: string }[] = [];
    try {
      const result = await this.queue.runRound(
        (queue) => this.matcher.pair(queue),
        async (pairs) => {
          const reasons = new Map<string, WaitReason>();
          const planned: Omit<MatchRecord, 'roomId'>[] = [];
          for (const { player1, player2 } of pairs) {
            const matchId = this.matchIds();
            const region = player1.region ?? null;
            let gameServer: string | null;
            try {
              gameServer = await this.allocator.allocate({
                matchId,
                playerIds: [player1.playerId, player2.playerId],
                region,
              });
            } catch (err) {
              throw new StoreUnavailableError('game server allocator', err);
            }
            if (gameServer === null) {
              reasons.set(player1.playerId, 'no_game_server');
              reasons.set(player2.playerId, 'no_game_server');
              continue;
            }
            allocated.push({ gameServer, matchId });
            planned.push({
              matchId,
              player1Id: player1.playerId,
              player2Id: player2.playerId,
              gameServer,
              region,
            });
          }
          const settled = await Promise.allSettled(
            planned.map(async (m) => {
              const roomId = await this.rooms.createRoom(m.matchId, [m.player1Id, m.player2Id]);
              created.push({ roomId, matchId: m.matchId });
              return { ...m, roomId };
            }),
          );
          const failed = settled.find((s) => s.status === 'rejected');
          if (failed !== undefined) throw new StoreUnavailableError('redis', failed.reason);
          return { matches: settled.map((s) => (s as PromiseFulfilledResult<MatchRecord>).value), reasons };
        },
      );
      if (!result.skipped) {
        this.observer.queueSize?.(result.queueSize);
        for (const match of result.matches) {
          this.observer.matchCreated?.();
          for (const id of [match.player1Id, match.player2Id]) {
            this.observer.matchWait?.((result.waitedMs.get(id) ?? 0) / 1000);
          }
        }
      }
      return { skipped: result.skipped, queueSize: result.queueSize, matches: result.matches };
    } catch (err) {
      for (const room of created) this.orphans.set(room.roomId, room);
      for (const { gameServer, matchId } of allocated) {
        this.allocator
          .release?.(gameServer, matchId)
          .catch((e) => this.logger.warn({ err: e }, 'release failed'));
      }
      const error = err instanceof MatchError ? err : new StoreUnavailableError('postgres', err);
      this.logger.warn({ err: error, rooms: created.length }, 'matching round rolled back');
      await this.cleanUp();
      throw error;
    }
  }

  /** Closes rooms of failed rounds once PostgreSQL confirms they have no match row. */
  private async cleanUp(): Promise<void> {
    if (this.orphans.size === 0) return;
    const rooms = [...this.orphans.values()];
    try {
      const real = await this.queue.existingMatches(rooms.map((r) => r.matchId));
      for (const room of rooms) {
        if (!real.has(room.matchId)) await this.rooms.closeRoom(room.roomId);
        this.orphans.delete(room.roomId);
      }
    } catch (err) {
      this.logger.warn({ err, pending: this.orphans.size }, 'room clean-up postponed');
    }
  }
}
