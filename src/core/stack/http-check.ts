import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One GET with an explicit Host header (fetch cannot set one). Over https:// the Host header's
 * name is also the TLS server name (curl --resolve's way to reach a name at an address); the
 * certificate is not verified: this checks that the app answers, not who signed its certificate.
 */
export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const tls = url.startsWith("https:");
    const options = tls ? { headers, timeout: timeoutMs, servername: headers.Host, rejectUnauthorized: false } : { headers, timeout: timeoutMs };
    const req = (tls ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** waitForHttp gave up: the last status seen (null when nothing answered) and what went wrong. */
export class HttpWaitTimeout extends Error {
  constructor(readonly url: string, readonly timeoutMs: number, readonly lastStatus: number | null, readonly last: string) {
    super(`${url} did not answer successfully within ${timeoutMs / 1000} s (last: ${last})`);
  }
}

/** Polls url until it answers below `below` (400 unless told), or gives up after timeoutMs with the last failure. */
export async function waitForHttp(url: string, headers: Record<string, string>, timeoutMs: number, below = 400): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last = "no attempt";
  let lastStatus: number | null = null;
  for (;;) {
    try {
      const answer = await httpGet(url, headers);
      if (answer.status < below) return answer;
      last = `HTTP ${answer.status}`;
      lastStatus = answer.status;
    } catch (e) {
      last = (e as Error).message;
      lastStatus = null;
    }
    if (Date.now() > deadline) throw new HttpWaitTimeout(url, timeoutMs, lastStatus, last);
    await new Promise((r) => setTimeout(r, 250));
  }
}
