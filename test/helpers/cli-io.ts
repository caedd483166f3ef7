// The standard streams `tsmc sample` writes to, captured as text (a TTY or not, for its progress bars).
import type { SampleIO } from "../../compiler/cli-sample.js";

export function captureIO(tty = false): SampleIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: { write: (s: string) => ((io.out += s), true) },
    stderr: { write: (s: string) => ((io.err += s), true), isTTY: tty },
  };
  return io;
}
