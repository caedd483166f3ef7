// Which modules sample. The samplers are not part of a compiled model: the build pass imports
// "tsmc/sampler" into each module that reads `.sample`, `.sampleAsync`, `.samplePriorPredictive` or
// `.samplePosteriorPredictive` off anything, and "tsmc/vi" (ADVI) into each that reads `.fit`, so a
// bundle carries only the inference it calls. A false positive (another object's `.sample` or
// `.fit`) costs only bytes.
import { ts } from "ts-morph";
import { parseModule } from "./analyze.js";
import { mayReadSampler } from "./load.js";

export const SAMPLER_MODULE = "tsmc/sampler";
export const VI_MODULE = "tsmc/vi";

/** Each inference method, and the module that installs it. */
const METHODS = new Map([
  ["sample", SAMPLER_MODULE],
  ["sampleAsync", SAMPLER_MODULE],
  ["samplePriorPredictive", SAMPLER_MODULE],
  ["samplePosteriorPredictive", SAMPLER_MODULE],
  ["fit", VI_MODULE],
]);

/**
 * The module's syntax tree and the modules to link when it reads inference methods (`m.sample(...)`,
 * `m?.sample`, `m["fit"]`), else null.
 */
export function samplingModule(code: string, file: string): { sf: ts.SourceFile; modules: string[] } | null {
  if (!mayReadSampler(code)) return null;
  const sf = parseModule(code, file);
  const modules = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && METHODS.has(node.name.text)) modules.add(METHODS.get(node.name.text)!);
    else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && METHODS.has(node.argumentExpression.text)) {
      modules.add(METHODS.get(node.argumentExpression.text)!);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return modules.size ? { sf, modules: [SAMPLER_MODULE, VI_MODULE].filter((m) => modules.has(m)) } : null;
}

export const readsSampler = (code: string, file: string): boolean => samplingModule(code, file) !== null;
