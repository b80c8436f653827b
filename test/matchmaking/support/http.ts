import { expect } from 'vitest';
/** Tiny HTTP helpers for match server tests (real requests over the loopback). */
export interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

export async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const { status, body: answer } = await callAs(base, method, path, body);
  return { status, body: answer };
}

/** {@link call} with extra request headers (credentials); also returns the answer's headers. */
export async function callAs(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer & { headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'], headers: res.headers };
}

export const requestMatch = (base: string, body: unknown) => call(base, 'POST', '/match/request', body);

/** Every player answered 200, pairs are mutual, distinct and within range. */
export function checkPairs(
  players: { player_id: string; rating: number }[],
  answers: Answer[],
  maxDiff: number,
) {
  const rating = new Map(players.map((p) => [p.player_id, p.rating]));
  const byMatch = new Map<string, string[]>();
  answers.forEach((answer, i) => {
    expect(answer.status).toBe(200);
    const me = players[i]!.player_id;
    const opponent = answer.body.opponent_id as string;
    expect(opponent).not.toBe(me);
    expect(Math.abs(rating.get(me)! - rating.get(opponent)!)).toBeLessThan(maxDiff);
    const list = byMatch.get(answer.body.match_id as string) ?? [];
    list.push(me);
    byMatch.set(answer.body.match_id as string, list);
  });
  expect(byMatch.size).toBe(players.length / 2);
  for (const list of byMatch.values()) expect(list).toHaveLength(2);
}
