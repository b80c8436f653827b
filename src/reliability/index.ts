export type { ChannelObserver } from './channel-observer.js';
