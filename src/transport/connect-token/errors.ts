import { markError } from '../../core/errors.js';
import { NetcodeError } from '../../core/index.js';

/**
 * A public connect token could not be decoded (code `ERR_CONNECT_TOKEN_INVALID`): truncated,
 * trailing bytes, an unknown version or a field out of range. Thrown by `decodeConnectToken` on the
 * client, which received the bytes from its match service.
 */
export class InvalidConnectTokenError extends NetcodeError {
  static {
    markError(InvalidConnectTokenError, 'InvalidConnectTokenError');
  }

  /** @param message - what is wrong with the bytes. */
  constructor(message: string) {
    super('ERR_CONNECT_TOKEN_INVALID', `invalid connect token: ${message}`);
  }
}
