// Which modules sample. The samplers are not part of a compiled model: the build pass imports
// "tsmc/sampler" into each module that reads `.sample`, `.sampleAsync`, `.samplePriorPredictive` or
// `.samplePosteriorPredictive` off anything, so a bundle that never samples carries no sampler and
// one that samples carries it. A false positive (another object's `.sample`) costs only bytes.
import { ts } from "ts-morph";
import { scriptKindOf } from "./analyze.js";

export const SAMPLER_MODULE = "tsmc/sampler";

const METHODS = new Set(["sample", "sampleAsync", "samplePriorPredictive", "samplePosteriorPredictive"]);
const HINT = /\b(?:sample|sampleAsync|samplePriorPredictive|samplePosteriorPredictive)\b/;

/** A cheap first look: false means the module surely reads no sampling method. */
export function mayReadSampler(code: string): boolean {
  return HINT.test(code);
}

/** True when the module reads one of the sampling methods (`m.sample(...)`, `m?.sample`, `m["sample"]`). */
export function readsSampler(code: string, file: string): boolean {
  if (!mayReadSampler(code)) return false;
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, false, scriptKindOf(file));
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(node) && METHODS.has(node.name.text)) found = true;
    else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && METHODS.has(node.argumentExpression.text)) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Where an import may go: after a `#!` line and the directive prologue ("use strict"). */
export function importPosition(code: string, file: string): number {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, false, scriptKindOf(file));
  let end = code.startsWith("#!") ? code.indexOf("\n") + 1 || code.length : 0;
  for (const st of sf.statements) {
    if (ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression)) end = st.getEnd();
    else break;
  }
  return end;
}
