/**
 * Matchmaking by rating: the {@link Matcher} pairing rules, the {@link MatchQueue} on PostgreSQL
 * or PGlite, room stores on Redis or in memory, and {@link MatchServer}, the HTTP service. See the
 * Matchmaking guide.
 *
 * @module @pong/netcode/matchmaking
 */
export { type Authenticate, type Caller, MATCH_REFUSALS, type MatchRefusal } from './caller.js';
export type { ConnectTokenSource, MatchTokenGrant } from './connect-token-source.js';
export { DEFAULT_ELO_K, eloGain } from './elo.js';
export { MatchError, type MatchErrorCode, RateLimitedError, StoreUnavailableError } from './errors.js';
export {
  type AllocationRequest,
  type GameServerAllocator,
  StaticGameServerAllocator,
} from './game-server-allocator.js';
export { GameServerHeartbeat, type GameServerHeartbeatOptions } from './game-server-heartbeat.js';
export type {
  GameServerRegistry,
  GameServerRegistryOptions,
  GameServerReport,
  GameServerState,
} from './game-server-registry.js';
export { createIdGenerator, type IdGenerator } from './ids.js';
export { MatchMaker, type MatchMakerOptions, type RoundOutcome } from './match-maker.js';
export type { MatchObserver } from './match-observer.js';
export {
  type CancelledState,
  type CancelResult,
  type EnqueuedState,
  type EnqueueRequest,
  type EnqueueResult,
  type IdleState,
  type MatchedState,
  MatchQueue,
  type MatchQueueOptions,
  type MatchRecord,
  type PlayerStatus,
  type QueuedPlayer,
  type QueuedState,
  type RoundPlan,
  type RoundResult,
  type WaitReason,
} from './match-queue.js';
export { type MatchEnding, type MatchResult, RESULT_SIGNATURE_HEADER } from './match-result.js';
export {
  MatchResults,
  type PlayedMatch,
  type PlayerProfile,
  type RecordedOutcome,
  type RecordOutcome,
  type UnchangedOutcome,
} from './match-results.js';
export { decodeMatchRoster, encodeMatchRoster, MAX_ROSTER_BYTES } from './match-roster.js';
export { MatchServer, type MatchServerOptions, type ResultReportOptions } from './match-server.js';
export { MatchSweeper, type MatchSweeperOptions, type SweepResult } from './match-sweeper.js';
export {
  Matcher,
  type MatcherOptions,
  type MatchPair,
  type QueueEntry,
  type WideningFollows,
  type WideningStep,
} from './matcher.js';
export { MemoryGameServerRegistry } from './memory-game-server-registry.js';
export { migrate } from './migrate.js';
export { RateLimiter, type RateLimiterOptions, type RequestRateLimit } from './rate-limiter.js';
export {
  RedisGameServerRegistry,
  type RegistryRedisBatch,
  type RegistryRedisLike,
} from './redis-game-server-registry.js';
export { type RedisLike, type RedisMulti, RedisRoomManager } from './redis-room-manager.js';
export {
  type PostReport,
  ResultReporter,
  type ResultReporterOptions,
  type ResultReporterStats,
} from './result-reporter.js';
export {
  MemoryRoomManager,
  type RoomInfo,
  type RoomManager,
  type RoomManagerOptions,
  type RoomStatus,
  roomStatuses,
} from './room-manager.js';
export { RunningRooms } from './running-rooms.js';
export {
  type PGliteLike,
  type PgPoolClientOptions,
  type PgPoolConnection,
  type PgPoolLike,
  type PgQueryResult,
  pgliteClient,
  pgPoolClient,
  type SqlClient,
  type SqlExecutor,
  type SqlResult,
} from './sql-client.js';
