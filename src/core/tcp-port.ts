import { connect, createServer } from "node:net";

/** Whether host:port accepts a TCP connection within timeoutMs (false on refusal, error or timeout). */
export type PortProbe = (host: string, port: number, timeoutMs: number) => Promise<boolean>;

/** The one TCP probe: a bounded connect to exactly the given address, nothing else. */
export const tcpAnswers: PortProbe = (host, port, timeoutMs) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });

/**
 * True when nothing on this machine listens on host:port (fdock's own nginx excepted by the
 * caller). A port this user may not bind (below 1024, not root) counts as free: dockerd, not this
 * process, will bind it, and only another listener stops it.
 */
export function portIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "EACCES"));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
