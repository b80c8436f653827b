/**
 * Base class of every error this library throws or emits. Each subclass carries a stable
 * `code` (`ERR_*`) that callers can switch on; messages are for humans and may change.
 *
 * @example
 * ```ts
 * try { channel.send(bytes, 'unreliable'); }
 * catch (err) { if (err instanceof NetcodeError && err.code === 'ERR_MESSAGE_TOO_LARGE') { ... } }
 * ```
 */
export class NetcodeError extends Error {
  /** Stable machine-readable code, e.g. `ERR_PACKET_TOO_LARGE`. */
  readonly code: string;

  /**
   * @param code - stable error code (`ERR_*`).
   * @param message - human-readable explanation.
   * @param options - standard `ErrorOptions` (a `cause`).
   */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option passed to a constructor or function is missing, of the wrong type or out of range. */
export class InvalidOptionError extends NetcodeError {
  /** Name of the offending option. */
  readonly option: string;

  /**
   * @param option - the option's name, e.g. `maxPacketSize`.
   * @param message - what is wrong with it.
   */
  constructor(option: string, message: string) {
    super('ERR_INVALID_OPTION', `invalid option "${option}": ${message}`);
    this.option = option;
  }
}

/** An operation was attempted on an object that is closed or not yet started. */
export class InvalidStateError extends NetcodeError {
  /** @param message - which operation and which state. */
  constructor(message: string) {
    super('ERR_INVALID_STATE', message);
  }
}
