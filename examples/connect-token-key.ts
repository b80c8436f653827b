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
  readonly key: ConnectTokenKey;
  /** True when the variable was unset: print {@link DEVELOPMENT_KEY_WARNING}. */
  readonly development: boolean;
}

/** What a server says at start when it runs on the development key. */
export const DEVELOPMENT_KEY_WARNING =
  'WARNING: CONNECT_TOKEN_KEY is unset: using the fixed development key, so anyone can forge ' +
  'connect tokens. Set CONNECT_TOKEN_KEY to 64 random hex characters (e.g. `openssl rand -hex 32`), ' +
  'the same on the match server and every game server.';

/** Reads `CONNECT_TOKEN_KEY`; throws for a value that is not 64 hex characters. */
export function connectTokenKeyFromEnv(env: NodeJS.ProcessEnv = process.env): ConfiguredConnectTokenKey {
  const raw = env.CONNECT_TOKEN_KEY;
  if (raw === undefined || raw === '') return { key: DEVELOPMENT_CONNECT_TOKEN_KEY, development: true };
  if (!/^[0-9a-fA-F]{64}$/.test(raw))
    throw new Error('CONNECT_TOKEN_KEY must be 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`');
  return { key: { id: 1, key: Buffer.from(raw, 'hex') }, development: false };
}
