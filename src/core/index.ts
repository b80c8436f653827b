export { type Clock, epochClock, ManualClock, systemClock } from './clock.js';
export { InvalidArgumentError, InvalidOptionError, InvalidStateError, NetcodeError } from './errors.js';
export { type Logger, silentLogger } from './logger.js';
export { ManualTimers } from './manual-timers.js';
export { OutageLog } from './outage-log.js';
export { createCryptoRandom, createSeededRandom, type RandomSource } from './random.js';
export { systemTimers, type Timers } from './timers.js';
