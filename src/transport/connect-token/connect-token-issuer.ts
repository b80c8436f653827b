import { type Clock, InvalidOptionError, type RandomSource } from '../../core/index.js';
import { check } from '../connection-options.js';
import { utf8Bytes, utf8Text } from './byte-io.js';
import {
  CONNECT_TOKEN_KEY_BYTES,
  type ConnectTokenKey,
  checkKey,
  WALL_CLOCK_MIN_MS,
} from './connect-token-key.js';
import { randomBytes } from './random-bytes.js';
import { checkServerAddress } from './server-address.js';
import {
  MAX_ID_BYTES,
  MAX_USER_DATA_BYTES,
  writeHandshakeHeader,
  writePrivatePart,
  writePublicPart,
} from './token-format.js';
import { seal, XCHACHA_NONCE_BYTES } from './xchacha.js';

/** What the match side grants a player: one seat in one room on one game server. */
export interface ConnectTokenGrant {
  /** The player the seat belongs to (1-128 UTF-8 bytes). */
  readonly playerId: string;
  /** The match (1-128 UTF-8 bytes). */
  readonly matchId: string;
  /** The room on the game server (1-128 UTF-8 bytes). */
  readonly roomId: string;
  /** `host:port` of the game server the client dials (IPv6: `[::1]:9000`); only that server accepts the token. */
  readonly serverAddress: string;
  /** Opaque bytes for the game server, at most 256 (default none). */
  readonly userData?: Uint8Array;
}

/** Options of {@link ConnectTokenIssuer}. */
export interface ConnectTokenIssuerOptions {
  /** The key that seals new tokens (the verifiers' current key). */
  key: ConnectTokenKey;
  /** The application's protocol id (u32), the same as the game servers' `protocolId`. */
  protocolId: number;
  /** A wall clock in epoch milliseconds, shared in meaning with the verifiers' (e.g. `epochClock` from the core). */
  clock: Clock;
  /** Nonces and per-connection keys come from here: pass `createCryptoRandom()` in production. */
  random: RandomSource;
  /** How long a token admits its holder, in ms (default 30,000). */
  expiresInMs?: number;
  /** The connection timeout client and server use for this connection, in ms (default 10,000). */
  timeoutMs?: number;
}

/**
 * Issues connect tokens (match side). The public token goes to the client (base64 it for HTTP); it
 * holds the per-connection keys in clear for the client and the handshake token, whose private
 * part only the game servers holding the key can open (XChaCha20-Poly1305, the header as
 * associated data). Layout: docs/connect-token.md.
 *
 * @example
 * ```ts
 * const issuer = new ConnectTokenIssuer({ key: { id: 1, key }, protocolId: 0x504f4e47,
 *   clock: epochClock, random: createCryptoRandom() });
 * const token = issuer.issue({ playerId: 'p1', matchId: 'm1', roomId: 'r1', serverAddress: '203.0.113.7:9000' });
 * ```
 */
export class ConnectTokenIssuer {
  private readonly key: ConnectTokenKey;
  private readonly protocolId: number;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly expiresInMs: number;
  private readonly timeoutMs: number;

  /** @param options - see {@link ConnectTokenIssuerOptions}; every field is validated. */
  constructor(options: ConnectTokenIssuerOptions) {
    if (options === null || typeof options !== 'object')
      throw new InvalidOptionError('options', 'must be an object');
    this.key = checkKey('key', options.key);
    this.protocolId = check.int('protocolId', options.protocolId, Number.NaN, 0, 0xffffffff);
    if (options.clock === null || typeof options.clock?.now !== 'function')
      throw new InvalidOptionError('clock', 'must be a Clock ({ now })');
    if (options.random === null || typeof options.random?.next !== 'function')
      throw new InvalidOptionError('random', 'must be a RandomSource ({ next })');
    this.clock = options.clock;
    this.random = options.random;
    this.expiresInMs = check.int('expiresInMs', options.expiresInMs, 30_000, 1, 0x7fffffff);
    this.timeoutMs = check.int('timeoutMs', options.timeoutMs, 10_000, 1, 0xffffffff);
  }

  /**
   * Makes a token for `grant`.
   *
   * @param grant - who may sit where; validated (ids 1-128 UTF-8 bytes, `host:port`, user data <= 256 bytes).
   * @returns the public token (991 bytes plus the server address; its handshake token is always 899).
   * @throws InvalidOptionError naming the bad `grant.*` field, or `clock` when it does not read
   *   epoch milliseconds (before 2020, or past 2^53).
   */
  issue(grant: ConnectTokenGrant): Uint8Array {
    if (grant === null || typeof grant !== 'object')
      throw new InvalidOptionError('grant', 'must be a ConnectTokenGrant');
    const playerId = checkId('grant.playerId', grant.playerId);
    const matchId = checkId('grant.matchId', grant.matchId);
    const roomId = checkId('grant.roomId', grant.roomId);
    const serverAddress = checkServerAddress('grant.serverAddress', grant.serverAddress);
    const userData = grant.userData ?? new Uint8Array(0);
    if (!(userData instanceof Uint8Array) || userData.length > MAX_USER_DATA_BYTES)
      throw new InvalidOptionError(
        'grant.userData',
        `must be a Uint8Array of at most ${MAX_USER_DATA_BYTES} bytes`,
      );

    const createdAt = Math.floor(this.clock.now());
    const expiresAt = createdAt + this.expiresInMs;
    if (!(createdAt >= WALL_CLOCK_MIN_MS && Number.isSafeInteger(expiresAt)))
      throw new InvalidOptionError('clock', `must read epoch milliseconds (a wall clock), got ${createdAt}`);

    const nonce = randomBytes(this.random, XCHACHA_NONCE_BYTES);
    const clientToServerKey = randomBytes(this.random, CONNECT_TOKEN_KEY_BYTES);
    const serverToClientKey = randomBytes(this.random, CONNECT_TOKEN_KEY_BYTES);
    const header = writeHandshakeHeader({ protocolId: this.protocolId, expiresAt, keyId: this.key.id });
    const plain = writePrivatePart({
      timeoutMs: this.timeoutMs,
      clientToServerKey,
      serverToClientKey,
      playerId,
      matchId,
      roomId,
      serverAddress,
      userData,
    });
    const sealed = seal(plain, header, nonce, this.key.key);
    const handshakeToken = new Uint8Array(header.length + nonce.length + sealed.length);
    handshakeToken.set(header, 0);
    handshakeToken.set(nonce, header.length);
    handshakeToken.set(sealed, header.length + nonce.length);
    return writePublicPart({
      protocolId: this.protocolId,
      createdAt,
      expiresAt,
      timeoutMs: this.timeoutMs,
      clientToServerKey,
      serverToClientKey,
      serverAddress,
      handshakeToken,
    });
  }
}

function checkId(option: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidOptionError(option, 'must be a string');
  const encoded = utf8Bytes(value);
  const bytes = encoded.length;
  // TextEncoder turns a lone surrogate into U+FFFD: such a string would not round-trip.
  if (bytes < 1 || bytes > MAX_ID_BYTES || utf8Text(encoded) !== value)
    throw new InvalidOptionError(
      option,
      `must be 1-${MAX_ID_BYTES} bytes of well-formed UTF-8, got ${bytes}`,
    );
  return value;
}
