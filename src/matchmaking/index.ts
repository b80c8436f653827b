export { MatchError, type MatchErrorCode, StoreUnavailableError } from './errors.js';
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
export {
  type PGliteLike,
  pgliteClient,
  pgPoolClient,
  type SqlClient,
  type SqlExecutor,
} from './sql-client.js';
