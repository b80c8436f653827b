/** Static property of a marked error class: the `Symbol.for` key its instances carry. */
const kMarker = Symbol.for('@pong/netcode.error.marker');

/**
 * Marks an error class so that `instanceof` recognises its instances from any copy of this
 * library loaded in the process (the ESM and the CommonJS build, two installed versions): the
 * prototype carries `Symbol.for('@pong/netcode.error.<name>')` and `instanceof` checks for that
 * key instead of the prototype chain. Every error class in the library calls it once, with its
 * own name, in a static block; it also pins the class's `name`, which `error.name` is taken from.
 * @internal
 */
export function markError(errorClass: abstract new (...args: never[]) => Error, name: string): void {
  const marker = Symbol.for(`@pong/netcode.error.${name}`);
  Object.defineProperty(errorClass.prototype, marker, { value: true });
  Object.defineProperty(errorClass, kMarker, { value: marker });
  // Bundlers may rename a class that refers to itself (`_MatchError`); `name` stays the public one.
  Object.defineProperty(errorClass, 'name', { value: name });
}

/** `value instanceof errorClass`, by marker when the class is marked, else by prototype chain. */
function isInstance(errorClass: object, value: unknown): boolean {
  const marker = Object.hasOwn(errorClass, kMarker)
    ? (errorClass as Record<symbol, unknown>)[kMarker]
    : undefined;
  if (typeof marker !== 'symbol') return Function.prototype[Symbol.hasInstance].call(errorClass, value);
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}

/**
 * Base class of every error this library throws or emits. Each subclass carries a stable
 * `code` (`ERR_*`) that callers can switch on; messages are for humans and may change.
 *
 * `instanceof` works across builds: an error thrown by the CommonJS build is an `instanceof` the
 * ESM build's class and the other way round, for this class and every subclass in the library (a
 * subclass you write yourself keeps the ordinary prototype check).
 *
 * @example
 * ```ts
 * try { channel.send(bytes, 'unreliable'); }
 * catch (err) { if (err instanceof NetcodeError && err.code === 'ERR_MESSAGE_TOO_LARGE') { ... } }
 * ```
 */
export class NetcodeError extends Error {
  static {
    markError(NetcodeError, 'NetcodeError');
  }

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

  /**
   * `value instanceof SomeNetcodeError`: true when `value` carries the class's marker, whichever
   * copy of the library created it. Classes that were not marked use the prototype chain.
   * @param value - the left-hand side of `instanceof`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of `instanceof`.
    return isInstance(this, value);
  }
}

/** An option passed to a constructor or function is missing, of the wrong type or out of range. */
export class InvalidOptionError extends NetcodeError {
  static {
    markError(InvalidOptionError, 'InvalidOptionError');
  }

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

/** A method argument (not an option) is of the wrong type or out of range: a programmer error. */
export class InvalidArgumentError extends NetcodeError {
  static {
    markError(InvalidArgumentError, 'InvalidArgumentError');
  }

  /** Name of the offending argument. */
  readonly argument: string;

  /**
   * @param argument - the argument's name, e.g. `payload`.
   * @param message - what is wrong with it, with the method's name.
   */
  constructor(argument: string, message: string) {
    super('ERR_INVALID_ARGUMENT', `invalid argument "${argument}": ${message}`);
    this.argument = argument;
  }
}

/** An operation was attempted on an object that is closed or not yet started. */
export class InvalidStateError extends NetcodeError {
  static {
    markError(InvalidStateError, 'InvalidStateError');
  }

  /** @param message - which operation and which state. */
  constructor(message: string) {
    super('ERR_INVALID_STATE', message);
  }
}
