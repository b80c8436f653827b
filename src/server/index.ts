export { TickLoop, type TickLoopOptions, type TimerScheduler } from './tick-loop.js';
export type { TickObserver } from './tick-observer.js';
