import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace pong. */
export namespace pong {

    /** Namespace netcode. */
    namespace netcode {

        /** Namespace snapshot. */
        namespace snapshot {

            /**
             * Properties of a SnapshotPacket.
             * @deprecated Use pong.netcode.snapshot.SnapshotPacket.$Properties instead.
             */
            interface ISnapshotPacket extends pong.netcode.snapshot.SnapshotPacket.$Properties {
            }

            /** Represents a SnapshotPacket. */
            class SnapshotPacket {

                /**
                 * Constructs a new SnapshotPacket.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: pong.netcode.snapshot.SnapshotPacket.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** SnapshotPacket tick. */
                tick: number;

                /** SnapshotPacket schemaHash. */
                schemaHash: number;

                /** SnapshotPacket payload. */
                payload: Uint8Array;

                /** SnapshotPacket delta. */
                delta: Uint8Array;

                /**
                 * Encodes the specified SnapshotPacket message. Does not implicitly {@link pong.netcode.snapshot.SnapshotPacket.verify|verify} messages.
                 * @param message SnapshotPacket message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: pong.netcode.snapshot.SnapshotPacket.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a SnapshotPacket message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {pong.netcode.snapshot.SnapshotPacket & pong.netcode.snapshot.SnapshotPacket.$Shape} SnapshotPacket
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): pong.netcode.snapshot.SnapshotPacket & pong.netcode.snapshot.SnapshotPacket.$Shape;
            }

            namespace SnapshotPacket {

                /** Properties of a SnapshotPacket. */
                interface $Properties {

                    /** SnapshotPacket tick */
                    tick?: (number|null);

                    /** SnapshotPacket schemaHash */
                    schemaHash?: (number|null);

                    /** SnapshotPacket payload */
                    payload?: (Uint8Array|null);

                    /** SnapshotPacket delta */
                    delta?: (Uint8Array|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a SnapshotPacket. */
                type $Shape = pong.netcode.snapshot.SnapshotPacket.$Properties;
            }

            /**
             * Properties of a SnapshotAck.
             * @deprecated Use pong.netcode.snapshot.SnapshotAck.$Properties instead.
             */
            interface ISnapshotAck extends pong.netcode.snapshot.SnapshotAck.$Properties {
            }

            /** Represents a SnapshotAck. */
            class SnapshotAck {

                /**
                 * Constructs a new SnapshotAck.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: pong.netcode.snapshot.SnapshotAck.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** SnapshotAck tick. */
                tick: number;

                /** SnapshotAck schemaHash. */
                schemaHash: number;

                /** SnapshotAck requestFull. */
                requestFull: boolean;

                /**
                 * Encodes the specified SnapshotAck message. Does not implicitly {@link pong.netcode.snapshot.SnapshotAck.verify|verify} messages.
                 * @param message SnapshotAck message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: pong.netcode.snapshot.SnapshotAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a SnapshotAck message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {pong.netcode.snapshot.SnapshotAck & pong.netcode.snapshot.SnapshotAck.$Shape} SnapshotAck
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): pong.netcode.snapshot.SnapshotAck & pong.netcode.snapshot.SnapshotAck.$Shape;
            }

            namespace SnapshotAck {

                /** Properties of a SnapshotAck. */
                interface $Properties {

                    /** SnapshotAck tick */
                    tick?: (number|null);

                    /** SnapshotAck schemaHash */
                    schemaHash?: (number|null);

                    /** SnapshotAck requestFull */
                    requestFull?: (boolean|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a SnapshotAck. */
                type $Shape = pong.netcode.snapshot.SnapshotAck.$Properties;
            }
        }
    }
}
