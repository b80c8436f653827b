import type { IncomingMessage, ServerResponse } from 'node:http';
import { MatchError, RateLimitedError } from './errors.js';

/** Player ids and regions: 1-32 characters of `A-Z a-z 0-9 . _ : -`. */
const ID = /^[A-Za-z0-9._:-]{1,32}$/;
/** Ratings are `int` in PostgreSQL; we accept a sane range of integers. */
const MAX_RATING = 1_000_000;

/** @internal Reads the body, failing with ERR_MATCH_BODY_TOO_LARGE past `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new MatchError('ERR_MATCH_BODY_TOO_LARGE', `body is over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new MatchError('ERR_MATCH_BODY_TOO_LARGE', `body is over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const invalid = (message: string) => new MatchError('ERR_MATCH_INVALID_REQUEST', message);

/** @internal Checks a player id from a body or a path. */
export function parsePlayerId(value: unknown, field = 'player_id'): string {
  if (typeof value !== 'string') throw invalid(`"${field}" must be a string`);
  if (!ID.test(value)) throw invalid(`"${field}" must be 1-32 characters of A-Z a-z 0-9 . _ : -`);
  return value;
}

/** @internal A `POST /match/request` body: every field checked, the optional ones may be absent. */
export interface MatchRequestBody {
  readonly playerId: string | undefined;
  readonly rating: number | undefined;
  readonly region: string | null;
}

/** @internal Parses a request body that must be one JSON object, or throws `ERR_MATCH_INVALID_REQUEST`. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalid('body must be a JSON object');
  return json as Record<string, unknown>;
}

/** @internal Parses and validates a `POST /match/request` body. */
export function parseMatchRequest(body: Buffer): MatchRequestBody {
  const fields = parseJsonObject(body);
  const playerId = fields.player_id === undefined ? undefined : parsePlayerId(fields.player_id);
  const rating = fields.rating;
  if (
    rating !== undefined &&
    (typeof rating !== 'number' || !Number.isInteger(rating) || Math.abs(rating) > MAX_RATING)
  ) {
    throw invalid(`"rating" must be an integer between -${MAX_RATING} and ${MAX_RATING}`);
  }
  const region = fields.region ?? null;
  if (region !== null) parsePlayerId(region, 'region');
  return { playerId, rating, region: region as string | null };
}

/** @internal Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** @internal Sends `{error: {code, message}}` with the error's status. */
export function sendError(res: ServerResponse, error: MatchError, extra: Record<string, unknown> = {}): void {
  if (error instanceof RateLimitedError && !res.headersSent)
    res.setHeader('retry-after', error.retryAfterSeconds);
  sendJson(res, error.status, { error: { code: error.code, message: error.message }, ...extra });
}
