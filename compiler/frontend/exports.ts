// tsmc's own modules as the build pass sees them: the evaluated code imports this very compiler
// instance under the names the user writes, and a name they do not export is the user's typo.
import * as self from "../index.js";
import * as tensor from "../tensor.js";
import * as runtime from "../../runtime/index.js";
import { noExportReason } from "../model/names.js";

/** The modules "tsmc", "tsmc/tensor" and "tsmc/runtime" by the specifier the user writes. */
export const SELF_MODULES: Readonly<Record<string, Record<string, unknown>>> = { tsmc: self, "tsmc/tensor": tensor, "tsmc/runtime": runtime };

export const isSelfModule = (spec: string): boolean => Object.hasOwn(SELF_MODULES, spec);

/** Null when `module` exports `name`; else the reason, with the nearest export as a suggestion. */
export function missingExport(module: string, name: string): string | null {
  const exports = Object.keys(SELF_MODULES[module]);
  return exports.includes(name) ? null : noExportReason(module, name, exports);
}
