import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import {
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  NetcodeError,
  silentLogger,
} from '../core/index.js';

/** A Node.js HTTP request handler, as `http.createServer` and most frameworks take. */
export type MetricsRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * A handler that answers any request with `registry`'s metrics in the Prometheus text format (the
 * registry's content type), whatever the path: mount it where you want it, e.g.
 * `if (req.url === '/metrics') return handler(req, res)`, or `app.get('/metrics', handler)`.
 * `GET` and `HEAD` only (else 405); a failing collect answers 500 and never throws.
 */
export function createMetricsHandler(
  registry: Registry,
  logger: Logger = silentLogger,
): MetricsRequestHandler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    let body: string;
    try {
      body = await registry.metrics();
    } catch (err) {
      logger.error({ err }, 'collecting metrics failed');
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('collecting metrics failed\n');
      return;
    }
    res.writeHead(200, {
      'content-type': registry.contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** Where a {@link MetricsServer} listens. */
export interface MetricsServerAddress {
  /** The bound interface, e.g. `127.0.0.1`. */
  readonly address: string;
  /** The bound TCP port (the real one when port 0 was asked for). */
  readonly port: number;
}

/** Options of {@link MetricsServer}. */
export interface MetricsServerOptions {
  /** The registry to serve, e.g. `collector.registry`. */
  registry: Registry;
  /** Interface to listen on (default `'0.0.0.0'`). */
  host?: string;
  /** TCP port (default 9090; 0 picks a free one, see {@link MetricsServer.address}). */
  port?: number;
  /** Logger for collect failures and server errors after start (default silent). */
  logger?: Logger;
}

/**
 * A small HTTP server for Prometheus to scrape: `GET /metrics` (the registry, Prometheus text
 * format) and `GET /healthz` (`ok`); anything else is 404.
 */
export class MetricsServer {
  private readonly host: string;
  private readonly port: number;
  private readonly server: Server;
  private readonly logger: Logger;
  private state: 'new' | 'listening' | 'closed' = 'new';

  /** @param options - registry, host, port, logger. */
  constructor(options: MetricsServerOptions) {
    if (typeof options?.registry?.metrics !== 'function') {
      throw new InvalidOptionError('registry', 'must be a prom-client Registry');
    }
    const host = options.host ?? '0.0.0.0';
    if (typeof host !== 'string' || host === '')
      throw new InvalidOptionError('host', 'must be a non-empty string');
    const port = options.port ?? 9090;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidOptionError('port', 'must be an integer in [0, 65535]');
    }
    this.host = host;
    this.port = port;
    this.logger = options.logger ?? silentLogger;
    const metrics = createMetricsHandler(options.registry, this.logger);
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path === '/metrics') {
        void metrics(req, res);
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
      }
    });
  }

  /**
   * Starts listening. Rejects with a `NetcodeError` (`ERR_METRICS_LISTEN`) when the port cannot be
   * bound, with the socket error as `cause`.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new InvalidStateError(`MetricsServer cannot start when ${this.state}`);
    this.state = 'listening';
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        this.state = 'closed';
        reject(
          new NetcodeError('ERR_METRICS_LISTEN', `cannot listen on ${this.host}:${this.port}`, {
            cause: err,
          }),
        );
      };
      this.server.once('error', onError);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', onError);
        // For good: a later server error (EMFILE on accept) without a listener would crash the process.
        this.server.on('error', (err) => this.logger.error({ err }, 'metrics server error'));
        resolve();
      });
    });
  }

  /** The bound address (after {@link MetricsServer.start}); `port` is the real one when 0 was asked. */
  get address(): MetricsServerAddress {
    const info = this.server.address() as AddressInfo | null;
    if (info === null) throw new InvalidStateError('MetricsServer is not listening');
    return { address: info.address, port: info.port };
  }

  /** Stops listening and closes open connections. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasListening = this.state === 'listening';
    this.state = 'closed';
    if (!wasListening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
