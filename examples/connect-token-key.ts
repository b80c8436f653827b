/**
 * The connect-token key the example match server and the example game servers share, from
 * `CONNECT_TOKEN_KEY` (64 hex characters, key id 1). Unset, both fall back to one fixed
 * development key (id 0) published here, so `npm run match-server` and `npm run pong-server` find
 * each other with no setting, and say at start that tokens can then be forged. A game server
 * with a real key refuses development tokens as `unknown_key`.
 */
import type { ConnectTokenKey } from '../src/transport/index.js';

/** The fixed development key: public, so anyone can forge tokens for a server that uses it. */
export const DEVELOPMENT_CONNECT_TOKEN_KEY: ConnectTokenKey = Object.freeze({
  id: 0,
  key: Buffer.from('9ea398fd10602e68ea5676a21b450036504f0eddbde988af7b4da653795040ff', 'hex'),
});

/** What `CONNECT_TOKEN_KEY` configured, and whether it is the public development key. */
export interface ConfiguredConnectTokenKey {
  /** The current key: the match server seals with it, game servers accept it. */
  readonly key: ConnectTokenKey;
  /** The previous key (`CONNECT_TOKEN_KEY_PREVIOUS`), still accepted by game servers during a rotation. */
  readonly previous?: ConnectTokenKey;
  /** True when the variable was unset: print {@link DEVELOPMENT_KEY_WARNING}. */
  readonly development: boolean;
}

/** What a server says at start when it runs on the development key. */
export const DEVELOPMENT_KEY_WARNING =
  'WARNING: CONNECT_TOKEN_KEY is unset: using the fixed development key, so anyone can forge ' +
  'connect tokens. Set CONNECT_TOKEN_KEY to 64 random hex characters (e.g. `openssl rand -hex 32`), ' +
  'the same on the match server and every game server.';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** A key id: a u32 other than 0 (the development key's). */
function keyId(name: string, raw: string): number {
  const id = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || id < 1 || id > 0xffffffff)
    throw new Error(`${name} must be an integer from 1 to 4294967295, got "${raw}"`);
  return id;
}

/**
 * Reads `CONNECT_TOKEN_KEY` (64 hex characters) and `CONNECT_TOKEN_KEY_ID` (default 1), and for a
 * key rotation (docs/security.md) `CONNECT_TOKEN_KEY_PREVIOUS` as `<id>:<64 hex>`, which game
 * servers keep accepting until the old key's tokens have expired. Throws for a malformed value.
 */
export function connectTokenKeyFromEnv(env: NodeJS.ProcessEnv = process.env): ConfiguredConnectTokenKey {
  const raw = env.CONNECT_TOKEN_KEY;
  if (raw === undefined || raw === '') return { key: DEVELOPMENT_CONNECT_TOKEN_KEY, development: true };
  if (!HEX_KEY.test(raw))
    throw new Error('CONNECT_TOKEN_KEY must be 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`');
  const key = {
    id: keyId('CONNECT_TOKEN_KEY_ID', env.CONNECT_TOKEN_KEY_ID || '1'),
    key: Buffer.from(raw, 'hex'),
  };
  const previousRaw = env.CONNECT_TOKEN_KEY_PREVIOUS;
  if (previousRaw === undefined || previousRaw === '') return { key, development: false };
  const [idText = '', hex = ''] = previousRaw.split(':');
  if (!HEX_KEY.test(hex))
    throw new Error('CONNECT_TOKEN_KEY_PREVIOUS must be <id>:<64 hex characters>, e.g. 1:9ea3...');
  const previous = { id: keyId('CONNECT_TOKEN_KEY_PREVIOUS id', idText), key: Buffer.from(hex, 'hex') };
  if (previous.id === key.id)
    throw new Error('CONNECT_TOKEN_KEY_PREVIOUS must have another id than CONNECT_TOKEN_KEY_ID');
  return { key, previous, development: false };
}
