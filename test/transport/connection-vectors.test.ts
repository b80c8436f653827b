import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HANDSHAKE_PACKET_SIZE,
  isKeepAlive,
  readAccepted,
  readChallenge,
  readChallengeResponse,
  readConnectRequest,
  readDenied,
  readDisconnect,
  readPayload,
  writeAccepted,
  writeChallenge,
  writeChallengeResponse,
  writeConnectRequest,
  writeDenied,
  writeDisconnect,
  writeKeepAlive,
  writePayload,
} from '../../src/transport/connection-packets.js';

const doc = readFileSync(new URL('../../docs/connection.md', import.meta.url), 'utf8');
const vectors = new Map<string, Uint8Array>();
for (const m of doc.matchAll(/Vector `(\w+)`\s*```hex\n([\s\S]*?)```/g))
  vectors.set(m[1]!, Uint8Array.from(Buffer.from(m[2]!.replace(/\s+/g, ''), 'hex')));

const padded = (bytes: Uint8Array) => {
  const out = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  out.set(bytes);
  return out;
};
const NONCE = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const COOKIE = { issuedAt: 1000, mac: new Uint8Array(16).fill(0xaa) };
const PROTOCOL_ID = 0x504f4e47;
const TOKEN = new TextEncoder().encode('tok');
const v = (name: string) => {
  const bytes = vectors.get(name);
  if (!bytes) throw new Error(`docs/connection.md has no vector ${name}`);
  return bytes;
};

describe('docs/connection.md test vectors', () => {
  it('lists one vector per packet type', () => {
    expect([...vectors.keys()].sort()).toEqual(
      [
        'Accepted',
        'Challenge',
        'ChallengeResponse',
        'ConnectRequest',
        'Denied',
        'Disconnect',
        'KeepAlive',
        'Payload',
      ].sort(),
    );
  });

  it('decode with the real parsers and match the real encoders', () => {
    expect(readConnectRequest(padded(v('ConnectRequest')))).toEqual({
      protocolId: PROTOCOL_ID,
      protocolVersion: 1,
      nonce: NONCE,
    });
    expect(writeConnectRequest(PROTOCOL_ID, 1, NONCE)).toEqual(padded(v('ConnectRequest')));

    expect(readChallenge(v('Challenge'))).toEqual({ nonce: NONCE, cookie: COOKIE });
    expect(writeChallenge(NONCE, COOKIE)).toEqual(v('Challenge'));

    expect(readChallengeResponse(padded(v('ChallengeResponse')))).toEqual({
      protocolId: PROTOCOL_ID,
      protocolVersion: 1,
      nonce: NONCE,
      cookie: COOKIE,
      token: TOKEN,
    });
    expect(writeChallengeResponse(PROTOCOL_ID, 1, NONCE, COOKIE, TOKEN)).toEqual(
      padded(v('ChallengeResponse')),
    );

    expect(readAccepted(v('Accepted'))).toEqual({ nonce: NONCE, clientId: 7 });
    expect(writeAccepted(NONCE, 7)).toEqual(v('Accepted'));

    expect(readDenied(v('Denied'))).toEqual({ nonce: NONCE, reason: 1 });
    expect(writeDenied(NONCE, 1)).toEqual(v('Denied'));

    expect(readPayload(v('Payload'))).toEqual(Uint8Array.of(0x60, 0, 0, 0));
    expect(writePayload(Uint8Array.of(0x60, 0, 0, 0))).toEqual(v('Payload'));

    expect(isKeepAlive(v('KeepAlive'))).toBe(true);
    expect(writeKeepAlive()).toEqual(v('KeepAlive'));

    expect(readDisconnect(v('Disconnect'))).toEqual({ nonce: NONCE });
    expect(writeDisconnect(NONCE)).toEqual(v('Disconnect'));
  });

  it('documents the sizes the code uses', () => {
    for (const [name, size] of [
      ['Challenge', 33],
      ['Accepted', 13],
      ['Denied', 10],
      ['Disconnect', 9],
    ] as const) {
      expect(v(name).length).toBe(size);
      expect(doc).toContain(`| ${name}`);
    }
  });
});
