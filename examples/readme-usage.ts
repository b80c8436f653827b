import { once } from 'node:events';
import { createCryptoRandom } from '@pong/netcode';
import { MetricsCollector } from '@pong/netcode/metrics';
import { ConnectionClient, ConnectionServer, UdpTransport } from '@pong/netcode/transport';

const PROTOCOL_ID = 0x47414d45; // your game's id: clients of other games are refused
const metrics = new MetricsCollector(); // prom-client registry: serve it with MetricsServer

// Server: every client gets a connection with a reliable channel; here it echoes.
const serverSocket = await UdpTransport.bind({
  host: '127.0.0.1',
  port: 0,
  observer: metrics.transportObserver,
});
const server = new ConnectionServer({
  transport: serverSocket,
  protocolId: PROTOCOL_ID,
  observer: metrics.transportObserver,
  channelObserver: metrics.channelObserver,
});
server.on('connect', (connection) => {
  connection.on('message', (payload, kind) => connection.send(payload, kind));
});
server.start();

// Client: handshake, then reliable-ordered, unreliable-sequenced or unreliable messages.
const clientSocket = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
const client = new ConnectionClient({
  transport: clientSocket,
  server: serverSocket.localAddress,
  protocolId: PROTOCOL_ID,
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
