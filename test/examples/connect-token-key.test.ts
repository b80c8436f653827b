/** The examples' connect-token key settings, rotation included (docs/security.md, "Key rotation"). */
import { describe, expect, it } from 'vitest';
import { connectTokenKeyFromEnv, DEVELOPMENT_CONNECT_TOKEN_KEY } from '../../examples/connect-token-key.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('connectTokenKeyFromEnv', () => {
  it('falls back to the public development key, and says so', () => {
    expect(connectTokenKeyFromEnv({})).toEqual({ key: DEVELOPMENT_CONNECT_TOKEN_KEY, development: true });
  });

  it('reads the current key with its id, and the previous one during a rotation', () => {
    const c = connectTokenKeyFromEnv({
      CONNECT_TOKEN_KEY: B,
      CONNECT_TOKEN_KEY_ID: '2',
      CONNECT_TOKEN_KEY_PREVIOUS: `1:${A}`,
    });
    expect(c.development).toBe(false);
    expect(c.key).toEqual({ id: 2, key: Buffer.from(B, 'hex') });
    expect(c.previous).toEqual({ id: 1, key: Buffer.from(A, 'hex') });
    expect(connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: A }).key.id).toBe(1);
  });

  it('refuses malformed keys, ids and a previous key with the current id', () => {
    expect(() => connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: 'abc' })).toThrow(/64 hex/);
    expect(() => connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: A, CONNECT_TOKEN_KEY_ID: '0' })).toThrow(/ID/);
    expect(() => connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: A, CONNECT_TOKEN_KEY_PREVIOUS: A })).toThrow(
      /<id>:<64 hex/,
    );
    expect(() =>
      connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: A, CONNECT_TOKEN_KEY_PREVIOUS: `1:${B}` }),
    ).toThrow(/another id/);
  });
});
