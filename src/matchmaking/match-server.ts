import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Clock,
  epochClock,
  InvalidArgumentError,
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  type RandomSource,
  silentLogger,
  systemClock,
  systemTimers,
  type Timers,
} from '../core/index.js';
import { Batcher } from './batcher.js';
import type { Authenticate, Caller, MatchRefusal } from './caller.js';
import { clientAddressKey } from './client-address.js';
import type { ConnectTokenSource } from './connect-token-source.js';
import { capConnectionsPerAddress } from './connection-cap.js';
import { MatchError, RateLimitedError, StoreUnavailableError } from './errors.js';
import type { GameServerAllocator } from './game-server-allocator.js';
import {
  type MatchRequestBody,
  parseMatchRequest,
  parsePlayerId,
  readBody,
  sendError,
  sendJson,
} from './http-io.js';
import { MatchMaker } from './match-maker.js';
import type { MatchObserver } from './match-observer.js';
import {
  type CancelResult,
  type EnqueueRequest,
  type EnqueueResult,
  MatchQueue,
  type MatchRecord,
  type PlayerStatus,
  type QueuedState,
} from './match-queue.js';
import {
  type MatchResult,
  parseResultReport,
  RESULT_SIGNATURE_HEADER,
  resultSignatureValid,
} from './match-result.js';
import { MatchResults, type PlayerProfile, type RecordOutcome } from './match-results.js';
import { encodeMatchRoster } from './match-roster.js';
import { Matcher, type WideningFollows, type WideningStep } from './matcher.js';
import { RateLimiter, type RequestRateLimit } from './rate-limiter.js';
import { MemoryRoomManager, type RoomManager } from './room-manager.js';
import type { SqlClient } from './sql-client.js';
import { StoreOutages } from './store-outages.js';

/** How a {@link MatchServer} accepts match results from game servers (`POST /match/result`). */
export interface ResultReportOptions {
  /**
   * The key (at least 32 bytes) the game servers sign their reports with (HMAC-SHA256 of the body,
   * see {@link ResultReporter}); whoever holds it can end any match, so keep it with the game servers.
   */
  readonly key: Uint8Array;
  /**
   * How far a report's `reported_at` may be from this server's clock, either way (default 60 000 ms).
   * A report captured and sent again later is refused (401, counted `result_stale`); within the
   * window a replay is harmless, as reports are idempotent.
   */
  readonly maxSkewMs?: number;
  /** Wall clock the stamps are checked against (default {@link epochClock}; keep machines on NTP). */
  readonly clock?: Clock;
  /** Elo K-factor (default 32, see {@link eloGain}). */
  readonly eloK?: number;
}

/** Options of {@link MatchServer}. */
export interface MatchServerOptions {
  /**
   * Accept match results from game servers at `POST /match/result` (default: the route answers
   * 404). A recorded result updates both ratings and frees the players to queue again.
   */
  readonly results?: ResultReportOptions;
  /**
   * Who is calling: a hook that yields the {@link Caller} from the request's credentials (or
   * `null`: 401), after which a caller may only queue, read and cancel its own player (403
   * otherwise). `'none'` is the explicit development mode: anyone may act for any player id
   * they name, and ratings in requests are claims (see {@link EnqueueRequest.rating}).
   */
  readonly authenticate: Authenticate | 'none';
  /** Issues the `connect_token` added to every match answer (default none: no token field). */
  readonly connectTokens?: ConnectTokenSource;
  /**
   * Token bucket per remote address over every route (default burst 60, 10 per second; `null`
   * turns it off, e.g. behind a proxy that limits, or in a load test from one address).
   * Refusals answer 429 with `Retry-After`.
   */
  readonly addressRateLimit?: RequestRateLimit | null;
  /** Token bucket per player over the match routes (default burst 10, 2 per second; `null`: off). */
  readonly playerRateLimit?: RequestRateLimit | null;
  /**
   * Open TCP connections allowed per remote address (default 64); more are closed as they arrive
   * and counted `connection_limit`. Long-polling holds one connection per waiting request.
   */
  readonly maxConnectionsPerAddress?: number;
  /** Open TCP connections in all (default 10 000); more are closed as they arrive. */
  readonly maxConnections?: number;
  /** Time allowed for the request line and headers, from the request's first byte (default 10 000 ms). */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive a whole request, body included (default 20 000 ms); past it: 408, closed. */
  readonly requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection is kept between requests (default 65 000 ms, longer
   * than common load balancers' 60 s, so clients that poll again reuse their connection instead
   * of racing its close).
   */
  readonly idleTimeoutMs?: number;
  /** The database: `pgPoolClient(pool)` or `pgliteClient(db)`, already migrated. */
  readonly db: SqlClient;
  /** Chooses game servers, e.g. `new StaticGameServerAllocator(['game1:9000'])`. */
  readonly allocator: GameServerAllocator;
  /** Where rooms live (default: a new {@link MemoryRoomManager}, fine for one process only). */
  readonly rooms?: RoomManager;
  /** Ratings must differ by less than this (default 100). */
  readonly maxRatingDiff?: number;
  /** Widening of the allowed difference with waiting time (default none). */
  readonly widening?: readonly WideningStep[];
  /** Whose wait widens a pair's allowance (default `'newer'`); see {@link Matcher} and its `wideningFollows` option. */
  readonly wideningFollows?: WideningFollows;
  /**
   * The longest wait in milliseconds between matching rounds (default 100). A request that queued
   * a player starts a round at once, and a round that found another server's round running is
   * retried after 10 ms (so this server learns of that round's matches right after it commits).
   */
  readonly tickIntervalMs?: number;
  /** How long `POST /match/request` waits for a match before answering 202 (default 25 000 ms). */
  readonly maxWaitMs?: number;
  /** Largest accepted request body in bytes (default 1024). */
  readonly maxBodyBytes?: number;
  /** Source of match ids (default crypto random). Rooms take theirs from the room manager. */
  readonly random?: RandomSource;
  /**
   * The most milliseconds a round waits for the allocator and the room store while it holds its
   * database locks (default 2000); see {@link MatchMakerOptions.storeTimeoutMs}.
   */
  readonly storeTimeoutMs?: number;
  /** Timer functions (default the global ones). */
  readonly timers?: Timers;
  /**
   * Time source for keeping the round rate and for re-reading an unchanged queue (default the
   * monotonic system clock).
   */
  readonly clock?: Clock;
  /** Receives requests, matches, queue sizes and waits. */
  readonly observer?: MatchObserver;
  /** Diagnostics. */
  readonly logger?: Logger;
}

interface Waiter {
  readonly playerId: string;
  readonly res: ServerResponse;
  timer: unknown;
}

/** The design's JSON answer for a made match, from one player's side. */
function matchBody(match: MatchRecord, playerId: string) {
  return {
    match_id: match.matchId,
    room_id: match.roomId,
    game_server: match.gameServer,
    opponent_id: match.player1Id === playerId ? match.player2Id : match.player1Id,
  };
}

const DEFAULT_ADDRESS_LIMIT: RequestRateLimit = { burst: 60, perSecond: 10 };
const DEFAULT_PLAYER_LIMIT: RequestRateLimit = { burst: 10, perSecond: 2 };

function queuedBody(playerId: string, status: QueuedState) {
  return {
    status: 'queued',
    player_id: playerId,
    rating: status.rating,
    region: status.region,
    waited_ms: Math.round(status.waitedMs),
    position: status.position,
    reason: status.reason,
  };
}

const positiveInt = (name: string, value: number) => {
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidOptionError(name, `must be a positive integer, got ${value}`);
  return value;
};

/** Delay before retrying a round that found another server's round running. */
const BUSY_RETRY_MS = 10;

const REQUEST_PATH = /^\/match\/request\/([^/]+)$/;
const PLAYER_PATH = /^\/players\/([^/]+)$/;

/** The JSON answer of `GET /players/<id>`. */
function profileBody(profile: PlayerProfile) {
  return {
    player_id: profile.playerId,
    rating: profile.rating,
    current_match_id: profile.currentMatchId,
    recent_matches: profile.recentMatches.map((m) => ({
      match_id: m.matchId,
      opponent_id: m.opponentId,
      won: m.won,
      score: m.score,
      ending: m.ending,
      rating_change: m.ratingChange,
      finished_at: m.finishedAt,
    })),
  };
}

/**
 * The match server: an HTTP API over a {@link MatchQueue}, a {@link RoomManager} and a
 * {@link GameServerAllocator}, plus a matching loop (at once after a request queued a player,
 * otherwise every `tickIntervalMs`). Several servers may
 * share one PostgreSQL and one Redis.
 *
 * Routes:
 * - `POST /match/request` `{"player_id", "rating", "region"?}`: queues the player (idempotent)
 *   and waits up to `maxWaitMs`; 200 `{match_id, room_id, game_server, opponent_id}` (plus
 *   `connect_token` with {@link MatchServerOptions.connectTokens}) once matched, else 202 with
 *   the queue status.
 * - `GET /match/request/<player_id>`: the status (200 matched or queued, 404 otherwise).
 * - `DELETE /match/request/<player_id>`: cancels (200, 404 not queued, 409 already matched).
 * - `POST /match/result` (with {@link MatchServerOptions.results}): a game server's signed
 *   report of a match's end; 200 `{status: "recorded" | "duplicate", rating_changes}`, 401 unsigned,
 *   forged or stale, 404 unknown match, 409 a different result for a finished match.
 * - `GET /players/<player_id>`: rating and the latest finished matches (the caller's own only).
 * - `GET /healthz`: 200 when PostgreSQL answers and the last round worked, else 503.
 *
 * The match routes act only for the caller {@link MatchServerOptions.authenticate} establishes
 * (401 without credentials, 403 for another player). Every route is rate limited per address,
 * the match routes also per player (429 with `Retry-After`); connections are capped per address
 * and cut when headers, a body or an idle keep-alive take too long. Refusals are reported to
 * {@link MatchObserver.requestRefused}.
 *
 * Errors are `{"error": {"code", "message"}}` with a {@link MatchErrorCode}. A request that waits
 * learns of a match made by another server from a batched look-up, made after each round in
 * which the `match_events` sequence moved.
 */
export class MatchServer {
  /** The queue this server works on. */
  readonly queue: MatchQueue;
  /** The room store. */
  readonly rooms: RoomManager;
  private readonly maker: MatchMaker;
  private readonly enqueues: Batcher<EnqueueRequest, EnqueueResult>;
  private readonly http: Server;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly tickIntervalMs: number;
  private readonly maxWaitMs: number;
  private readonly maxBodyBytes: number;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private lastTickAt = Number.NEGATIVE_INFINITY;
  private readonly observer: MatchObserver;
  private readonly logger: Logger;
  private readonly authenticate: Authenticate | 'none';
  private readonly results: MatchResults;
  private readonly resultOptions: ResultReportOptions | undefined;
  private readonly connectTokens: ConnectTokenSource | undefined;
  private readonly addressLimit: RateLimiter | undefined;
  private readonly playerLimit: RateLimiter | undefined;
  /** Store failures are logged once per outage, not per request and round. */
  private readonly outages: StoreOutages;
  private loopTimer: unknown;
  private running = false;
  private closed = false;
  private currentTick: Promise<void> | undefined;
  /** A round should start at once: players were queued here since the current round began. */
  private again = false;
  /** The last round found another server's round running. */
  private busy = false;
  private lastRoundError: MatchError | undefined;
  private seenEvents = '';
  private readonly unchecked = new Set<string>();

  /** @param options - see {@link MatchServerOptions}. */
  constructor(options: MatchServerOptions) {
    this.tickIntervalMs = positiveInt('tickIntervalMs', options.tickIntervalMs ?? 100);
    this.maxWaitMs = positiveInt('maxWaitMs', options.maxWaitMs ?? 25_000);
    this.maxBodyBytes = positiveInt('maxBodyBytes', options.maxBodyBytes ?? 1024);
    this.logger = options.logger ?? silentLogger;
    this.queue = new MatchQueue(options.db, { logger: this.logger });
    // Concurrent requests share one enqueue statement (and commit); see MatchQueue.enqueueMany.
    this.enqueues = new Batcher((requests) => this.queue.enqueueMany(requests), 500, 4);
    this.rooms = options.rooms ?? new MemoryRoomManager(options.random ? { random: options.random } : {});
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? systemClock;
    this.observer = options.observer ?? {};
    if (options.authenticate !== 'none' && typeof options.authenticate !== 'function')
      throw new InvalidOptionError('authenticate', "must be a function or 'none'");
    this.authenticate = options.authenticate;
    if (options.results !== undefined && options.results.key.byteLength < 32)
      throw new InvalidOptionError('results.key', 'must be at least 32 bytes');
    if (options.results?.maxSkewMs !== undefined) positiveInt('results.maxSkewMs', options.results.maxSkewMs);
    if (options.results?.eloK !== undefined) positiveInt('results.eloK', options.results.eloK);
    this.resultOptions = options.results;
    this.results = new MatchResults(options.db, options.results?.eloK);
    this.connectTokens = options.connectTokens;
    const limiter = (limit: RequestRateLimit | null | undefined, fallback: RequestRateLimit) =>
      limit === null ? undefined : new RateLimiter({ ...(limit ?? fallback), clock: this.clock });
    this.addressLimit = limiter(options.addressRateLimit, DEFAULT_ADDRESS_LIMIT);
    this.playerLimit = limiter(options.playerRateLimit, DEFAULT_PLAYER_LIMIT);
    const headersTimeoutMs = positiveInt('headersTimeoutMs', options.headersTimeoutMs ?? 10_000);
    const requestTimeoutMs = positiveInt('requestTimeoutMs', options.requestTimeoutMs ?? 20_000);
    if (headersTimeoutMs > requestTimeoutMs)
      throw new InvalidOptionError('headersTimeoutMs', 'must not exceed requestTimeoutMs');
    const idleTimeoutMs = positiveInt('idleTimeoutMs', options.idleTimeoutMs ?? 65_000);
    const maxPerAddress = positiveInt('maxConnectionsPerAddress', options.maxConnectionsPerAddress ?? 64);
    const maxConnections = positiveInt('maxConnections', options.maxConnections ?? 10_000);
    this.outages = new StoreOutages(this.logger, this.clock);
    this.maker = new MatchMaker({
      queue: this.queue,
      rooms: this.rooms,
      allocator: options.allocator,
      matcher: new Matcher({
        ...(options.maxRatingDiff === undefined ? {} : { maxRatingDiff: options.maxRatingDiff }),
        ...(options.widening === undefined ? {} : { widening: options.widening }),
        ...(options.wideningFollows === undefined ? {} : { wideningFollows: options.wideningFollows }),
      }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: options.storeTimeoutMs }),
      timers: this.timers,
      clock: this.clock,
      observer: this.observer,
      logger: this.logger,
    });
    this.http = createServer(
      {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: idleTimeoutMs,
        // Node checks the two timeouts above on this interval (its default, 30 s, would let a
        // slow request live up to 30 s past its deadline).
        connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
      },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          this.logger.error({ err }, 'unexpected error in request handler');
          sendError(res, new StoreUnavailableError('match server', err));
        });
      },
    );
    this.http.maxConnections = maxConnections;
    this.http.on('drop', () => this.refused('connection_limit'));
    capConnectionsPerAddress(this.http, maxPerAddress, () => this.refused('connection_limit'));
  }

  private refused(reason: MatchRefusal): void {
    this.observer.requestRefused?.(reason);
  }

  /** Requests currently waiting for a match on this server. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Starts listening and the matching loop.
   *
   * @param port - TCP port (0 picks a free one).
   * @param host - interface (default 127.0.0.1).
   * @param backlog - pending-connection queue (default 4096, capped by the OS' `somaxconn`);
   *   long-polling clients open many connections at once, and Node's default of 511 makes the
   *   kernel drop SYNs, which clients only retry after a second or more.
   * @returns the bound address.
   */
  async listen(port = 0, host = '127.0.0.1', backlog = 4096): Promise<AddressInfo> {
    if (this.closed || this.running)
      throw new InvalidStateError('MatchServer.listen: already started or closed');
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ port, host, backlog }, () => {
        this.http.off('error', reject);
        // For good: a later server error (EMFILE on accept) without a listener would crash the process.
        this.http.on('error', (err) => this.logger.error({ err }, 'match server HTTP error'));
        resolve();
      });
    });
    this.running = true;
    this.schedule();
    return this.http.address() as AddressInfo;
  }

  /** Stops the loop, answers waiting requests 503 `ERR_MATCH_SHUTTING_DOWN` and closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.running = false;
    this.timers.clearTimeout(this.loopTimer);
    await this.currentTick;
    for (const set of [...this.waiters.values()]) {
      for (const waiter of [...set]) {
        this.answer(waiter, (res) =>
          sendError(res, new MatchError('ERR_MATCH_SHUTTING_DOWN', 'server is closing')),
        );
      }
    }
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  /**
   * One matching round plus the look-up for waiting requests. The loop calls it (see
   * {@link MatchServerOptions.tickIntervalMs}); exposed so tests and embedders can drive rounds
   * themselves.
   */
  async tick(): Promise<void> {
    this.busy = false;
    try {
      const outcome = await this.maker.runRound();
      this.busy = outcome.busy;
      this.lastRoundError = undefined;
      this.outages.succeeded(
        'postgres',
        ...(outcome.matches.length > 0 ? ['redis', 'game server allocator'] : []),
      );
      for (const match of outcome.matches) {
        this.resolveMatched(match.player1Id, match);
        this.resolveMatched(match.player2Id, match);
      }
      if (this.waiters.size === 0) {
        this.unchecked.clear();
        return;
      }
      // Everyone is looked up when some server made matches or a player cancelled since the last
      // look-up; otherwise only requests that started waiting since then (their player may have
      // been matched between their enqueue and now).
      const events = await this.queue.events();
      const ids =
        events !== this.seenEvents
          ? [...this.waiters.keys()]
          : [...this.unchecked].filter((id) => this.waiters.has(id));
      this.seenEvents = events;
      this.unchecked.clear();
      if (ids.length === 0) return;
      const states = await this.queue.lookup(ids);
      for (const [playerId, state] of states) {
        if (state === 'idle') {
          this.answerAll(playerId, (res) =>
            sendError(res, new MatchError('ERR_MATCH_CANCELLED', `${playerId} left the queue`)),
          );
        } else if (state !== 'queued') {
          this.resolveMatched(playerId, state);
        }
      }
    } catch (err) {
      const error = err instanceof MatchError ? err : new StoreUnavailableError('postgres', err);
      this.lastRoundError = error;
      this.outages.failed(error);
      // Everyone waiting here is told now; they stay queued and may simply ask again.
      for (const playerId of [...this.waiters.keys()]) {
        this.answerAll(playerId, (res) =>
          sendError(res, new MatchError(error.code, `${error.message} (you are still queued; retry)`)),
        );
      }
    }
  }

  private schedule(): void {
    if (!this.running) return;
    // Rounds start every tickIntervalMs at the latest (a slow round delays the next one, never
    // overlaps it); at once when players were queued here meanwhile; soon when another server's
    // round was running (its matches are then looked up right after it commits).
    const delay = this.again
      ? 0
      : this.busy
        ? Math.min(BUSY_RETRY_MS, this.tickIntervalMs)
        : Math.max(0, this.tickIntervalMs - (this.clock.now() - this.lastTickAt));
    this.loopTimer = this.timers.setTimeout(() => {
      this.again = false;
      this.lastTickAt = this.clock.now();
      this.currentTick = this.tick().finally(() => {
        this.currentTick = undefined;
        this.schedule();
      });
    }, delay);
  }

  /** Players were queued on this server: match them now instead of at the next tick. */
  private kick(): void {
    if (!this.running || this.again) return;
    this.again = true;
    if (this.currentTick !== undefined) return; // the running round's end schedules the next
    this.timers.clearTimeout(this.loopTimer);
    this.schedule();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const notAllowed = () =>
      sendError(res, new MatchError('ERR_MATCH_METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`));
    // Game servers report from few addresses at their own rate: signed reports skip the address
    // limit (a bad signature costs one HMAC over at most maxBodyBytes, and is counted).
    if (path === '/match/result' && this.resultOptions !== undefined) {
      if (method !== 'POST') return notAllowed();
      return this.handleResult(req, res, this.resultOptions);
    }
    // First and cheapest: one address cannot make us parse, authenticate or query without limit.
    const address = clientAddressKey(req.socket.remoteAddress);
    if (!this.allowed(this.addressLimit, address, 'address', res)) return;
    if (path === '/match/request') {
      if (method !== 'POST') return notAllowed();
      return this.handleRequest(req, res);
    }
    const byPlayer = REQUEST_PATH.exec(path);
    if (byPlayer !== null) {
      if (method !== 'GET' && method !== 'DELETE') return notAllowed();
      const playerId = await this.callerOwn(req, res, byPlayer[1]!);
      if (playerId === undefined) return;
      if (method === 'GET') return this.handleStatus(playerId, res);
      return this.handleCancel(playerId, res);
    }
    const player = PLAYER_PATH.exec(path);
    if (player !== null) {
      if (method !== 'GET') return notAllowed();
      const playerId = await this.callerOwn(req, res, player[1]!);
      if (playerId === undefined) return;
      return this.handleProfile(playerId, res);
    }
    if (path === '/healthz') {
      if (method !== 'GET') return notAllowed();
      return this.handleHealth(res);
    }
    sendError(res, new MatchError('ERR_MATCH_NOT_FOUND', `no route ${method} ${path}`));
  }

  /** Spends a token of `key` in `limiter`; answers 429 and counts the refusal when there is none. */
  private allowed(
    limiter: RateLimiter | undefined,
    key: string,
    limit: 'address' | 'player',
    res: ServerResponse,
  ): boolean {
    const waitMs = limiter?.take(key) ?? 0;
    if (waitMs === 0) return true;
    this.refused(limit === 'address' ? 'address_rate' : 'player_rate');
    sendError(res, new RateLimitedError(limit, Math.max(1, Math.ceil(waitMs / 1000))));
    return false;
  }

  /**
   * The caller, `'anyone'` in development mode, or undefined once the request was answered
   * (401, or 503 when the hook failed).
   */
  /**
   * For a route naming a player (`/match/request/<id>`, `/players/<id>`): the id when the caller
   * may act for it (it is the caller's own, or callers are not identified) and its rate limit
   * allows; else the refusal is sent and the result is `undefined`.
   */
  private async callerOwn(
    req: IncomingMessage,
    res: ServerResponse,
    rawId: string,
  ): Promise<string | undefined> {
    const caller = await this.identify(req, res);
    if (caller === undefined) return undefined;
    let playerId: string;
    try {
      playerId = parsePlayerId(decodeURIComponent(rawId));
    } catch (err) {
      sendError(res, err instanceof MatchError ? err : new MatchError('ERR_MATCH_INVALID_REQUEST', 'bad id'));
      return undefined;
    }
    if (caller !== 'anyone' && caller.playerId !== playerId) {
      this.forbid(res, 'another player');
      return undefined;
    }
    return this.allowed(this.playerLimit, playerId, 'player', res) ? playerId : undefined;
  }

  private async identify(req: IncomingMessage, res: ServerResponse): Promise<Caller | 'anyone' | undefined> {
    if (this.authenticate === 'none') return 'anyone';
    let caller: Caller | null;
    try {
      caller = await this.authenticate(req);
    } catch (err) {
      if (err instanceof MatchError) {
        if (err.code === 'ERR_MATCH_UNAUTHENTICATED') this.refused('unauthenticated');
        sendError(res, err);
        return undefined;
      }
      this.logger.warn({ err }, 'authenticate failed');
      sendError(res, new StoreUnavailableError('authenticator', err));
      return undefined;
    }
    if (caller === null) {
      this.refused('unauthenticated');
      sendError(res, new MatchError('ERR_MATCH_UNAUTHENTICATED', 'missing or invalid credentials'));
      return undefined;
    }
    return caller;
  }

  private forbid(res: ServerResponse, what: string): void {
    this.refused('forbidden');
    sendError(res, new MatchError('ERR_MATCH_FORBIDDEN', `your credentials do not allow ${what}`));
  }

  /**
   * The queue entry a body asks for, or undefined once answered: the caller's own player (a
   * different `player_id` is 403), with the credentials' rating when they carry one (a
   * different `rating` is 403).
   */
  private enqueueRequest(
    caller: Caller | 'anyone',
    body: MatchRequestBody,
    res: ServerResponse,
  ): EnqueueRequest | undefined {
    const invalid = (message: string) => {
      sendError(res, new MatchError('ERR_MATCH_INVALID_REQUEST', message));
      return undefined;
    };
    if (caller === 'anyone') {
      if (body.playerId === undefined) return invalid('"player_id" is required');
      if (body.rating === undefined) return invalid('"rating" is required');
      return { playerId: body.playerId, rating: body.rating, region: body.region };
    }
    if (body.playerId !== undefined && body.playerId !== caller.playerId) {
      this.forbid(res, 'another player');
      return undefined;
    }
    if (caller.rating !== undefined) {
      if (body.rating !== undefined && body.rating !== caller.rating) {
        this.forbid(res, 'another rating');
        return undefined;
      }
      return {
        playerId: caller.playerId,
        rating: caller.rating,
        region: body.region,
        ratingIsAuthoritative: true,
      };
    }
    if (body.rating === undefined) return invalid('"rating" is required');
    return { playerId: caller.playerId, rating: body.rating, region: body.region };
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.observer.matchRequest?.();
    const caller = await this.identify(req, res);
    if (caller === undefined) return;
    let body: MatchRequestBody;
    try {
      body = parseMatchRequest(await readBody(req, this.maxBodyBytes));
    } catch (err) {
      const error =
        err instanceof MatchError ? err : new MatchError('ERR_MATCH_INVALID_REQUEST', 'unreadable body');
      if (error.code === 'ERR_MATCH_BODY_TOO_LARGE') res.setHeader('connection', 'close');
      return sendError(res, error);
    }
    const request = this.enqueueRequest(caller, body, res);
    if (request === undefined) return;
    if (!this.allowed(this.playerLimit, request.playerId, 'player', res)) return;
    if (this.closed) return sendError(res, new MatchError('ERR_MATCH_SHUTTING_DOWN', 'server is closing'));
    let result: EnqueueResult;
    try {
      result = await this.enqueues.submit(request);
    } catch (err) {
      this.outages.failed(err);
      return sendError(res, new StoreUnavailableError('postgres', err));
    }
    this.outages.succeeded('postgres');
    if (result.state === 'matched') return this.sendMatch(res, 200, result.match, request.playerId);
    if (result.added) this.kick();
    this.wait(request.playerId, res);
  }

  /**
   * Answers with the design's four fields for `playerId`, plus `connect_token` (base64) when
   * this server issues connect tokens, and `extra` fields.
   */
  private sendMatch(
    res: ServerResponse,
    status: number,
    match: MatchRecord,
    playerId: string,
    extra: Record<string, unknown> = {},
  ): void {
    const body: Record<string, unknown> = { ...extra, ...matchBody(match, playerId) };
    if (this.connectTokens !== undefined) {
      try {
        const roster = encodeMatchRoster([match.player1Id, match.player2Id]);
        if (roster === undefined)
          throw new InvalidArgumentError('players', 'the match roster does not fit a connect token');
        const token = this.connectTokens.issue({
          playerId,
          matchId: match.matchId,
          roomId: match.roomId,
          serverAddress: match.gameServer,
          userData: roster,
        });
        body.connect_token = Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('base64');
      } catch (err) {
        this.logger.error({ err }, 'issuing a connect token failed');
        sendError(res, new StoreUnavailableError('connect token issuer', err));
        return;
      }
    }
    sendJson(res, status, body);
  }

  private wait(playerId: string, res: ServerResponse): void {
    // The enqueue took time: close() may have run (nobody would answer or clear the timer) or the
    // client may have left ('close' already fired, so the waiter would never be forgotten).
    if (this.closed) {
      sendError(res, new MatchError('ERR_MATCH_SHUTTING_DOWN', 'server is closing'));
      return;
    }
    if (res.destroyed) return;
    const waiter: Waiter = { playerId, res, timer: undefined };
    let set = this.waiters.get(playerId);
    if (set === undefined) {
      set = new Set();
      this.waiters.set(playerId, set);
    }
    set.add(waiter);
    this.unchecked.add(playerId);
    waiter.timer = this.timers.setTimeout(() => {
      this.forget(waiter);
      void this.handleStatus(playerId, res, 202);
    }, this.maxWaitMs);
    res.on('close', () => this.forget(waiter));
  }

  private forget(waiter: Waiter): boolean {
    const set = this.waiters.get(waiter.playerId);
    if (set === undefined || !set.delete(waiter)) return false;
    if (set.size === 0) this.waiters.delete(waiter.playerId);
    this.timers.clearTimeout(waiter.timer);
    return true;
  }

  private answer(waiter: Waiter, send: (res: ServerResponse) => void): void {
    if (this.forget(waiter)) send(waiter.res);
  }

  private answerAll(playerId: string, send: (res: ServerResponse) => void): void {
    for (const waiter of [...(this.waiters.get(playerId) ?? [])]) this.answer(waiter, send);
  }

  private resolveMatched(playerId: string, match: MatchRecord): void {
    this.answerAll(playerId, (res) => this.sendMatch(res, 200, match, playerId));
  }

  private async handleStatus(playerId: string, res: ServerResponse, queuedStatus = 200): Promise<void> {
    let status: PlayerStatus;
    try {
      status = await this.queue.status(playerId);
    } catch (err) {
      this.outages.failed(err);
      return sendError(res, new StoreUnavailableError('postgres', err));
    }
    if (status.state === 'matched')
      return this.sendMatch(res, 200, status.match, playerId, { status: 'matched' });
    if (status.state === 'queued') return sendJson(res, queuedStatus, queuedBody(playerId, status));
    if (queuedStatus === 202) {
      return sendError(res, new MatchError('ERR_MATCH_CANCELLED', `${playerId} left the queue`));
    }
    sendError(res, new MatchError('ERR_MATCH_NOT_QUEUED', `${playerId} is neither queued nor matched`));
  }

  private async handleCancel(playerId: string, res: ServerResponse): Promise<void> {
    let result: CancelResult;
    try {
      result = await this.queue.cancel(playerId);
    } catch (err) {
      this.outages.failed(err);
      return sendError(res, new StoreUnavailableError('postgres', err));
    }
    if (result.state === 'cancelled') {
      this.answerAll(playerId, (r) =>
        sendError(r, new MatchError('ERR_MATCH_CANCELLED', `${playerId} cancelled`)),
      );
      return sendJson(res, 200, { status: 'cancelled', player_id: playerId });
    }
    if (result.state === 'matched') {
      return sendError(res, new MatchError('ERR_MATCH_ALREADY_MATCHED', `${playerId} is already matched`), {
        match: matchBody(result.match, playerId),
      });
    }
    sendError(res, new MatchError('ERR_MATCH_NOT_QUEUED', `${playerId} is not queued`));
  }

  private async handleResult(
    req: IncomingMessage,
    res: ServerResponse,
    options: ResultReportOptions,
  ): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, this.maxBodyBytes);
    } catch (err) {
      const error =
        err instanceof MatchError ? err : new MatchError('ERR_MATCH_INVALID_REQUEST', 'unreadable body');
      if (error.code === 'ERR_MATCH_BODY_TOO_LARGE') res.setHeader('connection', 'close');
      return sendError(res, error);
    }
    // The signature first: nothing of an unsigned body is parsed or looked up.
    if (!resultSignatureValid(body, req.headers[RESULT_SIGNATURE_HEADER], options.key)) {
      this.refused('result_signature');
      return sendError(
        res,
        new MatchError('ERR_MATCH_UNAUTHENTICATED', 'missing or invalid result signature'),
      );
    }
    let report: { result: MatchResult; reportedAt: number };
    try {
      report = parseResultReport(body);
    } catch (err) {
      return sendError(
        res,
        err instanceof MatchError ? err : new MatchError('ERR_MATCH_INVALID_REQUEST', 'bad report'),
      );
    }
    const skew = Math.abs((options.clock ?? epochClock).now() - report.reportedAt);
    if (skew > (options.maxSkewMs ?? 60_000)) {
      this.refused('result_stale');
      return sendError(
        res,
        new MatchError('ERR_MATCH_UNAUTHENTICATED', 'result report is stamped outside the allowed window'),
      );
    }
    let outcome: RecordOutcome;
    try {
      outcome = await this.results.record(report.result);
    } catch (err) {
      this.outages.failed(err);
      return sendError(res, new StoreUnavailableError('postgres', err));
    }
    this.outages.succeeded('postgres');
    const { matchId } = report.result;
    switch (outcome.state) {
      case 'recorded':
        return sendJson(res, 200, {
          status: 'recorded',
          match_id: matchId,
          rating_changes: [outcome.ratingChange1, outcome.ratingChange2],
        });
      case 'duplicate':
        return sendJson(res, 200, { status: 'duplicate', match_id: matchId });
      case 'conflict':
        return sendError(
          res,
          new MatchError('ERR_MATCH_RESULT_CONFLICT', `${matchId} already finished with another result`),
        );
      case 'unknown':
        return sendError(res, new MatchError('ERR_MATCH_UNKNOWN_MATCH', `no match ${matchId}`));
      case 'not_a_player':
        return sendError(
          res,
          new MatchError('ERR_MATCH_UNKNOWN_MATCH', `the winner did not play ${matchId}`),
        );
    }
  }

  private async handleProfile(playerId: string, res: ServerResponse): Promise<void> {
    let profile: PlayerProfile | undefined;
    try {
      profile = await this.results.profile(playerId);
    } catch (err) {
      this.outages.failed(err);
      return sendError(res, new StoreUnavailableError('postgres', err));
    }
    this.outages.succeeded('postgres');
    if (profile === undefined)
      return sendError(res, new MatchError('ERR_MATCH_UNKNOWN_PLAYER', `no player ${playerId}`));
    sendJson(res, 200, profileBody(profile));
  }

  private async handleHealth(res: ServerResponse): Promise<void> {
    try {
      await this.queue.size();
    } catch (err) {
      this.outages.failed(err);
      return sendError(res, new StoreUnavailableError('postgres', err));
    }
    this.outages.succeeded('postgres');
    if (this.lastRoundError !== undefined) return sendError(res, this.lastRoundError);
    sendJson(res, 200, { status: 'ok', waiting: this.waiting });
  }
}
