// Which modules sample. The samplers are not part of a compiled model: the build pass imports
// "tsmc/sampler" into each module that reads `.sample`, `.sampleAsync`, `.samplePriorPredictive`,
// `.samplePosteriorPredictive` or `.fit` (ADVI) off anything, so a bundle that never samples carries
// no sampler and one that samples carries it. A false positive (another object's `.sample` or
// `.fit`) costs only bytes.
import { ts } from "ts-morph";
import { parseModule } from "./analyze.js";
import { mayReadSampler } from "./load.js";

export const SAMPLER_MODULE = "tsmc/sampler";

const METHODS = new Set(["sample", "sampleAsync", "samplePriorPredictive", "samplePosteriorPredictive", "fit"]);

/** The module's syntax tree when it reads one of the sampling methods (`m.sample(...)`, `m?.sample`, `m["sample"]`), else null. */
export function samplingModule(code: string, file: string): ts.SourceFile | null {
  if (!mayReadSampler(code)) return null;
  const sf = parseModule(code, file);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(node) && METHODS.has(node.name.text)) found = true;
    else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && METHODS.has(node.argumentExpression.text)) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(sf);
  return found ? sf : null;
}

export const readsSampler = (code: string, file: string): boolean => samplingModule(code, file) !== null;
