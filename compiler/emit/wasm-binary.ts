// A minimal WebAssembly binary encoder: instruction encoders (`op`) and a module builder with one
// exported memory and a list of functions. Enough for the SIMD backend's hot loops; nothing more
// (no imports, globals, tables or data segments). Opcodes follow the WebAssembly 2.0 spec
// (core binary format, including the fixed-width SIMD proposal); test/wasm-binary.test.ts checks
// every encoder against the bytes wabt assembles from the equivalent text.

export type ValType = "i32" | "i64" | "f64" | "v128";
/** An instruction sequence: bytes. A function body is the concatenation of instructions (without the trailing `end`; the builder adds it). */
export type Code = number[];

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128 (indices, sizes, alignments, offsets, SIMD opcodes). */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`uleb: ${n} is not a u32`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a two's-complement integer (i32/i64 constants). */
export function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift: the sign is kept
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const f64Bytes = (x: number): number[] => Array.from(new Uint8Array(new Float64Array([x]).buffer));
const i64Bytes = (x: bigint): number[] => Array.from(new Uint8Array(new BigInt64Array([BigInt.asIntN(64, x)]).buffer));
/** A name: UTF-8 bytes, length-prefixed. */
function name(s: string): number[] {
  const b = Array.from(new TextEncoder().encode(s));
  return [...uleb(b.length), ...b];
}

const plain = (opcode: number) => (): Code => [opcode];
const simd = (opcode: number) => (): Code => [0xfd, ...uleb(opcode)];
/** Memory access: opcode, then memarg = (log2 alignment, byte offset). */
const mem =
  (prefix: number[], align: number) =>
  (offset = 0): Code => [...prefix, ...uleb(align), ...uleb(offset)];
const lane =
  (opcode: number) =>
  (l: 0 | 1): Code => {
    if (l !== 0 && l !== 1) throw new RangeError(`f64x2 lane ${l}`);
    return [0xfd, ...uleb(opcode), l];
  };
const EMPTY_BLOCK = 0x40;

/** Instruction encoders (each returns the bytes of one instruction). */
export const op = {
  localGet: (i: number): Code => [0x20, ...uleb(i)],
  localSet: (i: number): Code => [0x21, ...uleb(i)],
  localTee: (i: number): Code => [0x22, ...uleb(i)],
  /** An i32 constant; values in [2^31, 2^32) are taken as their two's-complement i32. */
  i32Const: (n: number): Code => {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new RangeError(`i32.const ${n}`);
    return [0x41, ...sleb(BigInt(n | 0))];
  },
  i64Const: (n: bigint): Code => [0x42, ...sleb(BigInt.asIntN(64, n))],
  f64Const: (x: number): Code => [0x44, ...f64Bytes(x)],
  /** v128.const with f64x2 lanes a, b. */
  v128ConstF64: (a: number, b: number): Code => [0xfd, ...uleb(0x0c), ...f64Bytes(a), ...f64Bytes(b)],
  /** v128.const with i64x2 lanes a, b. */
  v128ConstI64: (a: bigint, b: bigint): Code => [0xfd, ...uleb(0x0c), ...i64Bytes(a), ...i64Bytes(b)],

  // control (blocks have the empty block type: no params, no results)
  block: (): Code => [0x02, EMPTY_BLOCK],
  loop: (): Code => [0x03, EMPTY_BLOCK],
  if_: (): Code => [0x04, EMPTY_BLOCK],
  else_: plain(0x05),
  end: plain(0x0b),
  br: (depth: number): Code => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Code => [0x0d, ...uleb(depth)],
  return_: plain(0x0f),
  call: (fn: number): Code => [0x10, ...uleb(fn)],
  drop: plain(0x1a),
  select: plain(0x1b),

  // i32
  i32Eqz: plain(0x45),
  i32Eq: plain(0x46),
  i32Ne: plain(0x47),
  i32LtS: plain(0x48),
  i32LtU: plain(0x49),
  i32GeU: plain(0x4f),
  i32Add: plain(0x6a),
  i32Sub: plain(0x6b),
  i32Mul: plain(0x6c),
  i32And: plain(0x71),
  i32Shl: plain(0x74),

  // f64 scalar
  f64Eq: plain(0x61),
  f64Ne: plain(0x62),
  f64Lt: plain(0x63),
  f64Gt: plain(0x64),
  f64Le: plain(0x65),
  f64Ge: plain(0x66),
  f64Abs: plain(0x99),
  f64Neg: plain(0x9a),
  f64Floor: plain(0x9c),
  f64Nearest: plain(0x9e),
  f64Sqrt: plain(0x9f),
  f64Add: plain(0xa0),
  f64Sub: plain(0xa1),
  f64Mul: plain(0xa2),
  f64Div: plain(0xa3),
  f64Min: plain(0xa4),
  f64Max: plain(0xa5),

  // memory (offset in bytes; natural alignment)
  i32Load: mem([0x28], 2),
  f64Load: mem([0x2b], 3),
  i32Store: mem([0x36], 2),
  f64Store: mem([0x39], 3),
  v128Load: mem([0xfd, 0x00], 4),
  v128Store: mem([0xfd, 0x0b], 4),

  // SIMD
  i64x2Splat: simd(0x12),
  f64x2Splat: simd(0x14),
  f64x2ExtractLane: lane(0x21),
  f64x2ReplaceLane: lane(0x22),
  f64x2Eq: simd(0x47),
  f64x2Ne: simd(0x48),
  f64x2Lt: simd(0x49),
  f64x2Gt: simd(0x4a),
  f64x2Le: simd(0x4b),
  f64x2Ge: simd(0x4c),
  v128Not: simd(0x4d),
  v128And: simd(0x4e),
  v128AndNot: simd(0x4f),
  v128Or: simd(0x50),
  v128Xor: simd(0x51),
  v128Bitselect: simd(0x52),
  v128AnyTrue: simd(0x53),
  f64x2Floor: simd(0x75),
  f64x2Nearest: simd(0x94),
  i64x2ExtendLowI32x4S: simd(0xc7),
  i64x2Shl: simd(0xcb),
  i64x2ShrS: simd(0xcc),
  i64x2ShrU: simd(0xcd),
  i64x2Add: simd(0xce),
  i64x2Sub: simd(0xd1),
  f64x2Abs: simd(0xec),
  f64x2Neg: simd(0xed),
  f64x2Sqrt: simd(0xef),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  f64x2Div: simd(0xf3),
  f64x2Min: simd(0xf4),
  f64x2Max: simd(0xf5),
  f64x2Pmin: simd(0xf6),
  f64x2Pmax: simd(0xf7),
  i32x4TruncSatF64x2SZero: simd(0xfc),
  f64x2ConvertLowI32x4S: simd(0xfe),
};

interface Func {
  type: number;
  locals: ValType[];
  body: Code;
  name: string | null;
}

/** A length-prefixed section: id, size, contents. */
function section(id: number, contents: number[]): number[] {
  return [id, ...uleb(contents.length), ...contents];
}
/** A vector: count, then the items' bytes. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export class ModuleBuilder {
  private readonly memoryPages: number;
  private readonly types: string[] = []; // deduplicated signatures, "params->results"
  private readonly typeBytes: number[][] = [];
  private readonly funcs: Func[] = [];

  /** One memory (index 0), exported as "memory", with `pages` 64 KiB pages initially and no maximum. */
  constructor(opts: { memoryPages: number }) {
    this.memoryPages = opts.memoryPages;
    uleb(this.memoryPages); // validates
  }

  /** Adds a function; exported under `name` when given. Returns its function index (for op.call). Locals are declared after the params. */
  func(name: string | null, params: ValType[], results: ValType[], locals: ValType[], body: Code): number {
    const key = `${params.join(",")}->${results.join(",")}`;
    let type = this.types.indexOf(key);
    if (type < 0) {
      type = this.types.push(key) - 1;
      this.typeBytes.push([0x60, ...vec(params.map((t) => [VALTYPE[t]])), ...vec(results.map((t) => [VALTYPE[t]]))]);
    }
    if (name !== null && (name === "memory" || this.funcs.some((f) => f.name === name))) throw new Error(`duplicate export "${name}"`);
    return this.funcs.push({ type, locals: [...locals], body: [...body], name }) - 1;
  }

  /** The module's bytes (types deduplicated). */
  bytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    out.push(...section(1, vec(this.typeBytes)));
    out.push(...section(3, vec(this.funcs.map((f) => uleb(f.type)))));
    out.push(...section(5, vec([[0x00, ...uleb(this.memoryPages)]]))); // limits: min only
    const exports: number[][] = [[...name("memory"), 0x02, 0x00]]; // kind 2: memory 0
    this.funcs.forEach((f, i) => {
      if (f.name !== null) exports.push([...name(f.name), 0x00, ...uleb(i)]); // kind 0: function i
    });
    out.push(...section(7, vec(exports)));
    out.push(
      ...section(
        10,
        vec(
          this.funcs.map((f) => {
            const body = [...localDecls(f.locals), ...f.body, 0x0b];
            return [...uleb(body.length), ...body];
          }),
        ),
      ),
    );
    return Uint8Array.from(out);
  }
}

/** Local declarations: runs of equal types, each as (count, type). */
function localDecls(locals: ValType[]): number[] {
  const runs: number[][] = [];
  for (let i = 0; i < locals.length; ) {
    let j = i;
    while (j < locals.length && locals[j] === locals[i]) j++;
    runs.push([...uleb(j - i), VALTYPE[locals[i]]]);
    i = j;
  }
  return vec(runs);
}
