import { type Logger, silentLogger } from '../core/index.js';
import type { MatchPair, QueueEntry } from './matcher.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

/** Advisory lock key: one matching round at a time across all servers (an optimisation only). */
const ROUND_LOCK = 7_400_413;

/** A match as stored in the `matches` table. */
export interface MatchRecord {
  /** `matches.id`. */
  readonly matchId: string;
  /** `matches.player1_id`. */
  readonly player1Id: string;
  /** `matches.player2_id`. */
  readonly player2Id: string;
  /** `matches.room_id`: the Redis room. */
  readonly roomId: string;
  /** `matches.game_server`: `host:port`. */
  readonly gameServer: string;
  /** `matches.region`, `null` when none. */
  readonly region: string | null;
}

/** Why a queued player is still waiting. */
export type WaitReason =
  /** No opponent in range yet (the normal case). */
  | 'waiting_for_opponent'
  /** An opponent was found but the allocator had no game server; the player keeps their place. */
  | 'no_game_server';

/** A queued player as read inside a matching round. */
export interface QueuedPlayer extends QueueEntry {
  /** The reason stored with the entry. */
  readonly waitReason: WaitReason;
}

/** A player with an unfinished match. */
export interface MatchedState {
  /** Always `matched`. */
  readonly state: 'matched';
  /** The player's unfinished match. */
  readonly match: MatchRecord;
}

/** A player neither queued nor in an unfinished match. */
export interface IdleState {
  /** Always `idle`. */
  readonly state: 'idle';
}

/** A queued player's place and wait, as {@link MatchQueue.status} reports it. */
export interface QueuedState {
  /** Always `queued`. */
  readonly state: 'queued';
  /** Rating the player queued with. */
  readonly rating: number;
  /** Region the player queued with. */
  readonly region: string | null;
  /** Milliseconds since the player was queued. */
  readonly waitedMs: number;
  /** 1-based place in the queue by arrival. */
  readonly position: number;
  /** Why the player still waits. */
  readonly reason: WaitReason;
}

/** A player's state in the queue. */
export type PlayerStatus = MatchedState | QueuedState | IdleState;

/** What a matching round decided: the matches to write and the reasons for those left waiting. */
export interface RoundPlan {
  /** Matches to insert; their players leave the queue in the same transaction. */
  readonly matches: readonly MatchRecord[];
  /** New wait reasons for players who stay queued (others keep or reset theirs). */
  readonly reasons?: ReadonlyMap<string, WaitReason>;
}

/** A player queued by {@link MatchQueue.enqueue} (now or before). */
export interface EnqueuedState {
  /** Always `queued`. */
  readonly state: 'queued';
  /** Whether this call added the player (false: they were already queued). */
  readonly added: boolean;
}

/** What {@link MatchQueue.enqueue} answers. */
export type EnqueueResult = MatchedState | EnqueuedState;

/** A player taken out of the queue by {@link MatchQueue.cancel}. */
export interface CancelledState {
  /** Always `cancelled`. */
  readonly state: 'cancelled';
}

/**
 * What {@link MatchQueue.cancel} answers: `cancelled`, `matched` (too late; the match stands) or
 * `idle` (was not queued).
 */
export type CancelResult = CancelledState | MatchedState | IdleState;

/** What {@link MatchQueue.runRound} did. */
export interface RoundResult {
  /** Another server's round was running, so this one did nothing. */
  readonly skipped: boolean;
  /** Players in the queue when the round read it. */
  readonly queueSize: number;
  /** Matches committed. */
  readonly matches: readonly MatchRecord[];
  /** How long each player read from the queue had waited, in milliseconds, by player id. */
  readonly waitedMs: ReadonlyMap<string, number>;
}

/** Options of {@link MatchQueue}. */
export interface MatchQueueOptions {
  /** Diagnostics, e.g. a failed announcement after a commit (default silent). */
  readonly logger?: Logger;
}

/** A request to join the queue. */
export interface EnqueueRequest {
  /** Player id, at most 32 characters. */
  readonly playerId: string;
  /**
   * Rating (an `int`). Unless {@link EnqueueRequest.ratingIsAuthoritative}, it is only a claim: it
   * is stored for a player seen for the first time, and a known player queues with their stored
   * rating whatever the request says.
   */
  readonly rating: number;
  /** Optional region, at most 32 characters. */
  readonly region?: string | null;
  /**
   * The rating comes from a trusted source (signed credentials, the account service): it replaces
   * the stored rating (default false).
   */
  readonly ratingIsAuthoritative?: boolean;
}

interface MatchRow {
  id: string;
  player1_id: string;
  player2_id: string;
  room_id: string;
  game_server: string;
  region: string | null;
}

const toRecord = (r: MatchRow): MatchRecord => ({
  matchId: r.id,
  player1Id: r.player1_id,
  player2Id: r.player2_id,
  roomId: r.room_id,
  gameServer: r.game_server,
  region: r.region,
});

const UTC_NOW = "(now() AT TIME ZONE 'UTC')";

/**
 * A sequence's current value as text, for change tokens. A fresh sequence reads `last_value` 1
 * before and after its first `nextval` (only `is_called` flips), so that one counts as 0.
 */
const sequenceToken = (name: string) =>
  `(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${name})::text`;

/**
 * The match queue on PostgreSQL (or PGlite, through the same {@link SqlClient}). Call
 * {@link migrate} once before use.
 *
 * Concurrency: every write that decides a player's fate locks that player's `players` row.
 * {@link MatchQueue.enqueue} is one statement that upserts the row (waiting for any round that
 * holds it) and queues the player only if `players.current_match_id` is empty, so a repeated
 * request never queues a matched player again. {@link MatchQueue.runRound} locks the chosen
 * queue and player rows with `FOR UPDATE SKIP LOCKED`, keeps only pairs whose both rows it got
 * and that did not change, and writes the matches, the players' `current_match_id` and the
 * queue removal in one transaction: several matchers in several processes never match a player
 * twice.
 */
export class MatchQueue {
  private readonly sql: SqlClient;
  private readonly logger: Logger;

  /**
   * @param client - the database.
   * @param options - see {@link MatchQueueOptions}.
   */
  constructor(client: SqlClient, options: MatchQueueOptions = {}) {
    this.sql = client;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Queues a player, idempotently: a queued player keeps their place (and the rating and region
   * they first queued with); a player with an unfinished match gets that match back. A known
   * player queues with their stored rating unless the request's rating is authoritative
   * ({@link EnqueueRequest.ratingIsAuthoritative}), so nobody rewrites a rating by claiming one.
   *
   * @returns the player's match, or `queued` (with `added` telling whether this call queued them).
   */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    return (await this.enqueueMany([request]))[0]!;
  }

  /**
   * {@link MatchQueue.enqueue} for many players in ONE statement (one commit), which is how a
   * busy server keeps up: rows are locked in player-id order, so concurrent batches never
   * deadlock. A player listed twice is queued once, with the first entry's rating and region.
   *
   * @returns one result per request, in order.
   */
  async enqueueMany(requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]> {
    const unique = new Map<string, EnqueueRequest>();
    for (const r of requests) if (!unique.has(r.playerId)) unique.set(r.playerId, r);
    const input = [...unique.values()].sort((x, y) =>
      x.playerId < y.playerId ? -1 : x.playerId > y.playerId ? 1 : 0,
    );
    const { rows } = await this.sql.query<{ id: string; current_match_id: string | null; added: boolean }>(
      `WITH input AS (
         SELECT * FROM unnest($1::varchar[], $2::int[], $3::varchar[], $4::bool[])
                         AS t(id, rating, region, authoritative)
       ), p AS (
         INSERT INTO players AS old (id, rating) SELECT id, rating FROM input ORDER BY id
         ON CONFLICT (id) DO UPDATE SET rating = CASE
           WHEN (SELECT authoritative FROM input WHERE input.id = EXCLUDED.id) THEN EXCLUDED.rating
           ELSE old.rating END
         RETURNING id, current_match_id, rating
       ), q AS (
         INSERT INTO match_queue (player_id, rating, region, queued_at)
         SELECT i.id, p.rating, i.region, ${UTC_NOW} FROM input i JOIN p ON p.id = i.id
          WHERE p.current_match_id IS NULL ORDER BY i.id
         ON CONFLICT (player_id) DO NOTHING
         RETURNING player_id
       )
       SELECT p.id, p.current_match_id, q.player_id IS NOT NULL AS added FROM p LEFT JOIN q ON q.player_id = p.id`,
      [
        input.map((r) => r.playerId),
        input.map((r) => r.rating),
        input.map((r) => r.region ?? null),
        input.map((r) => r.ratingIsAuthoritative === true),
      ],
    );
    // After the commit, so a matcher that reads the new value also sees the new players.
    if (rows.some((r) => r.added)) {
      try {
        await this.sql.query("SELECT nextval('queue_changes')");
      } catch (err) {
        // The players are queued; matchers still re-read the queue every `recheckMs`.
        this.logger.warn({ err }, 'announcing queued players failed');
      }
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    const matchIds = rows.flatMap((r) => (r.current_match_id === null ? [] : [r.current_match_id]));
    const matches = new Map<string, MatchRecord>();
    if (matchIds.length > 0) {
      const { rows: found } = await this.sql.query<MatchRow>(
        'SELECT id, player1_id, player2_id, room_id, game_server, region FROM matches WHERE id = ANY($1::varchar[])',
        [matchIds],
      );
      for (const m of found) matches.set(m.id, toRecord(m));
    }
    const seen = new Set<string>();
    return requests.map((r): EnqueueResult => {
      const row = byId.get(r.playerId)!;
      const match = row.current_match_id === null ? undefined : matches.get(row.current_match_id);
      if (match !== undefined) return { state: 'matched', match };
      const first = !seen.has(r.playerId);
      seen.add(r.playerId);
      return { state: 'queued', added: row.added && first };
    });
  }

  /**
   * Takes a player out of the queue. Waits for a round holding the player's row, so the answer is
   * exact: `cancelled`, `matched` (too late; the match stands) or `idle` (was not queued).
   */
  async cancel(playerId: string): Promise<CancelResult> {
    const { rows } = await this.sql.query(
      'DELETE FROM match_queue WHERE player_id = $1 RETURNING player_id',
      [playerId],
    );
    if (rows.length === 1) {
      // The delete committed: the answer is `cancelled` whatever happens to the announcement
      // (servers then learn of it when their waiting requests time out and read the status).
      try {
        await this.announce();
      } catch (err) {
        this.logger.warn({ err }, 'announcing a cancel failed');
      }
      return { state: 'cancelled' };
    }
    const status = await this.status(playerId);
    return status.state === 'matched' ? status : { state: 'idle' };
  }

  /** @returns the player's current state: matched (unfinished match), queued, or idle. */
  async status(playerId: string): Promise<PlayerStatus> {
    const { rows } = await this.sql.query<
      MatchRow & {
        queued: boolean;
        q_rating: number | null;
        q_region: string | null;
        waited_ms: number | null;
        wait_reason: string | null;
        position: number | null;
      }
    >(
      `SELECT m.id, m.player1_id, m.player2_id, m.room_id, m.game_server, m.region,
              q.player_id IS NOT NULL AS queued, q.rating AS q_rating, q.region AS q_region, q.wait_reason,
              (EXTRACT(EPOCH FROM (${UTC_NOW} - q.queued_at)) * 1000)::float8 AS waited_ms,
              (SELECT count(*) FROM match_queue o
                WHERE (o.queued_at, o.player_id) <= (q.queued_at, q.player_id))::int AS position
         FROM (SELECT $1::varchar AS id) w
         LEFT JOIN players p ON p.id = w.id
         LEFT JOIN matches m ON m.id = p.current_match_id
         LEFT JOIN match_queue q ON q.player_id = w.id`,
      [playerId],
    );
    const row = rows[0]!;
    if (row.id !== null) return { state: 'matched', match: toRecord(row) };
    if (row.queued) {
      return {
        state: 'queued',
        rating: row.q_rating!,
        region: row.q_region,
        waitedMs: Math.max(0, row.waited_ms!),
        position: row.position!,
        reason: (row.wait_reason as WaitReason | null) ?? 'waiting_for_opponent',
      };
    }
    return { state: 'idle' };
  }

  /**
   * The states of many players in one query (used by servers to answer long-polls on matches
   * another server made). Players neither matched nor queued are `idle`.
   */
  async lookup(playerIds: readonly string[]): Promise<Map<string, 'queued' | 'idle' | MatchRecord>> {
    const { rows } = await this.sql.query<MatchRow & { pid: string; queued: boolean }>(
      `SELECT w.pid, m.id, m.player1_id, m.player2_id, m.room_id, m.game_server, m.region,
              q.player_id IS NOT NULL AS queued
         FROM unnest($1::varchar[]) AS w(pid)
         LEFT JOIN players p ON p.id = w.pid
         LEFT JOIN matches m ON m.id = p.current_match_id
         LEFT JOIN match_queue q ON q.player_id = w.pid`,
      [playerIds],
    );
    const out = new Map<string, 'queued' | 'idle' | MatchRecord>();
    for (const row of rows) {
      out.set(row.pid, row.id !== null ? toRecord(row) : row.queued ? 'queued' : 'idle');
    }
    return out;
  }

  /**
   * @returns a token that changes whenever a round committed matches or a player cancelled
   * (anywhere): servers re-check their waiting requests only when it moved.
   */
  async events(): Promise<string> {
    const { rows } = await this.sql.query<{ v: string }>(`SELECT ${sequenceToken('match_events')} AS v`);
    return rows[0]!.v;
  }

  /**
   * @returns a token that changes whenever a player was added to the queue, a round committed
   * matches or a player cancelled (anywhere). A round that found no pair need not be repeated
   * until it moves (or a widening step comes due): see {@link MatchMaker}.
   */
  async changes(): Promise<string> {
    const { rows } = await this.sql.query<{ v: string }>(
      `SELECT ${sequenceToken('queue_changes')} || ':' || ${sequenceToken('match_events')} AS v`,
    );
    return rows[0]!.v;
  }

  private async announce(): Promise<void> {
    await this.sql.query("SELECT nextval('match_events')");
  }

  /** @returns a match by id, finished or not. */
  async getMatch(matchId: string): Promise<MatchRecord | undefined> {
    const { rows } = await this.sql.query<MatchRow>(
      'SELECT id, player1_id, player2_id, room_id, game_server, region FROM matches WHERE id = $1',
      [matchId],
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /** @returns which of `matchIds` exist in `matches`. */
  async existingMatches(matchIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ id: string }>(
      'SELECT id FROM matches WHERE id = ANY($1::varchar[])',
      [matchIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** @returns the number of queued players. */
  async size(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM match_queue');
    return rows[0]!.n;
  }

  /**
   * Ends a match: stamps `finished_at` and `result` and frees both players to queue again.
   *
   * @returns whether an unfinished match with that id existed.
   */
  async finishMatch(matchId: string, result: string | null = null): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ player1_id: string; player2_id: string }>(
        `UPDATE matches SET finished_at = ${UTC_NOW}, result = $2
          WHERE id = $1 AND finished_at IS NULL RETURNING player1_id, player2_id`,
        [matchId, result],
      );
      const match = rows[0];
      if (match === undefined) return false;
      const players = [match.player1_id, match.player2_id].sort();
      await tx.query(
        'UPDATE players SET current_match_id = NULL WHERE id = ANY($1::varchar[]) AND current_match_id = $2',
        [players, matchId],
      );
      return true;
    });
  }

  /**
   * One matching round, in one transaction. Reads the queue (oldest first) and hands it to
   * `choosePairs`; locks the chosen players with `FOR UPDATE SKIP LOCKED`, dropping pairs with a
   * player another round holds or whose entry changed; hands the surviving pairs to `decide`
   * (which allocates game servers and creates rooms); then writes the matches, sets the players'
   * `current_match_id`, removes them from the queue and stores wait reasons, and commits (then
   * bumps {@link MatchQueue.events}; a failure to bump it is only logged, as the matches stand).
   * If `decide`, a write or the commit fails, everything is rolled back and the error is rethrown
   * (a failed COMMIT may still have applied: check with {@link MatchQueue.existingMatches}).
   * When another server's round is running, this one is skipped (`skipped: true`).
   *
   * @param choosePairs - the pairing (normally {@link Matcher.pair}).
   * @param decide - turns locked pairs into matches and reasons.
   */
  async runRound<P extends MatchPair>(
    choosePairs: (queue: QueuedPlayer[]) => P[],
    decide: (pairs: P[], queue: QueuedPlayer[]) => Promise<RoundPlan>,
  ): Promise<RoundResult> {
    const result = await this.sql.transaction(async (tx): Promise<RoundResult> => {
      const { rows: lock } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
        ROUND_LOCK,
      ]);
      if (!lock[0]!.ok) return { skipped: true, queueSize: 0, matches: [], waitedMs: new Map() };
      const queue = await readQueue(tx);
      const pairs = choosePairs(queue);
      const locked = await lockPlayers(
        tx,
        pairs.flatMap((p) => [p.player1.playerId, p.player2.playerId]),
      );
      const unchanged = (e: QueueEntry) => {
        const now = locked.get(e.playerId);
        return now !== undefined && now.rating === e.rating && (now.region ?? null) === (e.region ?? null);
      };
      const kept = pairs.filter((p) => unchanged(p.player1) && unchanged(p.player2));
      const plan = await decide(kept, queue);
      await writeRound(tx, queue, plan);
      const waitedMs = new Map(queue.map((e) => [e.playerId, e.waitedMs]));
      return { skipped: false, queueSize: queue.length, matches: plan.matches, waitedMs };
    });
    // After the commit, so whoever sees the new value also sees the matches. The matches are
    // made whatever happens here: other servers then learn of them on the sequence's next move
    // or when their waiting requests time out and read the status.
    if (result.matches.length > 0) {
      try {
        await this.announce();
      } catch (err) {
        this.logger.warn({ err, matches: result.matches.length }, 'announcing committed matches failed');
      }
    }
    return result;
  }
}

async function readQueue(tx: SqlExecutor): Promise<QueuedPlayer[]> {
  const { rows } = await tx.query<{
    player_id: string;
    rating: number;
    region: string | null;
    waited_ms: number;
    wait_reason: string | null;
  }>(
    `SELECT player_id, rating, region, wait_reason,
            (EXTRACT(EPOCH FROM (${UTC_NOW} - queued_at)) * 1000)::float8 AS waited_ms
       FROM match_queue ORDER BY queued_at, player_id`,
  );
  return rows.map((r) => ({
    playerId: r.player_id,
    rating: r.rating,
    region: r.region,
    waitedMs: Math.max(0, r.waited_ms),
    waitReason: (r.wait_reason as WaitReason | null) ?? 'waiting_for_opponent',
  }));
}

async function lockPlayers(
  tx: SqlExecutor,
  ids: string[],
): Promise<Map<string, { rating: number; region: string | null }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<{ player_id: string; rating: number; region: string | null }>(
    `SELECT q.player_id, q.rating, q.region
       FROM match_queue q JOIN players p ON p.id = q.player_id
      WHERE q.player_id = ANY($1::varchar[])
      ORDER BY q.player_id
      FOR UPDATE OF q, p SKIP LOCKED`,
    [ids],
  );
  return new Map(rows.map((r) => [r.player_id, { rating: r.rating, region: r.region }]));
}

async function writeRound(tx: SqlExecutor, queue: QueuedPlayer[], plan: RoundPlan): Promise<void> {
  const { matches } = plan;
  if (matches.length > 0) {
    await tx.query(
      `INSERT INTO matches (id, player1_id, player2_id, room_id, game_server, region, started_at)
       SELECT *, ${UTC_NOW} FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[],
                                  $5::varchar[], $6::varchar[])`,
      [
        matches.map((m) => m.matchId),
        matches.map((m) => m.player1Id),
        matches.map((m) => m.player2Id),
        matches.map((m) => m.roomId),
        matches.map((m) => m.gameServer),
        matches.map((m) => m.region),
      ],
    );
    const playerIds = matches.flatMap((m) => [m.player1Id, m.player2Id]);
    const matchIds = matches.flatMap((m) => [m.matchId, m.matchId]);
    await tx.query(
      `UPDATE players SET current_match_id = x.match_id
         FROM unnest($1::varchar[], $2::varchar[]) AS x(player_id, match_id)
        WHERE players.id = x.player_id`,
      [playerIds, matchIds],
    );
    await tx.query('DELETE FROM match_queue WHERE player_id = ANY($1::varchar[])', [playerIds]);
  }
  const matched = new Set(matches.flatMap((m) => [m.player1Id, m.player2Id]));
  const changedIds: string[] = [];
  const changedReasons: (string | null)[] = [];
  for (const entry of queue) {
    if (matched.has(entry.playerId)) continue;
    const reason = plan.reasons?.get(entry.playerId) ?? 'waiting_for_opponent';
    if (reason === entry.waitReason) continue;
    changedIds.push(entry.playerId);
    changedReasons.push(reason === 'waiting_for_opponent' ? null : reason);
  }
  if (changedIds.length > 0) {
    await tx.query(
      `UPDATE match_queue SET wait_reason = x.reason
         FROM unnest($1::varchar[], $2::varchar[]) AS x(player_id, reason)
        WHERE match_queue.player_id = x.player_id`,
      [changedIds, changedReasons],
    );
  }
}
