export { TickLoop, type TickLoopOptions } from './tick-loop.js';
export type { TickObserver } from './tick-observer.js';
