/**
 * The logging interface the library writes to: a subset of pino's, so a pino logger can be
 * passed as is. Library code never writes to the console.
 */
export interface Logger {
  /** Verbose diagnostics. */
  debug(obj: object, msg?: string): void;
  /** Normal operational events. */
  info(obj: object, msg?: string): void;
  /** Something unexpected that the library recovered from. */
  warn(obj: object, msg?: string): void;
  /** Something failed. */
  error(obj: object, msg?: string): void;
}

/** A logger that discards everything: the default. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
