// The package as a user gets it: `npm pack` (prepack builds dist/) and the tarball installed into a
// fresh project elsewhere, made once per test run and shared by the test files that need it.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./aot.js";

// Under `npm test`, npm exports its own context (npm_config_local_prefix points at this repo,
// npm_package_* describe it); a nested npm must not see it, or it would install into the repo.
export const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_(package_|lifecycle_|command$|execpath$|node_execpath$|config_local_prefix$|config_call$)/i.test(k),
  ),
);

export function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, env: childEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

export interface PackedProject {
  /** The user's project, with tsmc installed from the tarball. */
  project: string;
  packed: { filename: string; size: number; files: { path: string }[] };
}

let made: PackedProject | null = null;

/** The packed and installed project (made on first call, removed when the process exits). */
export function packedProject(): PackedProject {
  if (made) return made;
  const tmp = mkdtempSync(join(tmpdir(), "tsmc-pack-"));
  process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
  const packDir = join(tmp, "pack");
  mkdirSync(packDir);
  // --json keeps stdout machine readable; prepack's build output goes to stderr.
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", packDir], root))[0];
  const project = join(tmp, "user-project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "tsmc-user", version: "1.0.0", private: true, type: "module" }, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(packDir, packed.filename)], project);
  made = { project, packed };
  return made;
}
