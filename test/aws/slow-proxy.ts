/**
 * An HTTP proxy on loopback that holds every request for a while before passing it to moto,
 * so that a create's steps last long enough to be interrupted in the middle of one. moto still
 * answers every call; only the timing changes.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlowProxy {
  endpoint: string;
  close(): Promise<void>;
}

export async function slowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const out = request(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on("error", () => res.destroy());
        out.end(Buffer.concat(body));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
