/**
 * 16-bit sequence arithmetic with wrap-around (as in reliable.c): `a` is newer than `b` when it
 * is ahead by less than half the sequence space.
 * @internal
 */
export function sequenceGreaterThan(a: number, b: number): boolean {
  return (a > b && a - b <= 32768) || (a < b && b - a > 32768);
}

/** @internal `a` is older than `b` (16-bit, wrapping). */
export function sequenceLessThan(a: number, b: number): boolean {
  return sequenceGreaterThan(b, a);
}

/** @internal `(a + n) mod 65536`. */
export function sequenceAdd(a: number, n: number): number {
  return (a + n) & 0xffff;
}
