import { Interrupted } from "../interrupt.js";

/** A deploy stopped by its AbortSignal (Ctrl-C) after the step in flight; what it started is gone. */
export class DeployInterrupted extends Interrupted {
  constructor(detail = "fdock removed what it had started.") {
    super(`The deploy was interrupted: ${detail}`, "Nothing was switched: the running version (if any) still serves. Run the command again to deploy.");
  }
}

/** Throws DeployInterrupted once the signal has fired: called between the steps of a deploy. */
export function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DeployInterrupted();
}
