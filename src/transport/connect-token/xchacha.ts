import sodium from 'sodium-native';

/** XChaCha20-Poly1305-IETF nonce bytes. @internal */
export const XCHACHA_NONCE_BYTES = 24;
/** Poly1305 tag bytes appended to the ciphertext. @internal */
export const AEAD_TAG_BYTES = 16;

/**
 * sodium-native takes any typed array (it checks `ArrayBuffer.isView`); its types say `Buffer`.
 * Passing the views as they are saves wrapping each in a Buffer.
 */
const asBuffer = (bytes: Uint8Array): Buffer => bytes as Buffer;

/**
 * Seals `plain` with XChaCha20-Poly1305-IETF (libsodium via sodium-native): ciphertext plus a
 * 16-byte tag. `ad` is authenticated, not encrypted.
 *
 * @internal
 */
export function seal(plain: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length + AEAD_TAG_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    asBuffer(out),
    asBuffer(plain),
    asBuffer(ad),
    null,
    asBuffer(nonce),
    asBuffer(key),
  );
  return out;
}

/**
 * Opens what {@link seal} made; `undefined` when the tag does not verify (wrong key, nonce or
 * associated data, or any flipped bit) or the input is shorter than a tag. Never throws.
 *
 * @internal
 */
export function open(
  sealed: Uint8Array,
  ad: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
): Uint8Array | undefined {
  if (sealed.length < AEAD_TAG_BYTES || nonce.length !== XCHACHA_NONCE_BYTES) return undefined;
  const out = new Uint8Array(sealed.length - AEAD_TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      asBuffer(out),
      null,
      asBuffer(sealed),
      asBuffer(ad),
      asBuffer(nonce),
      asBuffer(key),
    );
  } catch {
    return undefined;
  }
  return out;
}
