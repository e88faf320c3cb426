/** What an AWS SDK error means for this driver: its code, and whether to wait or retry. */

export function errorCode(e: unknown): string {
  if (!e || typeof e !== "object") return "";
  const err = e as { name?: string; Code?: string; code?: string };
  return err.Code ?? err.name ?? err.code ?? "";
}

export function hasCode(e: unknown, ...codes: string[]): boolean {
  return codes.includes(errorCode(e));
}

export const THROTTLE_CODES = [
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
];

export function isThrottle(e: unknown): boolean {
  return hasCode(e, ...THROTTLE_CODES);
}

/** A call whose outcome is unknown (timeout, reset): safe to repeat only when idempotent (ClientToken). */
export function isTimeout(e: unknown): boolean {
  const code = errorCode(e);
  return ["TimeoutError", "RequestTimeout", "RequestTimeoutException", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNABORTED"].includes(code);
}

/** Credentials missing, expired or refused. */
export function isCredentialsError(e: unknown): boolean {
  const code = errorCode(e);
  return (
    code === "CredentialsProviderError" ||
    code === "InvalidClientTokenId" ||
    code === "SignatureDoesNotMatch" ||
    code === "ExpiredToken" ||
    code === "ExpiredTokenException" ||
    code === "UnrecognizedClientException" ||
    code === "AuthFailure" ||
    code === "InvalidAccessKeyId" ||
    code === "TokenRefreshRequired"
  );
}

export function isNetworkError(e: unknown): boolean {
  return hasCode(e, "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH");
}
