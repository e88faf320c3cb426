import { UserError } from "./errors.js";

/** The user interrupted the command (Ctrl-C); what was cleaned up is in the message. Exit code 130, as a shell gives. */
export class Interrupted extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, undefined, 130);
  }
}

/** Throws Interrupted between two steps once the signal is aborted. */
export function stopIfAborted(signal: AbortSignal | undefined, message: string, hint?: string): void {
  if (signal?.aborted) throw new Interrupted(message, hint);
}
