/** Whether a TCP port answers: one bounded connect to exactly the given address, nothing else. */
import { connect } from "node:net";

export type PortProbe = (host: string, port: number, timeoutMs: number) => Promise<boolean>;

export const tcpProbe: PortProbe = (host, port, timeoutMs) =>
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
