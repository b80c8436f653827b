import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createCryptoRandom, epochClock } from '@pong/netcode';
import { MetricsCollector } from '@pong/netcode/metrics';
import {
  ConnectionClient,
  ConnectionServer,
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  UdpTransport,
} from '@pong/netcode/transport';

const PROTOCOL_ID = 0x47414d45; // your game's id: clients of other games are refused
const metrics = new MetricsCollector(); // prom-client registry: serve it with MetricsServer
// Connect tokens: the match side issues them, game servers verify them; both hold this key.
const key = { id: 1, key: randomBytes(32) };

// Server: only clients with a valid token connect; every packet is sealed with the token's keys.
const serverSocket = await UdpTransport.bind({
  host: '127.0.0.1',
  port: 0,
  observer: metrics.transportObserver,
});
const serverAddress = `127.0.0.1:${serverSocket.localAddress.port}`;
const server = new ConnectionServer({
  transport: serverSocket,
  protocolId: PROTOCOL_ID,
  connectTokens: new ConnectTokenVerifier({
    keys: [key],
    protocolId: PROTOCOL_ID,
    serverAddresses: [serverAddress],
    clock: epochClock,
  }),
  observer: metrics.transportObserver,
  channelObserver: metrics.channelObserver,
});
server.on('connect', (connection) => {
  // connection.token.playerId says whose seat this is.
  connection.on('message', (payload, kind) => connection.send(payload, kind));
});
server.start();

// Match side: a token for one player (send it to the client over HTTPS, e.g. base64).
const issuer = new ConnectTokenIssuer({
  key,
  protocolId: PROTOCOL_ID,
  clock: epochClock,
  random: createCryptoRandom(),
});
const tokenBytes = issuer.issue({ playerId: 'p1', matchId: 'm1', roomId: 'r1', serverAddress });

// Client: handshake, then reliable-ordered, unreliable-sequenced or unreliable messages.
const clientSocket = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
const client = new ConnectionClient({
  transport: clientSocket,
  token: decodeConnectToken(tokenBytes),
  random: createCryptoRandom(),
});
client.start();
const connection = await client.connect();
connection.send(new TextEncoder().encode('hello'), 'reliable');
const [reply] = await once(connection, 'message');
console.log(new TextDecoder().decode(reply)); // hello

client.close();
server.close();
await Promise.all([clientSocket.close(), serverSocket.close()]);
