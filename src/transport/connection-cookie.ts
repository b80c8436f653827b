import { createHmac, timingSafeEqual } from 'node:crypto';
import { COOKIE_MAC_BYTES, type Cookie } from './connection-packets.js';
import { addressKey, type PeerAddress } from './datagram-transport.js';

/**
 * Stateless handshake cookies (as DTLS HelloVerifyRequest and netcode.io challenge tokens): the
 * MAC is HMAC-SHA256 under a server secret over the protocol id, the client's address and port,
 * the client nonce and the issue time. The server keeps nothing per cookie; an echoed cookie proves
 * the client receives packets at the address it claims, within `lifetimeMs`.
 *
 * @internal
 */
export class CookieJar {
  private readonly secret: Uint8Array;
  private readonly protocolId: number;
  private readonly lifetimeMs: number;

  constructor(secret: Uint8Array, protocolId: number, lifetimeMs: number) {
    this.secret = secret;
    this.protocolId = protocolId;
    this.lifetimeMs = lifetimeMs;
  }

  /** A cookie for `from` and `nonce` issued at `now`. */
  issue(from: PeerAddress, nonce: Uint8Array, now: number): Cookie {
    return { issuedAt: now, mac: this.mac(from, nonce, now) };
  }

  /** True when `cookie` was issued by this jar for `from` and `nonce` and has not expired. */
  verify(cookie: Cookie, from: PeerAddress, nonce: Uint8Array, now: number): boolean {
    if (!(cookie.issuedAt <= now && now - cookie.issuedAt <= this.lifetimeMs)) return false;
    if (cookie.mac.length !== COOKIE_MAC_BYTES) return false;
    return timingSafeEqual(this.mac(from, nonce, cookie.issuedAt), cookie.mac);
  }

  private mac(from: PeerAddress, nonce: Uint8Array, issuedAt: number): Uint8Array {
    const fixed = new Uint8Array(12);
    const v = new DataView(fixed.buffer);
    v.setUint32(0, this.protocolId);
    v.setFloat64(4, issuedAt);
    return createHmac('sha256', this.secret)
      .update(fixed)
      .update(nonce)
      .update(addressKey(from))
      .digest()
      .subarray(0, COOKIE_MAC_BYTES);
  }
}
