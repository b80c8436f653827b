/**
 * `npm run match-token -- <player_id> [rating]`: prints a bearer token for the example match
 * server, signed with `MATCH_JWT_SECRET`, valid for an hour (what an account service would hand a
 * logged-in player). Then:
 *
 *   curl -H "Authorization: Bearer $(npm run -s match-token -- p123)" ...
 */
import { signMatchToken } from './bearer-auth.js';

const [playerId, rating] = process.argv.slice(2);
const secret = process.env.MATCH_JWT_SECRET;
if (playerId === undefined || secret === undefined || secret === '') {
  console.error('usage: MATCH_JWT_SECRET=... npm run match-token -- <player_id> [rating]');
  process.exit(2);
}
const options = rating === undefined ? {} : { rating: Number(rating) };
console.log(await signMatchToken(new TextEncoder().encode(secret), playerId, options));
