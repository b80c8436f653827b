import { markError } from '../core/errors.js';
import { NetcodeError } from '../core/index.js';
import type { MessageKind } from './channel-counters.js';

/**
 * A message cannot be sent because it is too large: an unreliable or sequenced message that does
 * not fit in one packet, or a reliable message over `maxMessageSize` (the fragment limit).
 * Code `ERR_MESSAGE_TOO_LARGE`.
 */
export class MessageTooLargeError extends NetcodeError {
  static {
    markError(MessageTooLargeError, 'MessageTooLargeError');
  }

  /** The message's size in bytes. */
  readonly size: number;
  /** The limit it exceeded for its kind, in bytes. */
  readonly limit: number;
  /** The kind it was sent as. */
  readonly kind: MessageKind;

  /**
   * @param kind - the message kind.
   * @param size - the message's size in bytes.
   * @param limit - the limit for that kind in bytes.
   */
  constructor(kind: MessageKind, size: number, limit: number) {
    super('ERR_MESSAGE_TOO_LARGE', `${kind} message of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.kind = kind;
    this.size = size;
    this.limit = limit;
  }
}

/**
 * The channel's send queue for this kind of message is full; the caller should send less or
 * later. Code `ERR_SEND_QUEUE_FULL`.
 */
export class SendQueueFullError extends NetcodeError {
  static {
    markError(SendQueueFullError, 'SendQueueFullError');
  }

  /** The kind that was refused. */
  readonly kind: MessageKind;
  /** The queue's capacity in messages. */
  readonly capacity: number;

  /**
   * @param kind - the message kind.
   * @param capacity - the queue's capacity in messages.
   */
  constructor(kind: MessageKind, capacity: number) {
    super('ERR_SEND_QUEUE_FULL', `send queue for ${kind} messages is full (${capacity} messages)`);
    this.kind = kind;
    this.capacity = capacity;
  }
}
