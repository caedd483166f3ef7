// The package as a user gets it: `npm pack` (prepack builds dist/) and the tarball installed into a
// fresh project elsewhere, made once per test run and shared by the test files that need it.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./aot.js";

// Under `npm test`, npm exports its own context (npm_config_local_prefix points at this repo,
// npm_package_* describe it); a nested npm must not see it, or it would install into the repo.
export const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|command$|execpath$|node_execpath$|config_local_prefix$|config_call$)/i.test(k)),
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

let packedOnce: { tmp: string; tarball: string; packed: PackedProject["packed"] } | null = null;

/** `npm pack` of this repository, once per test run (the folder is removed when the process exits). */
function pack(): NonNullable<typeof packedOnce> {
  if (packedOnce) return packedOnce;
  const tmp = mkdtempSync(join(tmpdir(), "tsmc-pack-"));
  process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
  const packDir = join(tmp, "pack");
  mkdirSync(packDir);
  // --json keeps stdout machine readable; prepack's build output goes to stderr.
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", packDir], root))[0];
  packedOnce = { tmp, tarball: join(packDir, packed.filename), packed };
  return packedOnce;
}

/** A fresh project with the tarball and `extra` packages installed. */
function install(name: string, extra: string[]): PackedProject {
  const { tmp, tarball, packed } = pack();
  const project = join(tmp, name);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "tsmc-user", version: "1.0.0", private: true, type: "module" }, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...extra], project);
  return { project, packed };
}

/** tsmc's optional peers (the build pass) at the versions this repository tests with. */
function buildPeers(): string[] {
  const dev: Record<string, string> = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;
  return ["ts-morph", "rollup"].map((p) => `${p}@${dev[p]}`);
}

let withPeers: PackedProject | null = null;
let runtimeOnly: PackedProject | null = null;

/** A user's project that builds ahead of time: tsmc with ts-morph and rollup (made on first call). */
export function packedProject(): PackedProject {
  return (withPeers ??= install("user-project", buildPeers()));
}

/** A user's project with tsmc alone, as `npm install tsmc` makes it: no build pass. */
export function runtimeOnlyProject(): PackedProject {
  return (runtimeOnly ??= install("runtime-only-project", []));
}
