// The build pass needs ts-morph (to read the user's modules) and rollup (to evaluate them): tsmc's
// optional peer dependencies, so that a user who only runs compiled models, or compiles in process,
// installs neither. The plugin and the command line load the pass through here, on first need, and
// a missing peer is an error that says what to install, not a stack trace from the module loader.

export const BUILD_PEERS = ["ts-morph", "rollup"] as const;

/** Cheap first looks at a module's text, before anything is parsed (no ts-morph needed). */
export function mayDeclareModels(code: string): boolean {
  return code.includes("tsmc") && code.includes("model");
}

const SAMPLER_HINT = /\b(?:sample|sampleAsync|samplePriorPredictive|samplePosteriorPredictive|fit)\b/;

/** False means the module surely reads no sampling method. */
export function mayReadSampler(code: string): boolean {
  return SAMPLER_HINT.test(code);
}

/** The peer a failed import was looking for, if it is one of ours. */
function missingPeer(e: unknown): string | null {
  const { code, message } = (e ?? {}) as { code?: string; message?: string };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return null;
  const name = /Cannot find (?:package|module) '([^']+)'/.exec(message ?? "")?.[1];
  return BUILD_PEERS.find((p) => name === p || name?.startsWith(`${p}/`)) ?? null;
}

export class MissingPeerError extends Error {
  constructor(
    readonly peer: string,
    what: string,
  ) {
    super(
      `${what} needs ${BUILD_PEERS.join(" and ")} installed beside tsmc (optional peer dependencies; '${peer}' was not found). ` +
        `Install them with: npm install --save-dev ${BUILD_PEERS.join(" ")}`,
    );
    this.name = "MissingPeerError";
  }
}

let pass: Promise<typeof import("./index.js")> | null = null;

/** The build pass, loaded once. `what` names the caller in the error ("tsmc build", "the tsmc rollup plugin"). */
export async function loadBuildPass(what: string): Promise<typeof import("./index.js")> {
  pass ??= import("./index.js");
  try {
    return await pass;
  } catch (e) {
    pass = null;
    const peer = missingPeer(e);
    throw peer ? new MissingPeerError(peer, what) : e;
  }
}
