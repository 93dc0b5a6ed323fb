/**
 * Two scans of long byte strings where the engine's string operations fall well behind
 * starlark-go's Go loops, done by a small WebAssembly module over a copy of the bytes:
 *
 * - countSubstring (str.count): a loop of indexOf calls pays one engine call per match, which
 *   on a long text with many matches is several times slower than Go's vectorised
 *   strings.Count. The module compares sixteen candidate positions at once (128-bit SIMD) on
 *   the needle's first and last byte and checks the whole needle only where both match (the
 *   usual SIMD substring filter), taking matches left to right and skipping overlapping ones
 *   exactly as the indexOf loop does.
 * - hashBytes (hash()): Java's String.hashCode over the UTF-8 text's code points, which JS
 *   can only compute one charCodeAt at a time; the module reads four ASCII bytes per step.
 *
 * The module is assembled here from the instruction listings below (no binary is committed).
 * Short strings, and engines without WebAssembly SIMD, take the JS paths (countByIndexOf,
 * and the caller's own hash loop).
 */

/** Texts shorter than this stay in JS (copying them would cost more than it saves). */
export const MIN_WASM_TEXT = 4096;
/** Needles up to this length are kept in the module's memory before the text. */
const MAX_WASM_NEEDLE = 64;
/** hash()'s tables after the needle: 31^k and 31^-k modulo 2³² for k = 0..16 (see asciiRuns). */
const POW31_AT = MAX_WASM_NEEDLE;
const INV31_AT = POW31_AT + 17 * 4;
const TEXT_AT = 256;

/** countByIndexOf counts non-overlapping occurrences of a non-empty needle with indexOf. */
export function countByIndexOf(hay: string, needle: string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * countSubstring counts non-overlapping occurrences of a non-empty needle in hay[from:to] (byte
 * strings; 0 <= from <= to <= hay.length). The range is counted in place: str.count(sub, a, b)
 * called again on the same text does not copy it again (see load).
 */
export function countSubstring(hay: string, needle: string, from = 0, to = hay.length): number {
  const m = needle.length;
  const n = to - from;
  if (n < MIN_WASM_TEXT || m > MAX_WASM_NEEDLE || m > n)
    return countByIndexOf(from === 0 && to === hay.length ? hay : hay.slice(from, to), needle);
  const k = kernel();
  if (k === null) return countByIndexOf(hay.slice(from, to), needle);
  const bytes = load(k, hay);
  bytes.write(needle, 0, m, 'latin1');
  return k.count(to, m, from);
}

/**
 * hashBytes is hash() of a byte string of at least MIN_WASM_TEXT bytes (see javaStringHash in
 * hash.ts for the rule), or undefined when the module is unavailable.
 */
export function hashBytes(s: string): number | undefined {
  const k = kernel();
  if (k === null) return undefined;
  load(k, s);
  return k.hash(s.length);
}

/** Texts up to this length stay referenced after a call, so that the next call on the same text skips the copy. */
const MAX_KEPT_TEXT = 16 << 20;
/** The text now at TEXT_AT, when it is at most MAX_KEPT_TEXT long. */
let loaded: string | undefined;

/**
 * load copies a byte string to TEXT_AT, growing the memory to hold it and 16 bytes beyond (a
 * sixteen-byte load may start at the last byte). A loop calling s.count(…) or hash(s) on one
 * text copies it once: the copy costs about as much as the scan.
 */
function load(k: Kernel, text: string): Buffer {
  const need = TEXT_AT + text.length + 16;
  if (k.memory.buffer.byteLength < need) {
    k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  }
  const bytes = Buffer.from(k.memory.buffer);
  if (text !== loaded) {
    bytes.write(text, TEXT_AT, text.length, 'latin1');
    loaded = text.length <= MAX_KEPT_TEXT ? text : undefined;
  }
  return bytes;
}

/** simdAvailable says whether long texts are counted by the WebAssembly routine on this engine. */
export function simdAvailable(): boolean {
  return kernel() !== null;
}

interface Kernel {
  memory: WebAssembly.Memory;
  count: (textEnd: number, needleLength: number, textStart: number) => number;
  hash: (textLength: number) => number;
}

let compiled: Kernel | null | undefined;

function kernel(): Kernel | null {
  if (compiled !== undefined) return compiled;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble()));
    compiled = {
      memory: instance.exports['mem'] as WebAssembly.Memory,
      count: instance.exports['count'] as Kernel['count'],
      hash: instance.exports['hash'] as Kernel['hash'],
    };
    const tables = new Int32Array(compiled.memory.buffer, POW31_AT, 34);
    for (let k = 0; k <= 16; k++) {
      tables[k] = pow31(k);
      tables[17 + k] = Number(BigInt.asIntN(32, INV31 ** BigInt(k) % (1n << 32n)));
    }
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
  block: [0x02, EMPTY],
  loop: [0x03, EMPTY],
  if: [0x04, EMPTY],
  end: [0x0b],
  return: [0x0f],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  call: (f: number) => [0x10, f],
  get: (l: number) => [0x20, l],
  set: (l: number) => [0x21, l],
  const: (v: number) => [0x41, ...sleb(v)],
  load8: (offset: number) => [0x2d, 0, ...uleb(offset)],
  ifI32: [0x04, I32],
  load32: (offset: number) => [0x28, 0, ...uleb(offset)],
  eqz: [0x45],
  eq: [0x46],
  ne: [0x47],
  ltU: [0x49],
  gtU: [0x4b],
  leU: [0x4d],
  geU: [0x4f],
  ctz: [0x68],
  popcnt: [0x69],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  or: [0x72],
  xor: [0x73],
  shl: [0x74],
  shrU: [0x76],
  select: [0x1b],
  else: [0x05],
  tee: (l: number) => [0x22, l],
  v128Load: (offset: number) => [0xfd, 0x00, 0, ...uleb(offset)],
  splat8: [0xfd, 0x0f],
  eq8: [0xfd, 0x23],
  v128And: [0xfd, 0x4e],
  bitmask8: [0xfd, 0x64],
  /** v128.const of four int32 lanes, or of eight int16 lanes when given eight values */
  v128Const: (lanes: number[]) => {
    const bytes = Buffer.alloc(16);
    lanes.forEach((v, k) =>
      lanes.length === 8 ? bytes.writeInt16LE(v, 2 * k) : bytes.writeInt32LE(v, 4 * k),
    );
    return [0xfd, 0x0c, ...bytes];
  },
  replaceLane32: (lane: number) => [0xfd, 0x1c, lane],
  extractLane32: (lane: number) => [0xfd, 0x1b, lane],
  widenLow8: [0xfd, ...uleb(0x89)],
  widenHigh8: [0xfd, ...uleb(0x8a)], // i16x8.extend_{low,high}_i8x16_u
  add32x4: [0xfd, ...uleb(0xae)],
  mul32x4: [0xfd, ...uleb(0xb5)],
  dot16x8: [0xfd, ...uleb(0xba)],
  ltU8: [0xfd, 0x26],
};

/**
 * verify(pos, m) → 1 when the m needle bytes at 0 equal the text bytes at TEXT_AT + pos.
 * Locals: 0 pos, 1 m, 2 j.
 */
function verifyBody(): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(2),
    ...op.get(1),
    ...op.geU,
    ...op.if,
    ...op.const(1),
    ...op.return,
    ...op.end,
    ...op.get(0),
    ...op.get(2),
    ...op.add,
    ...op.load8(TEXT_AT),
    ...op.get(2),
    ...op.load8(0),
    ...op.ne,
    ...op.brIf(1),
    ...op.get(2),
    ...op.const(1),
    ...op.add,
    ...op.set(2),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.const(0),
  ];
}

/**
 * count(n, m, i) → non-overlapping occurrences of the needle (m bytes at 0) in the text bytes
 * i..n at TEXT_AT. Each step of sixteen candidate starts compares the needle's first, middle
 * and last byte; a candidate passing all three is a match when m <= 3, and is verified
 * otherwise. Locals: 0 n, 1 m, 2 i, 3 next (first start not overlapping the last match),
 * 4 count, 5 mask (candidate starts left in this step), 6 pos, 7 first-byte splat, 8 last-byte
 * splat, 9 middle-byte splat.
 */
function countBody(): number[] {
  const onMatchAt = (pos: number, filtered: boolean) => [
    ...op.get(pos),
    ...op.get(3),
    ...op.geU,
    ...op.if,
    ...(filtered
      ? [
          ...op.get(1),
          ...op.const(3),
          ...op.leU,
          ...op.ifI32,
          ...op.const(1),
          ...op.else,
          ...op.get(pos),
          ...op.get(1),
          ...op.call(0),
          ...op.end,
        ]
      : [...op.get(pos), ...op.get(1), ...op.call(0)]),
    ...op.if,
    ...op.get(4),
    ...op.const(1),
    ...op.add,
    ...op.set(4),
    ...op.get(pos),
    ...op.get(1),
    ...op.add,
    ...op.set(3),
    ...op.end,
    ...op.end,
  ];
  return [
    ...op.const(0),
    ...op.load8(0),
    ...op.splat8,
    ...op.set(7),
    ...op.get(1),
    ...op.const(1),
    ...op.sub,
    ...op.load8(0),
    ...op.splat8,
    ...op.set(8),
    ...op.get(1),
    ...op.const(1),
    ...op.shrU,
    ...op.load8(0),
    ...op.splat8,
    ...op.set(9),
    // Sixteen candidate starts per step while the last byte of the last one is in the text.
    ...op.block,
    ...op.loop,
    ...op.get(2),
    ...op.get(1),
    ...op.add,
    ...op.const(15),
    ...op.add,
    ...op.get(0),
    ...op.gtU,
    ...op.brIf(1),
    ...op.get(2),
    ...op.v128Load(TEXT_AT),
    ...op.get(7),
    ...op.eq8,
    ...op.get(2),
    ...op.get(1),
    ...op.add,
    ...op.v128Load(TEXT_AT - 1),
    ...op.get(8),
    ...op.eq8,
    ...op.v128And,
    ...op.get(2),
    ...op.get(1),
    ...op.const(1),
    ...op.shrU,
    ...op.add,
    ...op.v128Load(TEXT_AT),
    ...op.get(9),
    ...op.eq8,
    ...op.v128And,
    ...op.bitmask8,
    ...op.set(5),
    // A one-byte needle cannot overlap itself: every set bit is a match.
    ...op.get(1),
    ...op.const(1),
    ...op.eq,
    ...op.if,
    ...op.get(4),
    ...op.get(5),
    ...op.popcnt,
    ...op.add,
    ...op.set(4),
    ...op.const(0),
    ...op.set(5),
    ...op.end,
    ...op.block,
    ...op.loop,
    ...op.get(5),
    ...op.eqz,
    ...op.brIf(1),
    ...op.get(2),
    ...op.get(5),
    ...op.ctz,
    ...op.add,
    ...op.set(6),
    ...op.get(5),
    ...op.get(5),
    ...op.const(1),
    ...op.sub,
    ...op.and,
    ...op.set(5),
    ...onMatchAt(6, true),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(2),
    ...op.const(16),
    ...op.add,
    ...op.set(2),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // The remaining starts one by one.
    ...op.block,
    ...op.loop,
    ...op.get(2),
    ...op.get(1),
    ...op.add,
    ...op.get(0),
    ...op.gtU,
    ...op.brIf(1),
    ...onMatchAt(2, false),
    ...op.get(2),
    ...op.const(1),
    ...op.add,
    ...op.set(2),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(4),
  ];
}

/**
 * hash(n) → Java's String.hashCode of the code points of the n-byte UTF-8 text at TEXT_AT, as
 * starlark-go computes hash(): h = 31·h + c in int32, a code point beyond U+FFFF added whole,
 * an invalid byte (Go's decoding: no overlong forms, surrogates or values above U+10FFFF)
 * added as U+FFFD. Runs of ASCII go sixteen bytes a step in SIMD lanes (eight bytes a step in
 * the last fifteen bytes), two-byte characters by a short path, other characters one at a time.
 * Locals: 0 n, 1 i, 2 h, 3 c (lead byte, or first word), 4 cp (or second word), 5 size, 6 b1,
 * 7 b2, 8 b3, 9 the SIMD accumulator, 10 sixteen text bytes.
 */
/** 31^k modulo 2³² as an int32 (wasm's i32.mul wraps like Math.imul). */
const pow31 = (k: number) => Number(BigInt.asIntN(32, 31n ** BigInt(k)));
/** The inverse of 31 modulo 2³² (31 is odd, so it has one): 31 · INV31 ≡ 1. */
const INV31 = 3186588639n;
const POW31_8 = pow31(8);

/**
 * asciiRuns: while sixteen ASCII bytes remain, h·31¹⁶ + Σ bₖ·31¹⁵⁻ᵏ, kept as four int32
 * lanes whose sum is h (products distribute over the wrapping sum, so each lane can be
 * multiplied by 31¹⁶ on its own). i32x4.dot_i16x8_s turns the bytes, widened to int16, into
 * lanes [b0·31³ + b1·31², b2·31 + b3, …]; one multiplication by [31¹², 31¹², 31⁸, 31⁸] (low
 * half) or [31⁴, 31⁴, 1, 1] (high half) weights each group of four. The lanes are summed into
 * h when the run ends; the loop of the caller then goes on with the next character.
 * When the sixteen bytes are not all ASCII, the ASCII bytes before the first other one go in
 * one step of the same kind, and a valid two-byte character after them is added at once; a longer or invalid sequence is left to the caller's general path. `tail` runs when
 * fewer than sixteen bytes remain. Locals 3 and 4 hold the mask and the end of the prefix.
 */
function asciiRuns(tail: number[]): number[] {
  const groups = op.v128Const([29791, 961, 31, 1, 29791, 961, 31, 1]);
  const half = (widen: number[], weights: number[]) => [
    ...op.get(10),
    ...widen,
    ...groups,
    ...op.dot16x8,
    ...op.v128Const(weights),
    ...op.mul32x4,
  ];
  return [
    ...op.get(1),
    ...op.const(16),
    ...op.add,
    ...op.get(0),
    ...op.leU,
    ...op.if,
    ...op.get(1),
    ...op.v128Load(TEXT_AT),
    ...op.bitmask8,
    ...op.tee(3),
    ...op.eqz,
    ...op.if,
    ...op.v128Const([0, 0, 0, 0]),
    ...op.get(2),
    ...op.replaceLane32(0),
    ...op.set(9),
    ...op.block,
    ...op.loop,
    ...op.get(1),
    ...op.const(16),
    ...op.add,
    ...op.get(0),
    ...op.gtU,
    ...op.brIf(1),
    ...op.get(1),
    ...op.v128Load(TEXT_AT),
    ...op.tee(10),
    ...op.bitmask8,
    ...op.brIf(1),
    ...op.get(9),
    ...op.v128Const([pow31(16), pow31(16), pow31(16), pow31(16)]),
    ...op.mul32x4,
    ...half(op.widenLow8, [pow31(12), pow31(12), POW31_8, POW31_8]),
    ...op.add32x4,
    ...half(op.widenHigh8, [pow31(4), pow31(4), 1, 1]),
    ...op.add32x4,
    ...op.set(9),
    ...op.get(1),
    ...op.const(16),
    ...op.add,
    ...op.set(1),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(9),
    ...op.extractLane32(0),
    ...op.get(9),
    ...op.extractLane32(1),
    ...op.add,
    ...op.get(9),
    ...op.extractLane32(2),
    ...op.add,
    ...op.get(9),
    ...op.extractLane32(3),
    ...op.add,
    ...op.set(2),
    // The run may have reached the end of the text: back to the loop's test.
    ...op.br(2),
    ...op.else,
    // Not sixteen: the k ASCII bytes before the first other one (k = the mask's trailing
    // zeros) in one step: the sixteen-byte sum with the other bytes zeroed is Σ bⱼ·31¹⁵⁻ʲ over
    // j < k, that is the k bytes' own sum times 31¹⁶⁻ᵏ, taken out by 31⁻⁽¹⁶⁻ᵏ⁾.
    ...op.get(3),
    ...op.ctz,
    ...op.set(4),
    ...op.get(1),
    ...op.v128Load(TEXT_AT),
    ...op.v128Const(Array.from({ length: 8 }, (_, j) => (2 * j) | ((2 * j + 1) << 8))),
    ...op.get(4),
    ...op.splat8,
    ...op.ltU8,
    ...op.v128And,
    ...op.set(10),
    ...half(op.widenLow8, [pow31(12), pow31(12), POW31_8, POW31_8]),
    ...half(op.widenHigh8, [pow31(4), pow31(4), 1, 1]),
    ...op.add32x4,
    ...op.set(9),
    ...op.get(2),
    ...op.get(4),
    ...op.const(2),
    ...op.shl,
    ...op.load32(POW31_AT),
    ...op.mul,
    ...op.get(9),
    ...op.extractLane32(0),
    ...op.get(9),
    ...op.extractLane32(1),
    ...op.add,
    ...op.get(9),
    ...op.extractLane32(2),
    ...op.add,
    ...op.get(9),
    ...op.extractLane32(3),
    ...op.add,
    ...op.const(16),
    ...op.get(4),
    ...op.sub,
    ...op.const(2),
    ...op.shl,
    ...op.load32(INV31_AT),
    ...op.mul,
    ...op.add,
    ...op.set(2),
    ...op.get(1),
    ...op.get(4),
    ...op.add,
    ...op.set(1),
    // U+0080..U+07FF: a lead byte C2..DF and a continuation byte inside the text.
    ...op.get(1),
    ...op.load8(TEXT_AT),
    ...op.const(0xc2),
    ...op.sub,
    ...op.const(30),
    ...op.ltU,
    ...op.get(1),
    ...op.load8(TEXT_AT + 1),
    ...op.const(0x80),
    ...op.xor,
    ...op.tee(4),
    ...op.const(0x40),
    ...op.ltU,
    ...op.and,
    ...op.get(1),
    ...op.const(1),
    ...op.add,
    ...op.get(0),
    ...op.ltU,
    ...op.and,
    ...op.if,
    ...op.get(2),
    ...op.const(31),
    ...op.mul,
    ...op.get(1),
    ...op.load8(TEXT_AT),
    ...op.const(0x1f),
    ...op.and,
    ...op.const(6),
    ...op.shl,
    ...op.get(4),
    ...op.or,
    ...op.add,
    ...op.set(2),
    ...op.get(1),
    ...op.const(2),
    ...op.add,
    ...op.set(1),
    ...op.br(3),
    ...op.end,
    ...op.end,
    ...op.else,
    ...tail,
    ...op.end,
  ];
}

function hashBody(): number[] {
  const byteAt = (k: number) => [...op.get(1), ...op.load8(TEXT_AT + k)];
  /** the k-th byte after the lead, xor 0x80 (a continuation byte is then < 0x40), or 0x100 past the end */
  const contAt = (k: number) => [
    ...byteAt(k),
    ...op.const(0x80),
    ...op.xor,
    ...op.const(0x100),
    ...op.get(1),
    ...op.const(k),
    ...op.add,
    ...op.get(0),
    ...op.ltU,
    ...op.select,
  ];
  const byteOf = (word: number, shift: number) => [
    ...op.get(word),
    ...op.const(shift),
    ...op.shrU,
    ...op.const(0xff),
    ...op.and,
  ];
  /** a·31³ + b·31² + c·31 + d of the four bytes (little-endian) of a word */
  const fourBytes = (word: number) => [
    ...byteOf(word, 0),
    ...op.const(29791),
    ...op.mul,
    ...byteOf(word, 8),
    ...op.const(961),
    ...op.mul,
    ...op.add,
    ...byteOf(word, 16),
    ...op.const(31),
    ...op.mul,
    ...op.add,
    ...byteOf(word, 24),
    ...op.add,
  ];
  return [
    ...op.block,
    ...op.loop,
    ...op.get(1),
    ...op.get(0),
    ...op.geU,
    ...op.brIf(1),
    ...asciiRuns([
      // Fewer than sixteen bytes left: eight ASCII bytes at once while eight remain,
      // h·31⁸ + (first four)·31⁴ + (last four).
      ...op.get(1),
      ...op.const(8),
      ...op.add,
      ...op.get(0),
      ...op.leU,
      ...op.if,
      ...op.get(1),
      ...op.load32(TEXT_AT),
      ...op.set(3),
      ...op.get(1),
      ...op.load32(TEXT_AT + 4),
      ...op.set(4),
      ...op.get(3),
      ...op.get(4),
      ...op.or,
      ...op.const(0x80808080 | 0),
      ...op.and,
      ...op.eqz,
      ...op.if,
      ...op.get(2),
      ...op.const(POW31_8),
      ...op.mul,
      ...fourBytes(3),
      ...op.const(923521),
      ...op.mul,
      ...op.add,
      ...fourBytes(4),
      ...op.add,
      ...op.set(2),
      ...op.get(1),
      ...op.const(8),
      ...op.add,
      ...op.set(1),
      ...op.br(3),
      ...op.end,
      ...op.end,
    ]),
    // One character.
    ...byteAt(0),
    ...op.set(3),
    ...op.const(0xfffd),
    ...op.set(4),
    ...op.const(1),
    ...op.set(5),
    ...op.get(3),
    ...op.const(0x80),
    ...op.ltU,
    ...op.if,
    ...op.get(3),
    ...op.set(4),
    ...op.else,
    ...contAt(1),
    ...op.set(6),
    ...op.get(6),
    ...op.const(0x40),
    ...op.ltU,
    ...op.if,
    ...op.get(3),
    ...op.const(0xc2),
    ...op.geU,
    ...op.get(3),
    ...op.const(0xe0),
    ...op.ltU,
    ...op.and,
    ...op.if,
    ...op.get(3),
    ...op.const(0x1f),
    ...op.and,
    ...op.const(6),
    ...op.shl,
    ...op.get(6),
    ...op.or,
    ...op.set(4),
    ...op.const(2),
    ...op.set(5),
    ...op.else,
    ...op.get(3),
    ...op.const(0xe0),
    ...op.geU,
    ...op.get(3),
    ...op.const(0xf5),
    ...op.ltU,
    ...op.and,
    ...op.if,
    ...contAt(2),
    ...op.set(7),
    ...op.get(7),
    ...op.const(0x40),
    ...op.ltU,
    ...op.if,
    ...op.get(3),
    ...op.const(0xf0),
    ...op.ltU,
    ...op.if,
    // Three bytes: U+0800..U+FFFF without the surrogates.
    ...op.get(3),
    ...op.const(0x0f),
    ...op.and,
    ...op.const(12),
    ...op.shl,
    ...op.get(6),
    ...op.const(6),
    ...op.shl,
    ...op.or,
    ...op.get(7),
    ...op.or,
    ...op.set(8),
    ...op.get(8),
    ...op.const(0x800),
    ...op.geU,
    ...op.get(8),
    ...op.const(0xd800),
    ...op.ltU,
    ...op.get(8),
    ...op.const(0xe000),
    ...op.geU,
    ...op.or,
    ...op.and,
    ...op.if,
    ...op.get(8),
    ...op.set(4),
    ...op.const(3),
    ...op.set(5),
    ...op.end,
    ...op.else,
    // Four bytes: U+10000..U+10FFFF (local 8 is the fourth byte, then the code point).
    ...contAt(3),
    ...op.set(8),
    ...op.get(8),
    ...op.const(0x40),
    ...op.ltU,
    ...op.if,
    ...op.get(3),
    ...op.const(0x07),
    ...op.and,
    ...op.const(18),
    ...op.shl,
    ...op.get(6),
    ...op.const(12),
    ...op.shl,
    ...op.or,
    ...op.get(7),
    ...op.const(6),
    ...op.shl,
    ...op.or,
    ...op.get(8),
    ...op.or,
    ...op.set(8),
    ...op.get(8),
    ...op.const(0x10000),
    ...op.geU,
    ...op.get(8),
    ...op.const(0x10ffff),
    ...op.leU,
    ...op.and,
    ...op.if,
    ...op.get(8),
    ...op.set(4),
    ...op.const(4),
    ...op.set(5),
    ...op.end,
    ...op.end,
    ...op.end, // < 0xf0
    ...op.end, // b2 continuation
    ...op.end, // e0..f4
    ...op.end, // c2..df / else
    ...op.end, // b1 continuation
    ...op.end, // ASCII / else
    ...op.get(2),
    ...op.const(31),
    ...op.mul,
    ...op.get(4),
    ...op.add,
    ...op.set(2),
    ...op.get(1),
    ...op.get(5),
    ...op.add,
    ...op.set(1),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(2),
  ];
}

function assemble(): Uint8Array<ArrayBuffer> {
  const fn = (locals: number[][], body: number[]): number[] => {
    const code = [
      ...uleb(locals.length),
      ...locals.flatMap(([count, type]) => [...uleb(count!), type!]),
      ...body,
      ...op.end,
    ];
    return [...uleb(code.length), ...code];
  };
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const bodies = [
    fn([[1, I32]], verifyBody()),
    fn(
      [
        [4, I32],
        [3, V128],
      ],
      countBody(),
    ),
    fn(
      [
        [8, I32],
        [2, V128],
      ],
      hashBody(),
    ),
  ];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // (i32, i32) → i32, (i32) → i32, (i32, i32, i32) → i32
    ...section(1, [3, 0x60, 2, I32, I32, 1, I32, 0x60, 1, I32, 1, I32, 0x60, 3, I32, I32, I32, 1, I32]),
    ...section(3, [3, 0, 2, 1]), // verify, count, hash
    ...section(5, [1, 0x00, 1]), // one memory, at least one page
    ...section(7, [3, ...name('mem'), 0x02, 0, ...name('count'), 0x00, 1, ...name('hash'), 0x00, 2]),
    ...section(10, [3, ...bodies.flat()]),
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
