/**
 * countSubstring: the number of non-overlapping occurrences of a byte string in another, for
 * str.count. A loop of indexOf calls pays one engine call per match, which on a long text with
 * many matches is several times slower than starlark-go's vectorised strings.Count. So long
 * texts are counted by a small WebAssembly routine using 128-bit SIMD: it compares sixteen
 * candidate positions at once on the needle's first and last byte and checks the whole needle
 * only where both match (the usual SIMD substring filter), taking matches left to right and
 * skipping overlapping ones exactly as the indexOf loop does. The module is assembled here from
 * the instruction listing below (no binary is committed); where WebAssembly SIMD is missing,
 * or for short texts and long needles, the indexOf loop counts.
 */

/** Texts shorter than this are counted with indexOf (copying them would cost more). */
const MIN_WASM_TEXT = 4096;
/** Needles up to this length are kept in the module's memory before the text. */
const MAX_WASM_NEEDLE = 64;
const TEXT_AT = MAX_WASM_NEEDLE;

/** countByIndexOf counts non-overlapping occurrences of a non-empty needle with indexOf. */
export function countByIndexOf(hay: string, needle: string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** countSubstring counts non-overlapping occurrences of a non-empty needle (both byte strings). */
export function countSubstring(hay: string, needle: string): number {
  const m = needle.length;
  const n = hay.length;
  if (n < MIN_WASM_TEXT || m > MAX_WASM_NEEDLE || m > n) return countByIndexOf(hay, needle);
  const k = kernel();
  if (k === null) return countByIndexOf(hay, needle);
  const need = TEXT_AT + n;
  if (k.memory.buffer.byteLength < need) {
    k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  }
  const bytes = Buffer.from(k.memory.buffer);
  bytes.write(needle, 0, m, 'latin1');
  bytes.write(hay, TEXT_AT, n, 'latin1');
  return k.count(n, m);
}

/** simdAvailable says whether long texts are counted by the WebAssembly routine on this engine. */
export function simdAvailable(): boolean {
  return kernel() !== null;
}

interface Kernel {
  memory: WebAssembly.Memory;
  count: (textLength: number, needleLength: number) => number;
}

let compiled: Kernel | null | undefined;

function kernel(): Kernel | null {
  if (compiled !== undefined) return compiled;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble()));
    compiled = {
      memory: instance.exports['mem'] as WebAssembly.Memory,
      count: instance.exports['count'] as Kernel['count'],
    };
  } catch {
    compiled = null;
  }
  return compiled;
}

// ---------------------------------------------------------------- the WebAssembly module

const I32 = 0x7f;
const V128 = 0x7b;
const EMPTY = 0x40;
const op = {
  block: [0x02, EMPTY], loop: [0x03, EMPTY], if: [0x04, EMPTY], end: [0x0b], return: [0x0f],
  br: (depth: number) => [0x0c, depth], brIf: (depth: number) => [0x0d, depth],
  call: (f: number) => [0x10, f],
  get: (l: number) => [0x20, l], set: (l: number) => [0x21, l],
  const: (v: number) => [0x41, ...sleb(v)],
  load8: (offset: number) => [0x2d, 0, ...uleb(offset)],
  eqz: [0x45], eq: [0x46], ne: [0x47], gtU: [0x4b], geU: [0x4f],
  ctz: [0x68], popcnt: [0x69], add: [0x6a], sub: [0x6b], and: [0x71],
  v128Load: (offset: number) => [0xfd, 0x00, 0, ...uleb(offset)],
  splat8: [0xfd, 0x0f], eq8: [0xfd, 0x23], v128And: [0xfd, 0x4e], bitmask8: [0xfd, 0x64],
};

/**
 * verify(pos, m) → 1 when the m needle bytes at 0 equal the text bytes at TEXT_AT + pos.
 * Locals: 0 pos, 1 m, 2 j.
 */
function verifyBody(): number[] {
  return [
    ...op.block, ...op.loop,
    ...op.get(2), ...op.get(1), ...op.geU, ...op.if, ...op.const(1), ...op.return, ...op.end,
    ...op.get(0), ...op.get(2), ...op.add, ...op.load8(TEXT_AT),
    ...op.get(2), ...op.load8(0),
    ...op.ne, ...op.brIf(1),
    ...op.get(2), ...op.const(1), ...op.add, ...op.set(2),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.const(0),
  ];
}

/**
 * count(n, m) → non-overlapping occurrences of the needle (m bytes at 0) in the text (n bytes
 * at TEXT_AT). Locals: 0 n, 1 m, 2 i, 3 next (first start not overlapping the last match),
 * 4 count, 5 mask (candidate starts left in this step), 6 pos, 7 first-byte splat, 8 last-byte splat.
 */
function countBody(): number[] {
  const onMatchAt = (pos: number) => [
    ...op.get(pos), ...op.get(3), ...op.geU, ...op.if,
    ...op.get(pos), ...op.get(1), ...op.call(0), ...op.if,
    ...op.get(4), ...op.const(1), ...op.add, ...op.set(4),
    ...op.get(pos), ...op.get(1), ...op.add, ...op.set(3),
    ...op.end, ...op.end,
  ];
  return [
    ...op.const(0), ...op.load8(0), ...op.splat8, ...op.set(7),
    ...op.get(1), ...op.const(1), ...op.sub, ...op.load8(0), ...op.splat8, ...op.set(8),
    // Sixteen candidate starts per step while the last byte of the last one is in the text.
    ...op.block, ...op.loop,
    ...op.get(2), ...op.get(1), ...op.add, ...op.const(15), ...op.add, ...op.get(0), ...op.gtU, ...op.brIf(1),
    ...op.get(2), ...op.v128Load(TEXT_AT), ...op.get(7), ...op.eq8,
    ...op.get(2), ...op.get(1), ...op.add, ...op.v128Load(TEXT_AT - 1), ...op.get(8), ...op.eq8,
    ...op.v128And, ...op.bitmask8, ...op.set(5),
    // A one-byte needle cannot overlap itself: every set bit is a match.
    ...op.get(1), ...op.const(1), ...op.eq, ...op.if,
    ...op.get(4), ...op.get(5), ...op.popcnt, ...op.add, ...op.set(4), ...op.const(0), ...op.set(5),
    ...op.end,
    ...op.block, ...op.loop,
    ...op.get(5), ...op.eqz, ...op.brIf(1),
    ...op.get(2), ...op.get(5), ...op.ctz, ...op.add, ...op.set(6),
    ...op.get(5), ...op.get(5), ...op.const(1), ...op.sub, ...op.and, ...op.set(5),
    ...onMatchAt(6),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(2), ...op.const(16), ...op.add, ...op.set(2),
    ...op.br(0),
    ...op.end, ...op.end,
    // The remaining starts one by one.
    ...op.block, ...op.loop,
    ...op.get(2), ...op.get(1), ...op.add, ...op.get(0), ...op.gtU, ...op.brIf(1),
    ...onMatchAt(2),
    ...op.get(2), ...op.const(1), ...op.add, ...op.set(2),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(4),
  ];
}

function assemble(): Uint8Array<ArrayBuffer> {
  const fn = (locals: number[][], body: number[]): number[] => {
    const code = [...uleb(locals.length), ...locals.flatMap(([count, type]) => [...uleb(count!), type!]), ...body, ...op.end];
    return [...uleb(code.length), ...code];
  };
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const bodies = [fn([[1, I32]], verifyBody()), fn([[5, I32], [2, V128]], countBody())];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, I32, I32, 1, I32]), // one type: (i32, i32) → i32
    ...section(3, [2, 0, 0]), // verify, count
    ...section(5, [1, 0x00, 1]), // one memory, at least one page
    ...section(7, [2, ...name('mem'), 0x02, 0, ...name('count'), 0x00, 1]),
    ...section(10, [2, ...bodies.flat()]),
  ]);
}

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
