export type { MatchObserver } from './match-observer.js';
