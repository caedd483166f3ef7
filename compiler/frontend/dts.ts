// The declaration file of a compiled module: the module's own declarations (TypeScript's
// isolated declaration emit), each compiled model typed with its point: value-variable names,
// `number` for scalars, arrays for the rest, e.g. `{ mu: number; sigma_log__: number; x: number }`.
import MagicString from "magic-string";
import { ts } from "ts-morph";
import type { ModelMeta } from "../../runtime/index.js";
import type { EmittedRuntimeName } from "../emit/runtime-names.js";
import type { Analysis } from "./analyze.js";
import type { CompiledDeclaration } from "./transform.js";

/** A property key: the name itself when it is an identifier, else a string literal. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function inputType(shape: readonly (number | null)[]): string {
  return shape.length === 0 ? "number" : `Float64Array | number${"[]".repeat(shape.length)} | __tsmc_NDArray`;
}

function outputType(shape: readonly (number | null)[]): string {
  return shape.length === 0 ? "number" : "__tsmc_NDArray";
}

function objectType(entries: [string, string][]): string {
  return entries.length ? `{ ${entries.map(([k, t]) => `${propertyKey(k)}: ${t}`).join("; ")} }` : "{}";
}

/** The point type a model's logp and dlogp take: `{ mu: number; sigma_log__: number; x: number }`. */
export function pointType(meta: ModelMeta): string {
  return objectType(meta.valueVars.map((v) => [v.name, inputType(v.shape)]));
}

/** The declarations for one compiled model: its point types and an interface extending CompiledModel. */
export function modelTypes(meta: ModelMeta, i: number): string {
  const point = pointType(meta);
  const out = objectType(meta.valueVars.map((v) => [v.name, outputType(v.shape)]));
  const terms = objectType((meta.termNames ?? []).map((n) => [n, "number"]));
  const draws = objectType((meta.drawNames ?? []).map((n) => [n, "number | __tsmc_NDArray"]));
  const data = objectType((meta.data ?? []).map((d) => [d.name, inputType(d.shape)]));
  return [
    `/** The point of model ${JSON.stringify(meta.name).replace(/\*\//g, "*\\/")}: its value variables by name. */`,
    `type __tsmc_Point${i} = ${point};`,
    `interface __tsmc_Model${i} extends __tsmc_CompiledModel {`,
    `  initialPoint(): ${out};`,
    `  logp(point: __tsmc_Point${i}): number;`,
    `  logpTerms(point: __tsmc_Point${i}): ${terms};`,
    `  dlogp(point: __tsmc_Point${i}): ${out};`,
    `  toFlat(point: __tsmc_Point${i}): Float64Array;`,
    `  fromFlat(x: Float64Array): ${out};`,
    `  draw(opts?: { draws?: number; seed?: number | string }): ${draws};`,
    `  withData(values: Partial<${data}>): __tsmc_Model${i};`,
    `}`,
  ].join("\n");
}

/** The runtime classes a compiled module's declarations name (as `__tsmc_<name>`). */
const DECLARED: readonly EmittedRuntimeName[] = ["CompiledModel", "NDArray"];

/**
 * The .d.ts text of a compiled module: each model() call typed as its compiled model, everything
 * else as TypeScript declares it (a JavaScript module is read as TypeScript: untyped is `any`).
 */
export function declarationText(a: Analysis, models: readonly CompiledDeclaration[], insertAt: number): string {
  const s = new MagicString(a.code);
  for (const c of a.calls) s.overwrite(c.start, c.end, `(undefined as unknown as __tsmc_Model${c.index})`);
  const header = [
    `import type { ${DECLARED.map((n) => `${n} as __tsmc_${n}`).join(", ")} } from "tsmc/runtime";`,
    ...models.map((m) => modelTypes(m.meta, m.index)),
  ].join("\n");
  s.appendLeft(insertAt, `${insertAt > 0 ? "\n" : ""}${header}\n`);
  const fileName = a.file.replace(/\.(m|c)?jsx?$/, (ext) => ext.replace("js", "ts"));
  const out = ts.transpileDeclaration(s.toString(), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, stripInternal: false },
  });
  return out.outputText;
}
