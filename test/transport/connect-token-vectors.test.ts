/** docs/connect-token.md's vectors, decoded and re-made with the real code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  HANDSHAKE_HEADER_BYTES,
  PRIVATE_PART_BYTES,
  readPrivatePart,
  SEALED_OFFSET,
  writeHandshakeHeader,
} from '../../src/transport/connect-token/token-format.js';
import { open, seal } from '../../src/transport/connect-token/xchacha.js';
import {
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  HANDSHAKE_TOKEN_BYTES,
} from '../../src/transport/index.js';

const doc = readFileSync(new URL('../../docs/connect-token.md', import.meta.url), 'utf8');
const vectors = new Map<string, Uint8Array>();
/** The size each vector's heading states, checked against its hex below. */
const statedSizes = new Map<string, number>();
for (const m of doc.matchAll(/Vector `(\w+)` \((\d+) bytes\)\s*```hex\n([\s\S]*?)```/g)) {
  vectors.set(m[1]!, Uint8Array.from(Buffer.from(m[3]!.replace(/\s+/g, ''), 'hex')));
  statedSizes.set(m[1]!, Number(m[2]));
}
const v = (name: string) => {
  const bytes = vectors.get(name);
  if (!bytes) throw new Error(`docs/connect-token.md has no vector ${name}`);
  return bytes;
};

const CREATED = 1_780_000_000_000;
const PROTOCOL = 0x504f4e47;
const GRANT = {
  playerId: 'alice',
  matchId: 'm-42',
  roomId: 'room-7',
  serverAddress: '127.0.0.1:9000',
  userData: Uint8Array.of(1, 2, 3),
};
const padded = (plain: Uint8Array) => {
  const out = new Uint8Array(PRIVATE_PART_BYTES);
  out.set(plain);
  return out;
};

describe('docs/connect-token.md test vectors', () => {
  it('lists the key, nonce, associated data, plain, handshake and public token', () => {
    expect([...vectors.keys()].sort()).toEqual(
      ['AssociatedData', 'HandshakeToken', 'Key', 'Nonce', 'Plain', 'PublicToken'].sort(),
    );
    for (const [name, bytes] of vectors) expect(bytes.length, name).toBe(statedSizes.get(name));
  });

  it('seal(Key, Nonce, AssociatedData, Plain padded) is the handshake token, and opens back', () => {
    const header = writeHandshakeHeader({ protocolId: PROTOCOL, expiresAt: CREATED + 30_000, keyId: 1 });
    expect(header).toEqual(v('AssociatedData'));
    const sealed = seal(padded(v('Plain')), v('AssociatedData'), v('Nonce'), v('Key'));
    expect(Uint8Array.of(...v('AssociatedData'), ...v('Nonce'), ...sealed)).toEqual(v('HandshakeToken'));
    const token = v('HandshakeToken');
    expect(token.length).toBe(HANDSHAKE_TOKEN_BYTES);
    const plain = open(
      token.subarray(SEALED_OFFSET),
      token.subarray(0, HANDSHAKE_HEADER_BYTES),
      v('Nonce'),
      v('Key'),
    );
    expect(plain).toEqual(padded(v('Plain')));
    expect(readPrivatePart(plain!)).toMatchObject({ ...GRANT, timeoutMs: 10_000 });
  });

  it('the issuer makes the public token byte for byte; the client and the verifier read it', () => {
    const issuer = new ConnectTokenIssuer({
      key: { id: 1, key: v('Key') },
      protocolId: PROTOCOL,
      clock: new ManualClock(CREATED),
      random: createSeededRandom(2026),
    });
    expect(issuer.issue(GRANT)).toEqual(v('PublicToken'));

    const pub = decodeConnectToken(v('PublicToken'));
    expect(pub).toMatchObject({
      protocolId: PROTOCOL,
      createdAt: CREATED,
      expiresAt: CREATED + 30_000,
      timeoutMs: 10_000,
      serverAddress: '127.0.0.1:9000',
      handshakeToken: v('HandshakeToken'),
    });
    expect(v('PublicToken').length).toBe(991 + '127.0.0.1:9000'.length);

    const verifier = new ConnectTokenVerifier({
      keys: [{ id: 1, key: v('Key') }],
      protocolId: PROTOCOL,
      serverAddresses: ['127.0.0.1:9000'],
      clock: new ManualClock(CREATED),
    });
    expect(verifier.verify(v('HandshakeToken'))).toEqual({
      ok: true,
      token: {
        ...GRANT,
        tokenId: Buffer.from(v('Nonce')).toString('hex'),
        expiresAt: CREATED + 30_000,
        timeoutMs: 10_000,
        clientToServerKey: pub.clientToServerKey,
        serverToClientKey: pub.serverToClientKey,
      },
    });
    expect(pub.clientToServerKey).toEqual(v('Plain').subarray(4, 36));
    expect(pub.serverToClientKey).toEqual(v('Plain').subarray(36, 68));
  });

  it('documents the sizes the code uses', () => {
    expect(doc).toContain(`always ${HANDSHAKE_TOKEN_BYTES} bytes`);
    expect(doc).toContain(`(${PRIVATE_PART_BYTES} bytes before sealing)`);
    expect(HANDSHAKE_TOKEN_BYTES - SEALED_OFFSET).toBe(858);
  });
});
