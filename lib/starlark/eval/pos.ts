/**
 * Packed positions: a line and column as one number, so that a frame can record where it is
 * with a single store on the hot path, and errors unpack it only when they are reported.
 */

/** packPos encodes a position as one number (line × 2^20 + column). */
export function packPos(n: { line: number; col: number }): number {
  return n.line * 1048576 + n.col;
}

/** unpackPos is the inverse of packPos. */
export function unpackPos(p: number): { line: number; col: number } {
  return { line: Math.floor(p / 1048576), col: p % 1048576 };
}
