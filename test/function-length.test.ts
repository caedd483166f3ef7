// No function a reader must scroll through: every function, method and arrow function in the
// shipped sources (compiler/, runtime/, plugin-rollup/, plots/; vendored code aside) is at most 100 lines.
import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { root } from "./helpers/aot.js";

const LIMIT = 100;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "vendor" ? [] : sources(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** Functions longer than `limit` lines, as "file:line name (n lines)". */
function longFunctions(file: string, limit: number): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const lines = sf.getLineAndCharacterOfPosition(node.end).line - first + 1;
      const name = node.name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : "(anonymous)");
      if (lines > limit) found.push(`${relative(root, file)}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("code shape", () => {
  it(`no function in compiler/, runtime/, plugin-rollup/ or plots/ is over ${LIMIT} lines`, () => {
    const files = ["compiler", "runtime", "plugin-rollup", "plots"].flatMap((d) => sources(join(root, d)));
    expect(files.length).to.be.greaterThan(50);
    expect(files.flatMap((f) => longFunctions(f, LIMIT))).to.deep.equal([]);
  });

  it("the check sees a long function", () => {
    const file = join(root, "compiler", "pipeline.ts");
    expect(longFunctions(file, 5).length).to.be.greaterThan(0);
  });
});
