export {
  type ConnectTokenGrant,
  ConnectTokenIssuer,
  type ConnectTokenIssuerOptions,
} from './connect-token-issuer.js';
export {
  CONNECT_TOKEN_KEY_BYTES,
  type ConnectTokenKey,
} from './connect-token-key.js';
export {
  CONNECT_TOKEN_REFUSALS,
  type ConnectTokenCheck,
  type ConnectTokenRefusal,
  ConnectTokenVerifier,
  type ConnectTokenVerifierOptions,
  type VerifiedConnectToken,
} from './connect-token-verifier.js';
export { InvalidConnectTokenError } from './errors.js';
export { decodeConnectToken, type PublicConnectToken } from './public-connect-token.js';
export { HANDSHAKE_TOKEN_BYTES } from './token-format.js';
