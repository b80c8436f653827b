/**
 * `@pong/netcode`: authoritative real-time game server netcode for Node.js.
 *
 * The root entry re-exports the shared primitives and every module; each module is also
 * importable on its own (`@pong/netcode/transport`, `/reliability`, `/snapshot`, `/metrics`,
 * `/matchmaking`, `/server`). This page documents what only the root exports: the shared
 * primitives (clock, timers, random source, logger, errors); every other name re-exported here is
 * documented once, in its module.
 *
 * @module @pong/netcode
 */
export * from './core/index.js';
export * from './matchmaking/index.js';
export * from './metrics/index.js';
export * from './reliability/index.js';
export * from './server/index.js';
export * from './snapshot/index.js';
export * from './transport/index.js';
