export { MatchError, type MatchErrorCode, StoreUnavailableError } from './errors.js';
export { createIdGenerator, type IdGenerator } from './ids.js';
export type { MatchObserver } from './match-observer.js';
export {
  type EnqueueRequest,
  MatchQueue,
  type MatchRecord,
  type PlayerStatus,
  type QueuedPlayer,
  type RoundPlan,
  type WaitReason,
} from './match-queue.js';
export {
  Matcher,
  type MatcherOptions,
  type MatchPair,
  type QueueEntry,
  type WideningStep,
} from './matcher.js';
export { migrate } from './migrate.js';
export { RedisRoomManager } from './redis-room-manager.js';
export {
  MemoryRoomManager,
  type RoomInfo,
  type RoomManager,
  type RoomManagerOptions,
  type RoomStatus,
  roomStatuses,
} from './room-manager.js';
export {
  type PGliteLike,
  pgliteClient,
  pgPoolClient,
  type SqlClient,
  type SqlExecutor,
} from './sql-client.js';
