/**
 * A UDP relay that keeps a copy of every datagram its client sends: an eavesdropper on the path
 * between a player and the game server, for tests of what a sniffed packet is worth.
 */
import dgram from 'node:dgram';
import type { PeerAddress } from '../../src/transport/index.js';

export interface UdpSniffer {
  /** Where the player sends instead of the server. */
  readonly address: PeerAddress;
  /** Every datagram the player sent, in order (copies). */
  readonly upstream: Uint8Array[];
  close(): Promise<void>;
}

export async function startUdpSniffer(target: PeerAddress): Promise<UdpSniffer> {
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  const upstream: Uint8Array[] = [];
  let player: PeerAddress | undefined;
  front.on('message', (msg, from) => {
    player = { address: from.address, port: from.port };
    upstream.push(new Uint8Array(msg));
    back.send(msg, target.port, target.address);
  });
  back.on('message', (msg) => {
    if (player !== undefined) front.send(msg, player.port, player.address);
  });
  const bind = (socket: dgram.Socket) =>
    new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  await Promise.all([bind(front), bind(back)]);
  return {
    address: { address: '127.0.0.1', port: front.address().port },
    upstream,
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => front.close(() => resolve())),
        new Promise<void>((resolve) => back.close(() => resolve())),
      ]);
    },
  };
}
