import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED_SIZE,
  HANDSHAKE_PACKET_SIZE,
  readAccepted,
  readChallenge,
  readChallengeResponse,
  readClientId,
  readConnectRequest,
  readDenied,
  writeAccepted,
  writeChallenge,
  writeChallengeResponse,
  writeConnectRequest,
  writeDenied,
} from '../../src/transport/connection-packets.js';
import {
  deriveSessionKey,
  openHandshake,
  PacketSeal,
  sealHandshake,
} from '../../src/transport/connection-seal.js';

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

describe('docs/connection.md test vectors (wire version 2)', () => {
  it('lists the session keys and one vector per packet type', () => {
    expect([...vectors.keys()].sort()).toEqual(
      [
        'ClientToServerSessionKey',
        'ServerToClientSessionKey',
        'Accepted',
        'Challenge',
        'ChallengeResponse',
        'ConnectRequest',
        'Denied',
        'Disconnect',
        'KeepAlive',
        'Payload',
        'PayloadNonce',
        'PayloadPlain',
      ].sort(),
    );
  });

  it('derive the session keys from the token keys, the nonce and the cookie', () => {
    expect(deriveSessionKey(new Uint8Array(32).fill(0x11), NONCE, COOKIE)).toEqual(
      v('ClientToServerSessionKey'),
    );
    expect(deriveSessionKey(new Uint8Array(32).fill(0x22), NONCE, COOKIE)).toEqual(
      v('ServerToClientSessionKey'),
    );
  });

  it('decode the handshake with the real parsers and match the real encoders', () => {
    const c2s = v('ClientToServerSessionKey');
    const s2c = v('ServerToClientSessionKey');
    expect(readConnectRequest(padded(v('ConnectRequest')))).toEqual({
      protocolId: PROTOCOL_ID,
      protocolVersion: 1,
      nonce: NONCE,
    });
    expect(writeConnectRequest(PROTOCOL_ID, 1, NONCE)).toEqual(padded(v('ConnectRequest')));

    expect(readChallenge(v('Challenge'))).toEqual({ nonce: NONCE, cookie: COOKIE });
    expect(writeChallenge(NONCE, COOKIE)).toEqual(v('Challenge'));

    const response = readChallengeResponse(padded(v('ChallengeResponse')))!;
    expect(response).toMatchObject({
      protocolId: PROTOCOL_ID,
      protocolVersion: 1,
      nonce: NONCE,
      cookie: COOKIE,
      token: TOKEN,
    });
    expect(openHandshake(c2s, response.signed, response.proof)).toEqual(new Uint8Array(0));
    expect(
      writeChallengeResponse(PROTOCOL_ID, 1, NONCE, COOKIE, TOKEN, (signed) =>
        sealHandshake(c2s, signed, new Uint8Array(0)),
      ),
    ).toEqual(padded(v('ChallengeResponse')));

    const accepted = readAccepted(v('Accepted'))!;
    expect(accepted.nonce).toEqual(NONCE);
    expect(readClientId(openHandshake(s2c, accepted.ad, accepted.sealed)!)).toBe(7);
    expect(writeAccepted(NONCE, 7, (ad, plain) => sealHandshake(s2c, ad, plain))).toEqual(v('Accepted'));

    expect(readDenied(v('Denied'))).toEqual({ nonce: NONCE, reason: 1 });
    expect(writeDenied(NONCE, 1)).toEqual(v('Denied'));
  });

  it('open the sealed packets with the client-to-server session key, and seal them again', () => {
    const c2s = v('ClientToServerSessionKey');
    expect(v('PayloadNonce')).toEqual(new Uint8Array(12)); // packet number 0
    const server = new PacketSeal({ send: new Uint8Array(32), receive: c2s }, PROTOCOL_ID, 1200, false);
    expect(server.open(v('Payload'))).toEqual(v('PayloadPlain'));
    expect(server.open(v('KeepAlive'))).toEqual(Uint8Array.of(7, 0, 0, 0)); // client id 7
    expect(server.open(v('Disconnect'))).toEqual(new Uint8Array(0));
    expect(server.open(v('Payload'))).toBe('replayed');
    const client = new PacketSeal({ send: c2s, receive: new Uint8Array(32) }, PROTOCOL_ID, 1200, false);
    expect(client.seal(0x25, v('PayloadPlain'))).toEqual(v('Payload'));
    expect(client.seal(0x26, Uint8Array.of(7, 0, 0, 0))).toEqual(v('KeepAlive'));
    expect(client.seal(0x27, new Uint8Array(0))).toEqual(v('Disconnect'));
  });

  it('documents the sizes the code uses', () => {
    for (const [name, size] of [
      ['Challenge', 33],
      ['Accepted', ACCEPTED_SIZE],
      ['Denied', 10],
      ['KeepAlive', 29],
      ['Disconnect', 25],
    ] as const) {
      expect(v(name).length).toBe(size);
      expect(doc).toContain(`| ${name}`);
    }
    expect(ACCEPTED_SIZE).toBe(29);
  });
});
