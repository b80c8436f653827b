/**
 * `@pong/netcode`: authoritative real-time game server netcode for Node.js.
 *
 * The root entry re-exports the shared primitives and every module; each module is also
 * importable on its own (`@pong/netcode/transport`, `/reliability`, `/snapshot`, `/metrics`,
 * `/matchmaking`, `/server`).
 *
 * @packageDocumentation
 */
export * from './core/index.js';
export * from './matchmaking/index.js';
export * from './metrics/index.js';
export * from './reliability/index.js';
export * from './server/index.js';
export * from './snapshot/index.js';
export * from './transport/index.js';
