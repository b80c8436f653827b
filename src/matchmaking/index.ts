export { MatchError, type MatchErrorCode, StoreUnavailableError } from './errors.js';
export type { MatchObserver } from './match-observer.js';
export {
  Matcher,
  type MatcherOptions,
  type MatchPair,
  type QueueEntry,
  type WideningStep,
} from './matcher.js';
