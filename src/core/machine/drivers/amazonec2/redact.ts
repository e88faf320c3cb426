/** A last guard: secrets the driver holds never reach a reporter or an error message. */
import type { ProgressEvent, Reporter } from "../../../events.js";

export class Secrets {
  private readonly values = new Set<string>();
  add(value: string | undefined): void {
    if (value && value.length >= 8) this.values.add(value);
  }
  redact(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join("[redacted]");
    return out;
  }
  reporter(inner: Reporter): Reporter {
    return {
      emit: (event: ProgressEvent) => {
        const copy = { ...event } as Record<string, unknown>;
        for (const k of ["title", "error", "message", "text"]) if (typeof copy[k] === "string") copy[k] = this.redact(copy[k] as string);
        inner.emit(copy as ProgressEvent);
      },
    };
  }
  error<E>(e: E): E {
    if (e instanceof Error) {
      e.message = this.redact(e.message);
      if (e.stack) e.stack = this.redact(e.stack); // --verbose prints the stack, which embeds the first message
    }
    return e;
  }
}
