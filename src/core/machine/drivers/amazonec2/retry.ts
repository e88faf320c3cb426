/**
 * Retries and waits for AWS calls. Sleep is injected so tests never wait; every wait is bounded
 * and stops early when the create is interrupted.
 */
import { UserError } from "../../../errors.js";
import { Interrupted } from "../../../interrupt.js";
import { isThrottle, isTimeout } from "./aws-errors.js";

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

export class InterruptedError extends Interrupted {
  constructor() {
    super("Interrupted: the machine's cloud resources made so far were removed.");
  }
}

export interface RetryPolicy {
  sleep: Sleep;
  /** Attempts for throttling, on top of the SDK's own retries. */
  throttleAttempts: number;
  /** First backoff in ms; doubles each attempt, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy = (sleep: Sleep = realSleep): RetryPolicy => ({
  sleep,
  throttleAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
});

export function backoff(policy: RetryPolicy, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

export interface CallOptions {
  /** Idempotent call (ClientToken): a timeout is retried with the very same input. */
  retryTimeouts?: boolean;
  /** Further error codes to wait out (eventual consistency), with their own bound. */
  retryCodes?: string[];
  /** Attempts for retryCodes (default 12: about two minutes with the default backoff). */
  attempts?: number;
}

/** Runs fn, retrying throttling (and what opts names) with exponential backoff. */
export async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>, opts: CallOptions = {}): Promise<T> {
  const codeAttempts = opts.attempts ?? 12;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { name?: string; Code?: string }).Code ?? (e as { name?: string }).name ?? "";
      const throttled = isThrottle(e) && attempt + 1 < policy.throttleAttempts;
      const timedOut = opts.retryTimeouts === true && isTimeout(e) && attempt + 1 < 4;
      const waiting = (opts.retryCodes ?? []).includes(code) && attempt + 1 < codeAttempts;
      if (!throttled && !timedOut && !waiting) throw e;
      await policy.sleep(backoff(policy, attempt));
    }
  }
}

/**
 * Polls check until it returns a value (not undefined) or timeoutMs of sleeping has passed.
 * Time counts the sleeps or the clock, whichever is more, so an injected sleep makes the bound exact in tests.
 */
export async function pollUntil<T>(
  policy: RetryPolicy,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs: number; signal?: AbortSignal; what: string },
): Promise<T> {
  const started = Date.now();
  let slept = 0;
  const waited = () => Math.max(slept, Date.now() - started);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (opts.signal?.aborted) throw new InterruptedError();
    if (waited() >= opts.timeoutMs) throw new WaitTimeoutError(opts.what, opts.timeoutMs);
    const ms = Math.max(1, Math.min(opts.intervalMs, opts.timeoutMs - waited()));
    await policy.sleep(ms, opts.signal);
    slept += ms;
  }
}

export class WaitTimeoutError extends UserError {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: not within ${Math.round(timeoutMs / 1000)} s.`);
  }
}
