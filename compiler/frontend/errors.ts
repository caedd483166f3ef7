// Build errors at the user's source location: `file:line:column: reason` and a code frame.
import { codeFrameColumns } from "@babel/code-frame";
import { readFileSync } from "node:fs";
import { relative } from "node:path";

export interface SourcePosition {
  /** Absolute path of the user's file. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based (as editors and `tsc` print it). */
  readonly column: number;
}

/** A mistake in the user's model, located in the user's source. */
/** Marks build errors for `instanceof`, so that it holds across copies of this module (see below). */
const BUILD_ERROR = Symbol.for("tsmc.TsmcBuildError");

export class TsmcBuildError extends Error {
  /**
   * The plugin and the command line load the build pass with a dynamic import, and a loader (tsx
   * under a test runner, a bundled config file) may give that import its own copy of this module:
   * instanceof asks for the mark, not for this copy's class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [BUILD_ERROR]?: true })[BUILD_ERROR] === true;
  }
  readonly [BUILD_ERROR] = true;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The one-line reason, without location. */
  readonly reason: string;
  /** The user's source around the location, with a marker. */
  readonly frame: string;

  constructor(pos: SourcePosition, reason: string, source?: string) {
    reason = userWords(reason);
    const text = source ?? readSource(pos.file);
    const frame = text === undefined ? "" : codeFrame(text, pos.line, pos.column);
    super(`${displayPath(pos.file)}:${pos.line}:${pos.column}: ${reason}${frame ? `\n\n${frame}` : ""}`);
    this.name = "TsmcBuildError";
    this.file = pos.file;
    this.line = pos.line;
    this.column = pos.column;
    this.reason = reason;
    this.frame = frame;
  }

  /** `file:line:column: reason` with the path relative to `cwd` (what the CLI prints). */
  format(cwd = process.cwd()): string {
    return `${relative(cwd, this.file) || this.file}:${this.line}:${this.column}: ${this.reason}${this.frame ? `\n\n${this.frame}` : ""}`;
  }
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * A message in the user's words: the build resolves tsmc's own modules as rollup ids such as
 * `\0tsmc-self:tsmc`, which the user wrote as "tsmc" (and a NUL byte never belongs in a message).
 */
export function userWords(text: string): string {
  return text.replace(/\0tsmc-self:/g, "").replace(/\0/g, "");
}

export function codeFrame(source: string, line: number, column: number): string {
  return codeFrameColumns(source, { start: { line, column } }, { highlightCode: false, linesAbove: 2, linesBelow: 2 });
}

/** The first line of an error message: the reason, without the compiler's stack. */
export function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = message.split("\n").find((l) => l.trim() !== "") ?? message;
  return line.trim();
}
