import { InvalidOptionError } from '../../core/index.js';

/** Bytes of a connect-token key and of each per-connection packet key. */
export const CONNECT_TOKEN_KEY_BYTES = 32;

/**
 * A 32-byte key shared by the issuer (match side) and the verifiers (game servers), with an id so
 * keys can rotate: tokens name the id of the key that sealed them, and a verifier holds the
 * current key and the previous one (see docs/security.md, "Key rotation").
 */
export interface ConnectTokenKey {
  /** Key id, an unsigned 32-bit integer, carried in clear in every token. */
  readonly id: number;
  /** The secret: exactly 32 bytes, from a cryptographic generator. */
  readonly key: Uint8Array;
}

/** Validates a key option and returns a private copy of it. @internal */
export function checkKey(option: string, value: ConnectTokenKey | undefined): ConnectTokenKey {
  if (value === null || typeof value !== 'object')
    throw new InvalidOptionError(option, 'must be a ConnectTokenKey ({ id, key })');
  if (!Number.isInteger(value.id) || value.id < 0 || value.id > 0xffffffff)
    throw new InvalidOptionError(
      `${option}.id`,
      `must be an integer in [0, 4294967295], got ${String(value.id)}`,
    );
  if (!(value.key instanceof Uint8Array) || value.key.length !== CONNECT_TOKEN_KEY_BYTES)
    throw new InvalidOptionError(`${option}.key`, `must be a Uint8Array of ${CONNECT_TOKEN_KEY_BYTES} bytes`);
  return { id: value.id, key: Uint8Array.from(value.key) };
}

/**
 * 2020-01-01T00:00:00Z in epoch ms. Issuer and verifier need wall clocks; a clock reading earlier
 * than this is a monotonic one (`systemClock` starts near 0), with which a verifier would accept
 * tokens for decades. @internal
 */
export const WALL_CLOCK_MIN_MS = 1_577_836_800_000;
