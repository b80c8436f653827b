/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["pong-netcode-snapshot"] || ($protobuf.roots["pong-netcode-snapshot"] = {});

export const pong = $root.pong = (() => {

    /**
     * Namespace pong.
     * @exports pong
     * @namespace
     */
    const pong = {};

    pong.netcode = (function() {

        /**
         * Namespace netcode.
         * @memberof pong
         * @namespace
         */
        const netcode = {};

        netcode.snapshot = (function() {

            /**
             * Namespace snapshot.
             * @memberof pong.netcode
             * @namespace
             */
            const snapshot = {};

            snapshot.SnapshotPacket = (function() {

                /**
                 * Properties of a SnapshotPacket.
                 * @typedef {Object} pong.netcode.snapshot.SnapshotPacket.$Properties
                 * @property {number|null} [tick] SnapshotPacket tick
                 * @property {number|null} [schemaHash] SnapshotPacket schemaHash
                 * @property {Uint8Array|null} [payload] SnapshotPacket payload
                 * @property {Uint8Array|null} [delta] SnapshotPacket delta
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a SnapshotPacket.
                 * @memberof pong.netcode.snapshot
                 * @interface ISnapshotPacket
                 * @augments pong.netcode.snapshot.SnapshotPacket.$Properties
                 * @deprecated Use pong.netcode.snapshot.SnapshotPacket.$Properties instead.
                 */

                /**
                 * Shape of a SnapshotPacket.
                 * @typedef {pong.netcode.snapshot.SnapshotPacket.$Properties} pong.netcode.snapshot.SnapshotPacket.$Shape
                 */

                /**
                 * Constructs a new SnapshotPacket.
                 * @memberof pong.netcode.snapshot
                 * @classdesc Represents a SnapshotPacket.
                 * @constructor
                 * @param {pong.netcode.snapshot.SnapshotPacket.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const SnapshotPacket = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * SnapshotPacket tick.
                 * @member {number} tick
                 * @memberof pong.netcode.snapshot.SnapshotPacket
                 * @instance
                 */
                SnapshotPacket.prototype.tick = 0;

                /**
                 * SnapshotPacket schemaHash.
                 * @member {number} schemaHash
                 * @memberof pong.netcode.snapshot.SnapshotPacket
                 * @instance
                 */
                SnapshotPacket.prototype.schemaHash = 0;

                /**
                 * SnapshotPacket payload.
                 * @member {Uint8Array} payload
                 * @memberof pong.netcode.snapshot.SnapshotPacket
                 * @instance
                 */
                SnapshotPacket.prototype.payload = $util.newBuffer([]);

                /**
                 * SnapshotPacket delta.
                 * @member {Uint8Array} delta
                 * @memberof pong.netcode.snapshot.SnapshotPacket
                 * @instance
                 */
                SnapshotPacket.prototype.delta = $util.newBuffer([]);

                /**
                 * Encodes the specified SnapshotPacket message. Does not implicitly {@link pong.netcode.snapshot.SnapshotPacket.verify|verify} messages.
                 * @function encode
                 * @memberof pong.netcode.snapshot.SnapshotPacket
                 * @static
                 * @param {pong.netcode.snapshot.SnapshotPacket.$Properties} message SnapshotPacket message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                SnapshotPacket.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.tick != null && $Object.hasOwnProperty.call(message, "tick") && message.tick !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.tick);
                    if (message.schemaHash != null && $Object.hasOwnProperty.call(message, "schemaHash") && message.schemaHash !== 0)
                        writer.uint32(/* id 3, wireType 5 =*/29).fixed32(message.schemaHash);
                    if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                        writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.payload);
                    if (message.delta != null && $Object.hasOwnProperty.call(message, "delta") && message.delta.length)
                        writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.delta);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a SnapshotPacket message from the specified reader or buffer.
                 * @function decode
                 * @memberof pong.netcode.snapshot.SnapshotPacket
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {pong.netcode.snapshot.SnapshotPacket & pong.netcode.snapshot.SnapshotPacket.$Shape} SnapshotPacket
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                SnapshotPacket.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.pong.netcode.snapshot.SnapshotPacket();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.tick = value;
                                else
                                    delete message.tick;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 5)
                                    break;
                                if (value = reader.fixed32())
                                    message.schemaHash = value;
                                else
                                    delete message.schemaHash;
                                continue;
                            }
                        case 4: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.bytes()).length)
                                    message.payload = value;
                                else
                                    delete message.payload;
                                continue;
                            }
                        case 5: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.bytes()).length)
                                    message.delta = value;
                                else
                                    delete message.delta;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return SnapshotPacket;
            })();

            snapshot.SnapshotAck = (function() {

                /**
                 * Properties of a SnapshotAck.
                 * @typedef {Object} pong.netcode.snapshot.SnapshotAck.$Properties
                 * @property {number|null} [tick] SnapshotAck tick
                 * @property {number|null} [schemaHash] SnapshotAck schemaHash
                 * @property {boolean|null} [requestFull] SnapshotAck requestFull
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a SnapshotAck.
                 * @memberof pong.netcode.snapshot
                 * @interface ISnapshotAck
                 * @augments pong.netcode.snapshot.SnapshotAck.$Properties
                 * @deprecated Use pong.netcode.snapshot.SnapshotAck.$Properties instead.
                 */

                /**
                 * Shape of a SnapshotAck.
                 * @typedef {pong.netcode.snapshot.SnapshotAck.$Properties} pong.netcode.snapshot.SnapshotAck.$Shape
                 */

                /**
                 * Constructs a new SnapshotAck.
                 * @memberof pong.netcode.snapshot
                 * @classdesc Represents a SnapshotAck.
                 * @constructor
                 * @param {pong.netcode.snapshot.SnapshotAck.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const SnapshotAck = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * SnapshotAck tick.
                 * @member {number} tick
                 * @memberof pong.netcode.snapshot.SnapshotAck
                 * @instance
                 */
                SnapshotAck.prototype.tick = 0;

                /**
                 * SnapshotAck schemaHash.
                 * @member {number} schemaHash
                 * @memberof pong.netcode.snapshot.SnapshotAck
                 * @instance
                 */
                SnapshotAck.prototype.schemaHash = 0;

                /**
                 * SnapshotAck requestFull.
                 * @member {boolean} requestFull
                 * @memberof pong.netcode.snapshot.SnapshotAck
                 * @instance
                 */
                SnapshotAck.prototype.requestFull = false;

                /**
                 * Encodes the specified SnapshotAck message. Does not implicitly {@link pong.netcode.snapshot.SnapshotAck.verify|verify} messages.
                 * @function encode
                 * @memberof pong.netcode.snapshot.SnapshotAck
                 * @static
                 * @param {pong.netcode.snapshot.SnapshotAck.$Properties} message SnapshotAck message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                SnapshotAck.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.tick != null && $Object.hasOwnProperty.call(message, "tick") && message.tick !== 0)
                        writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.tick);
                    if (message.schemaHash != null && $Object.hasOwnProperty.call(message, "schemaHash") && message.schemaHash !== 0)
                        writer.uint32(/* id 2, wireType 5 =*/21).fixed32(message.schemaHash);
                    if (message.requestFull != null && $Object.hasOwnProperty.call(message, "requestFull") && message.requestFull !== false)
                        writer.uint32(/* id 3, wireType 0 =*/24).bool(message.requestFull);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a SnapshotAck message from the specified reader or buffer.
                 * @function decode
                 * @memberof pong.netcode.snapshot.SnapshotAck
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {pong.netcode.snapshot.SnapshotAck & pong.netcode.snapshot.SnapshotAck.$Shape} SnapshotAck
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                SnapshotAck.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.pong.netcode.snapshot.SnapshotAck();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.uint32())
                                    message.tick = value;
                                else
                                    delete message.tick;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 5)
                                    break;
                                if (value = reader.fixed32())
                                    message.schemaHash = value;
                                else
                                    delete message.schemaHash;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 0)
                                    break;
                                if (value = reader.bool())
                                    message.requestFull = value;
                                else
                                    delete message.requestFull;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                return SnapshotAck;
            })();

            return snapshot;
        })();

        return netcode;
    })();

    return pong;
})();

export {
  $root as default
};
