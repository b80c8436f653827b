import { type Clock, InvalidOptionError } from '../../core/index.js';
import { check } from '../connection-options.js';
import { type ConnectTokenKey, checkKey, WALL_CLOCK_MIN_MS } from './connect-token-key.js';
import { checkServerAddress } from './server-address.js';
import {
  HANDSHAKE_HEADER_BYTES,
  readHandshakeHeader,
  readPrivatePart,
  SEALED_OFFSET,
} from './token-format.js';
import { open } from './xchacha.js';

/**
 * Why a handshake token was refused:
 * - `malformed`: wrong size, unknown version, or a field out of range;
 * - `wrong_protocol`: another application's protocol id;
 * - `unknown_key`: sealed under a key id this server does not hold (retired, or never issued);
 * - `expired`: the clock reached its expiry;
 * - `unauthentic`: the seal does not open (forged, altered, or a key with a reused id);
 * - `wrong_server`: issued for another game server address.
 */
export type ConnectTokenRefusal =
  | 'malformed'
  | 'unknown_key'
  | 'unauthentic'
  | 'expired'
  | 'wrong_server'
  | 'wrong_protocol';

/** Every {@link ConnectTokenRefusal}, in the order the verifier checks them. */
export const CONNECT_TOKEN_REFUSALS: readonly ConnectTokenRefusal[] = Object.freeze([
  'malformed',
  'wrong_protocol',
  'unknown_key',
  'expired',
  'unauthentic',
  'wrong_server',
]);

/** What the server learns from a valid handshake token. */
export interface VerifiedConnectToken {
  /** Unique per issued token (hex of its 24-byte nonce): the key for "already in use from another address". */
  readonly tokenId: string;
  /** The player the seat belongs to. */
  readonly playerId: string;
  /** The match. */
  readonly matchId: string;
  /** The room on this server. */
  readonly roomId: string;
  /** The address it was issued for (one of this server's). */
  readonly serverAddress: string;
  /** Epoch ms after which the token admits no one. */
  readonly expiresAt: number;
  /** The connection timeout, in ms. */
  readonly timeoutMs: number;
  /** 32-byte key for packets the client sends. */
  readonly clientToServerKey: Uint8Array;
  /** 32-byte key for packets the server sends. */
  readonly serverToClientKey: Uint8Array;
  /** The issuer's opaque user data (possibly empty). */
  readonly userData: Uint8Array;
}

/** The verdict on a handshake token. */
export type ConnectTokenCheck =
  | {
      /** Accepted. */
      readonly ok: true;
      /** What the token grants. */
      readonly token: VerifiedConnectToken;
    }
  | {
      /** Refused. */
      readonly ok: false;
      /** Why. */
      readonly reason: ConnectTokenRefusal;
    };

/** Options of {@link ConnectTokenVerifier}. */
export interface ConnectTokenVerifierOptions {
  /** The keys accepted: the current one and, while a rotation runs, the previous one. Ids must differ. */
  keys: readonly ConnectTokenKey[];
  /** The application's protocol id (u32). */
  protocolId: number;
  /** The `host:port` spellings this server answers as; a token naming any other is refused. */
  serverAddresses: readonly string[];
  /** A wall clock in epoch ms, the same meaning as the issuer's (one reading before 2020 is refused). */
  clock: Clock;
}

const REFUSED = Object.freeze(
  Object.fromEntries(CONNECT_TOKEN_REFUSALS.map((reason) => [reason, Object.freeze({ ok: false, reason })])),
) as Readonly<Record<ConnectTokenRefusal, ConnectTokenCheck>>;

/**
 * Checks handshake tokens (game-server side). Pure apart from reading the clock: it keeps no state
 * per token, so "already in use from another address" is the connection server's to track, by
 * `tokenId`. Cheap checks (size, protocol, key id, expiry) run before the AEAD open.
 *
 * @example
 * ```ts
 * const verifier = new ConnectTokenVerifier({ keys: [current, previous], protocolId: 0x504f4e47,
 *   serverAddresses: ['203.0.113.7:9000'], clock: epochClock });
 * const check = verifier.verify(handshakeToken);
 * if (!check.ok) refused[check.reason]++;
 * ```
 */
export class ConnectTokenVerifier {
  private readonly keys: ReadonlyMap<number, Uint8Array>;
  private readonly protocolId: number;
  private readonly serverAddresses: ReadonlySet<string>;
  private readonly clock: Clock;

  /** @param options - see {@link ConnectTokenVerifierOptions}; every field is validated. */
  constructor(options: ConnectTokenVerifierOptions) {
    if (options === null || typeof options !== 'object')
      throw new InvalidOptionError('options', 'must be an object');
    if (!Array.isArray(options.keys) || options.keys.length === 0)
      throw new InvalidOptionError('keys', 'must be a non-empty array of ConnectTokenKey');
    const keys = new Map<number, Uint8Array>();
    options.keys.forEach((value, i) => {
      const key = checkKey(`keys[${i}]`, value);
      if (keys.has(key.id)) throw new InvalidOptionError(`keys[${i}].id`, `duplicate key id ${key.id}`);
      keys.set(key.id, key.key);
    });
    this.keys = keys;
    this.protocolId = check.int('protocolId', options.protocolId, Number.NaN, 0, 0xffffffff);
    if (!Array.isArray(options.serverAddresses) || options.serverAddresses.length === 0)
      throw new InvalidOptionError('serverAddresses', 'must be a non-empty array of "host:port"');
    this.serverAddresses = new Set(
      options.serverAddresses.map((a, i) => checkServerAddress(`serverAddresses[${i}]`, a)),
    );
    if (options.clock === null || typeof options.clock?.now !== 'function')
      throw new InvalidOptionError('clock', 'must be a Clock ({ now })');
    if (!(options.clock.now() >= WALL_CLOCK_MIN_MS))
      throw new InvalidOptionError(
        'clock',
        `must read epoch milliseconds (a wall clock such as epochClock from the core), got ${options.clock.now()}`,
      );
    this.clock = options.clock;
  }

  /**
   * Checks a handshake token. Never throws, whatever the input.
   *
   * @param handshakeToken - the bytes the client sent.
   * @returns `{ ok: true, token }` or `{ ok: false, reason }`.
   */
  verify(handshakeToken: Uint8Array): ConnectTokenCheck {
    if (!(handshakeToken instanceof Uint8Array)) return REFUSED.malformed;
    const header = readHandshakeHeader(handshakeToken);
    if (header === undefined) return REFUSED.malformed;
    if (header.protocolId !== this.protocolId) return REFUSED.wrong_protocol;
    const key = this.keys.get(header.keyId);
    if (key === undefined) return REFUSED.unknown_key;
    const now = this.clock.now();
    if (!(now >= WALL_CLOCK_MIN_MS && now < header.expiresAt)) return REFUSED.expired;
    const nonce = handshakeToken.subarray(HANDSHAKE_HEADER_BYTES, SEALED_OFFSET);
    const plain = open(
      handshakeToken.subarray(SEALED_OFFSET),
      handshakeToken.subarray(0, HANDSHAKE_HEADER_BYTES),
      nonce,
      key,
    );
    if (plain === undefined) return REFUSED.unauthentic;
    const part = readPrivatePart(plain);
    // Only an issuer holding the key could have sealed this: a bug there, not an attack.
    if (part === undefined) return REFUSED.malformed;
    if (!this.serverAddresses.has(part.serverAddress)) return REFUSED.wrong_server;
    return {
      ok: true,
      token: {
        tokenId: Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength).toString('hex'),
        playerId: part.playerId,
        matchId: part.matchId,
        roomId: part.roomId,
        serverAddress: part.serverAddress,
        expiresAt: header.expiresAt,
        timeoutMs: part.timeoutMs,
        clientToServerKey: part.clientToServerKey,
        serverToClientKey: part.serverToClientKey,
        userData: part.userData,
      },
    };
  }
}
