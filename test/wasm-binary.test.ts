// The WebAssembly binary encoder: every instruction encoder gives the bytes wabt assembles from the
// equivalent text (one function per instruction form, one module, compared byte for byte), the
// module validates, and a few functions built with it run and compute what they should.
import { expect } from "chai";
import { ModuleBuilder, op, sleb, uleb, type Code, type ValType } from "../compiler/emit/wasm-binary.js";

interface Case {
  name: string;
  params: ValType[];
  results: ValType[];
  locals?: ValType[];
  code: Code[];
  wat: string;
}

const args = (n: number): Code[] => Array.from({ length: n }, (_, i) => op.localGet(i));
const watArgs = (n: number): string => Array.from({ length: n }, (_, i) => `local.get ${i}`).join(" ");
/** The parameters are pushed in order, then the one instruction. */
function simple(name: keyof typeof op, params: ValType[], results: ValType[], wat: string, ...opArgs: never[]): Case {
  const enc = op[name] as (...a: never[]) => Code;
  return { name, params, results, code: [...args(params.length), enc(...opArgs)], wat: `${watArgs(params.length)} ${wat}` };
}
const family = (params: ValType[], results: ValType[], ops: [keyof typeof op, string][]): Case[] =>
  ops.map(([name, wat]) => simple(name, params, results, wat));

const V: ValType = "v128";
const cases: Case[] = [
  // constants, including LEB128 boundaries and special floats
  ...[0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, -8192, 2 ** 31 - 1, -(2 ** 31), 0xffffffff].map(
    (n): Case => ({
      name: "i32Const",
      params: [],
      results: ["i32"],
      code: [op.i32Const(n)],
      wat: `i32.const ${n | 0}`,
    }),
  ),
  ...[0n, -1n, 64n, -65n, 2n ** 40n, 2n ** 63n - 1n, -(2n ** 63n)].map(
    (n): Case => ({
      name: "i64Const",
      params: [],
      results: ["i64"],
      code: [op.i64Const(n)],
      wat: `i64.const ${n}`,
    }),
  ),
  ...[
    [1.5, "1.5"],
    [-0, "-0"],
    [0.1, "0.1"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
    [5e-324, "0x1p-1074"],
  ].map(
    ([x, w]): Case => ({
      name: "f64Const",
      params: [],
      results: ["f64"],
      code: [op.f64Const(x as number)],
      wat: `f64.const ${w}`,
    }),
  ),
  { name: "v128ConstF64", params: [], results: [V], code: [op.v128ConstF64(1.5, -0.25)], wat: "v128.const f64x2 1.5 -0.25" },
  { name: "v128ConstI64", params: [], results: [V], code: [op.v128ConstI64(-1n, 0x7ff0000000000000n)], wat: "v128.const i64x2 -1 0x7ff0000000000000" },
  // locals (runs of equal types; an index >= 128 needs two LEB bytes)
  {
    name: "localTee",
    params: ["f64"],
    results: ["f64"],
    locals: ["f64", "i32", "i32", "v128", "f64"],
    code: [op.localGet(0), op.localTee(5), op.localSet(1), op.localGet(5)],
    wat: "(local f64 i32 i32 v128 f64) local.get 0 local.tee 5 local.set 1 local.get 5",
  },
  {
    name: "localSet",
    params: ["i32"],
    results: ["i32"],
    locals: Array(140).fill("i32"),
    code: [op.localGet(0), op.localSet(139), op.localGet(139)],
    wat: `(local ${Array(140).fill("i32").join(" ")}) local.get 0 local.set 139 local.get 139`,
  },
  // control
  {
    name: "block",
    params: ["i32"],
    results: ["i32"],
    code: [
      op.block(),
      op.loop(),
      op.localGet(0),
      op.i32Eqz(),
      op.brIf(1),
      op.localGet(0),
      op.i32Const(1),
      op.i32Sub(),
      op.localSet(0),
      op.br(0),
      op.end(),
      op.end(),
      op.localGet(0),
      op.if_(),
      op.i32Const(5),
      op.return_(),
      op.else_(),
      op.i32Const(6),
      op.drop(),
      op.end(),
      op.i32Const(7),
    ],
    wat: "block loop local.get 0 i32.eqz br_if 1 local.get 0 i32.const 1 i32.sub local.set 0 br 0 end end local.get 0 if i32.const 5 return else i32.const 6 drop end i32.const 7",
  },
  { name: "call", params: ["f64", "f64"], results: ["f64"], code: [...args(2), op.call(0)], wat: "local.get 0 local.get 1 call 0" },
  simple("drop", ["f64"], [], "drop"),
  simple("select", ["f64", "f64", "i32"], ["f64"], "select"),
  // i32
  simple("i32Eqz", ["i32"], ["i32"], "i32.eqz"),
  ...family(
    ["i32", "i32"],
    ["i32"],
    [
      ["i32Add", "i32.add"],
      ["i32Sub", "i32.sub"],
      ["i32Mul", "i32.mul"],
      ["i32Shl", "i32.shl"],
      ["i32And", "i32.and"],
      ["i32Eq", "i32.eq"],
      ["i32Ne", "i32.ne"],
      ["i32LtS", "i32.lt_s"],
      ["i32LtU", "i32.lt_u"],
      ["i32GeU", "i32.ge_u"],
    ],
  ),
  // f64
  ...family(
    ["f64", "f64"],
    ["f64"],
    [
      ["f64Add", "f64.add"],
      ["f64Sub", "f64.sub"],
      ["f64Mul", "f64.mul"],
      ["f64Div", "f64.div"],
      ["f64Min", "f64.min"],
      ["f64Max", "f64.max"],
    ],
  ),
  ...family(
    ["f64"],
    ["f64"],
    [
      ["f64Abs", "f64.abs"],
      ["f64Neg", "f64.neg"],
      ["f64Sqrt", "f64.sqrt"],
      ["f64Floor", "f64.floor"],
      ["f64Nearest", "f64.nearest"],
    ],
  ),
  ...family(
    ["f64", "f64"],
    ["i32"],
    [
      ["f64Eq", "f64.eq"],
      ["f64Ne", "f64.ne"],
      ["f64Lt", "f64.lt"],
      ["f64Gt", "f64.gt"],
      ["f64Le", "f64.le"],
      ["f64Ge", "f64.ge"],
    ],
  ),
  // memory: default offset, small and multi-byte offsets
  ...[0, 8, 200, 70000].flatMap((o): Case[] => [
    { name: "f64Load", params: ["i32"], results: ["f64"], code: [op.localGet(0), op.f64Load(o)], wat: `local.get 0 f64.load offset=${o}` },
    { name: "i32Load", params: ["i32"], results: ["i32"], code: [op.localGet(0), op.i32Load(o)], wat: `local.get 0 i32.load offset=${o}` },
    { name: "v128Load", params: ["i32"], results: [V], code: [op.localGet(0), op.v128Load(o)], wat: `local.get 0 v128.load offset=${o}` },
    { name: "f64Store", params: ["i32", "f64"], results: [], code: [...args(2), op.f64Store(o)], wat: `${watArgs(2)} f64.store offset=${o}` },
    { name: "i32Store", params: ["i32", "i32"], results: [], code: [...args(2), op.i32Store(o)], wat: `${watArgs(2)} i32.store offset=${o}` },
    { name: "v128Store", params: ["i32", V], results: [], code: [...args(2), op.v128Store(o)], wat: `${watArgs(2)} v128.store offset=${o}` },
  ]),
  { name: "f64Load", params: ["i32"], results: ["f64"], code: [op.localGet(0), op.f64Load()], wat: "local.get 0 f64.load" },
  // SIMD
  simple("f64x2Splat", ["f64"], [V], "f64x2.splat"),
  simple("i64x2Splat", ["i64"], [V], "i64x2.splat"),
  { name: "f64x2ExtractLane", params: [V], results: ["f64"], code: [op.localGet(0), op.f64x2ExtractLane(0)], wat: "local.get 0 f64x2.extract_lane 0" },
  { name: "f64x2ExtractLane", params: [V], results: ["f64"], code: [op.localGet(0), op.f64x2ExtractLane(1)], wat: "local.get 0 f64x2.extract_lane 1" },
  { name: "f64x2ReplaceLane", params: [V, "f64"], results: [V], code: [...args(2), op.f64x2ReplaceLane(0)], wat: `${watArgs(2)} f64x2.replace_lane 0` },
  { name: "f64x2ReplaceLane", params: [V, "f64"], results: [V], code: [...args(2), op.f64x2ReplaceLane(1)], wat: `${watArgs(2)} f64x2.replace_lane 1` },
  ...family(
    [V, V],
    [V],
    [
      ["f64x2Add", "f64x2.add"],
      ["f64x2Sub", "f64x2.sub"],
      ["f64x2Mul", "f64x2.mul"],
      ["f64x2Div", "f64x2.div"],
      ["f64x2Min", "f64x2.min"],
      ["f64x2Max", "f64x2.max"],
      ["f64x2Pmin", "f64x2.pmin"],
      ["f64x2Pmax", "f64x2.pmax"],
      ["f64x2Eq", "f64x2.eq"],
      ["f64x2Ne", "f64x2.ne"],
      ["f64x2Lt", "f64x2.lt"],
      ["f64x2Gt", "f64x2.gt"],
      ["f64x2Le", "f64x2.le"],
      ["f64x2Ge", "f64x2.ge"],
      ["i64x2Add", "i64x2.add"],
      ["i64x2Sub", "i64x2.sub"],
      ["v128And", "v128.and"],
      ["v128Or", "v128.or"],
      ["v128Xor", "v128.xor"],
      ["v128AndNot", "v128.andnot"],
    ],
  ),
  ...family(
    [V],
    [V],
    [
      ["f64x2Abs", "f64x2.abs"],
      ["f64x2Neg", "f64x2.neg"],
      ["f64x2Sqrt", "f64x2.sqrt"],
      ["f64x2Floor", "f64x2.floor"],
      ["f64x2Nearest", "f64x2.nearest"],
      ["f64x2ConvertLowI32x4S", "f64x2.convert_low_i32x4_s"],
      ["i32x4TruncSatF64x2SZero", "i32x4.trunc_sat_f64x2_s_zero"],
      ["i64x2ExtendLowI32x4S", "i64x2.extend_low_i32x4_s"],
      ["v128Not", "v128.not"],
    ],
  ),
  ...family(
    [V, "i32"],
    [V],
    [
      ["i64x2Shl", "i64x2.shl"],
      ["i64x2ShrS", "i64x2.shr_s"],
      ["i64x2ShrU", "i64x2.shr_u"],
    ],
  ),
  simple("v128Bitselect", [V, V, V], [V], "v128.bitselect"),
  simple("v128AnyTrue", [V], ["i32"], "v128.any_true"),
];

let wabt: Awaited<ReturnType<typeof import("wabt")>>;
before(async () => {
  wabt = await (await import("wabt")).default();
});

function assemble(wat: string): Uint8Array {
  const parsed = wabt.parseWat("test.wat", wat, { simd: true });
  try {
    parsed.validate();
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

describe("wasm-binary: LEB128", () => {
  it("encodes unsigned and signed values", () => {
    expect(uleb(0)).to.deep.equal([0]);
    expect(uleb(127)).to.deep.equal([0x7f]);
    expect(uleb(128)).to.deep.equal([0x80, 0x01]);
    expect(uleb(624485)).to.deep.equal([0xe5, 0x8e, 0x26]);
    expect(uleb(0xffffffff)).to.deep.equal([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => uleb(-1)).to.throw(RangeError);
    expect(sleb(0n)).to.deep.equal([0]);
    expect(sleb(63n)).to.deep.equal([0x3f]);
    expect(sleb(64n)).to.deep.equal([0xc0, 0x00]);
    expect(sleb(-64n)).to.deep.equal([0x40]);
    expect(sleb(-65n)).to.deep.equal([0xbf, 0x7f]);
    expect(sleb(-123456n)).to.deep.equal([0xc0, 0xbb, 0x78]);
  });
});

describe("wasm-binary: encoders against wabt", () => {
  it("covers every instruction encoder", () => {
    const covered = new Set(cases.flatMap((c) => [c.name]));
    // the control-flow case uses these too
    for (const n of ["loop", "if_", "else_", "end", "br", "brIf", "return_", "localGet"]) covered.add(n);
    expect(Object.keys(op).filter((k) => !covered.has(k))).to.deep.equal([]);
  });

  it("a module with one function per instruction form is byte-identical to wabt's", () => {
    const mb = new ModuleBuilder({ memoryPages: 2 });
    const watFuncs: string[] = [];
    cases.forEach((c, i) => {
      const sig = `${c.params.map((t) => `(param ${t})`).join(" ")} ${c.results.map((t) => `(result ${t})`).join(" ")}`;
      // the first function is f64 add, the callee of the "call" case
      if (i === 0) {
        expect(mb.func(null, ["f64", "f64"], ["f64"], [], [...args(2), op.f64Add()].flat())).to.equal(0);
        watFuncs.push("(func (param f64 f64) (result f64) local.get 0 local.get 1 f64.add)");
      }
      mb.func(`f${i}`, c.params, c.results, c.locals ?? [], c.code.flat());
      watFuncs.push(`(func (export "f${i}") ${sig} ${c.wat})`);
    });
    const ours = mb.bytes();
    const theirs = assemble(`(module (memory (export "memory") 2)\n${watFuncs.join("\n")})`);
    expect(WebAssembly.validate(ours)).to.equal(true);
    // compare function by function first, for a readable failure
    if (Buffer.compare(Buffer.from(ours), Buffer.from(theirs)) !== 0) {
      cases.forEach((c, i) => {
        const one = new ModuleBuilder({ memoryPages: 2 });
        one.func(null, ["f64", "f64"], ["f64"], [], [...args(2), op.f64Add()].flat());
        one.func(`f${i}`, c.params, c.results, c.locals ?? [], c.code.flat());
        const sig = `${c.params.map((t) => `(param ${t})`).join(" ")} ${c.results.map((t) => `(result ${t})`).join(" ")}`;
        const w = assemble(`(module (memory (export "memory") 2) ${watFuncs[0]} (func (export "f${i}") ${sig} ${c.wat}))`);
        expect(Array.from(one.bytes()), `${c.name}: ${c.wat}`).to.deep.equal(Array.from(w));
      });
    }
    expect(Array.from(ours)).to.deep.equal(Array.from(theirs));
  });

  it("deduplicates types and exports only named functions", () => {
    const mb = new ModuleBuilder({ memoryPages: 1 });
    mb.func("a", ["f64"], ["f64"], [], op.localGet(0));
    mb.func(null, ["i32"], [], [], []);
    mb.func("c", ["f64"], ["f64"], [], [op.localGet(0), op.f64Neg()].flat());
    const theirs = assemble(`(module (memory (export "memory") 1)
      (func (export "a") (param f64) (result f64) local.get 0)
      (func (param i32))
      (func (export "c") (param f64) (result f64) local.get 0 f64.neg))`);
    expect(Array.from(mb.bytes())).to.deep.equal(Array.from(theirs));
    expect(() => mb.func("a", [], [], [], [])).to.throw(/duplicate export/);
  });
});

describe("wasm-binary: running built functions", () => {
  const mb = new ModuleBuilder({ memoryPages: 1 });
  // sum(ptr, n): f64 sum of n values at ptr (a loop with a pointer)
  const [P, N, S, END] = [0, 1, 2, 3];
  mb.func(
    "sum",
    ["i32", "i32"],
    ["f64"],
    ["f64", "i32"],
    [
      op.localGet(P),
      op.localGet(N),
      op.i32Const(3),
      op.i32Shl(),
      op.i32Add(),
      op.localSet(END),
      op.block(),
      op.localGet(P),
      op.localGet(END),
      op.i32GeU(),
      op.brIf(0),
      op.loop(),
      op.localGet(S),
      op.localGet(P),
      op.f64Load(),
      op.f64Add(),
      op.localSet(S),
      op.localGet(P),
      op.i32Const(8),
      op.i32Add(),
      op.localTee(P),
      op.localGet(END),
      op.i32LtU(),
      op.brIf(0),
      op.end(),
      op.end(),
      op.localGet(S),
    ].flat(),
  );
  // vec(ptr): [a0, a1] at ptr, [b0, b1] at ptr+16 -> at ptr+32: sqrt(a*b + b) lane-wise, then max/floor/splat/extract mix
  mb.func(
    "vec",
    ["i32"],
    [],
    [],
    [
      op.localGet(0),
      op.localGet(0),
      op.v128Load(),
      op.localGet(0),
      op.v128Load(16),
      op.f64x2Mul(),
      op.localGet(0),
      op.v128Load(16),
      op.f64x2Add(),
      op.f64x2Sqrt(),
      op.v128Store(32),
      // at ptr+48: lanes (floor(a1), a0 + b1) built with splat, replace_lane and extract_lane
      op.localGet(0),
      op.localGet(0),
      op.v128Load(),
      op.f64x2ExtractLane(1),
      op.f64Floor(),
      op.f64x2Splat(),
      op.localGet(0),
      op.f64Load(0),
      op.localGet(0),
      op.f64Load(24),
      op.f64Add(),
      op.f64x2ReplaceLane(1),
      op.v128Store(48),
    ].flat(),
  );
  // pick(x): x > 0 ? helper(x) : -x, with a call and if/else into a local
  const helper = mb.func(null, ["f64"], ["f64"], [], [op.localGet(0), op.f64Const(2), op.f64Mul()].flat());
  mb.func(
    "pick",
    ["f64"],
    ["f64"],
    ["f64"],
    [
      op.localGet(0),
      op.f64Const(0),
      op.f64Gt(),
      op.if_(),
      op.localGet(0),
      op.call(helper),
      op.localSet(1),
      op.else_(),
      op.localGet(0),
      op.f64Neg(),
      op.localSet(1),
      op.end(),
      op.localGet(1),
    ].flat(),
  );
  mb.func("consts", [], ["i64"], [], [op.i64Const(3n), op.drop(), op.i64Const(-(2n ** 62n))].flat());
  mb.func("i32min", [], ["i32"], [], op.i32Const(-(2 ** 31)));
  // bits(x): exponent field of x via i64x2 lanes, as f64 (shr_u, and, or with 2^52's bits, sub)
  mb.func(
    "bits",
    ["f64"],
    ["f64"],
    [],
    [
      op.localGet(0),
      op.f64x2Splat(),
      op.i32Const(52),
      op.i64x2ShrU(),
      op.v128ConstI64(0x7ffn, 0x7ffn),
      op.v128And(),
      op.v128ConstI64(0x4330000000000000n, 0x4330000000000000n),
      op.v128Or(),
      op.v128ConstF64(2 ** 52, 2 ** 52),
      op.f64x2Sub(),
      op.f64x2ExtractLane(0),
    ].flat(),
  );
  const bytes = mb.bytes();
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, any>;
  const f64 = new Float64Array((ex.memory as WebAssembly.Memory).buffer);

  it("validates", () => expect(WebAssembly.validate(bytes)).to.equal(true));
  it("runs a loop", () => {
    f64.set([1, 2, 3, 4.5], 4);
    expect(ex.sum(32, 4)).to.equal(10.5);
    expect(ex.sum(32, 0)).to.equal(0);
  });
  it("runs SIMD arithmetic and lane access", () => {
    f64.set([2, 3, 4, 6], 0);
    ex.vec(0);
    expect(Array.from(f64.subarray(4, 8))).to.deep.equal([Math.sqrt(12), Math.sqrt(24), 3, 8]);
  });
  it("runs calls, if/else and constants", () => {
    expect(ex.pick(1.5)).to.equal(3);
    expect(ex.pick(-1.5)).to.equal(1.5);
    expect(ex.consts()).to.equal(-(2n ** 62n));
    expect(ex.i32min()).to.equal(-(2 ** 31));
    expect(ex.bits(1)).to.equal(1023);
    expect(ex.bits(2 ** -1000)).to.equal(23);
  });
});
