export type { DropReason, TransportObserver } from './transport-observer.js';
