/**
 * The key game servers sign their match results with and the match server checks them with
 * (`POST /match/result`): `RESULT_KEY` (64 hex characters), or, unset, the connect-token key's
 * bytes (`CONNECT_TOKEN_KEY`, or the public development key), which the two sides already share.
 * A dedicated `RESULT_KEY` lets you rotate one without the other.
 */
import { connectTokenKeyFromEnv } from './connect-token-key.js';

/** Reads `RESULT_KEY`, falling back to the connect-token key; throws for a malformed value. */
export function resultKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Uint8Array {
  const raw = env.RESULT_KEY;
  if (raw === undefined || raw === '') return connectTokenKeyFromEnv(env).key.key;
  if (!/^[0-9a-fA-F]{64}$/.test(raw))
    throw new Error('RESULT_KEY must be 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`');
  return Buffer.from(raw, 'hex');
}
