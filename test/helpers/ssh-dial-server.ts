import { connect as connectSocket } from "node:net";
import type { AddressInfo } from "node:net";
import { Server } from "ssh2";
import { throwawaySshKey } from "./ssh-key.js";

/**
 * An SSH server in this process whose `docker system dial-stdio` connects to the local engine's
 * socket, as the docker CLI on a machine does: dockerode talks to a real engine over real SSH.
 * `maxSessions` is sshd's MaxSessions (channels one connection may have open at once);
 * `connections()` counts the SSH connections made to it.
 */
export function dialStdioServer(opts: { maxSessions?: number } = {}): Promise<{ server: Server; port: number; connections: () => number }> {
  const hostKey = throwawaySshKey();
  let connections = 0;
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    connections++;
    let sessions = 0;
    client.on("authentication", (ctx) => ctx.accept());
    client.on("error", () => undefined);
    client.on("session", (accept, reject) => {
      if (opts.maxSessions !== undefined && sessions >= opts.maxSessions) return reject();
      sessions++;
      const session = accept();
      session.on("close", () => sessions--);
      session.on("exec", (acceptExec, _reject, info) => {
        const channel = acceptExec();
        if (info.command !== "docker system dial-stdio") {
          channel.exit(127);
          channel.end();
          return;
        }
        const engine = connectSocket("/var/run/docker.sock");
        channel.pipe(engine).pipe(channel);
        engine.on("close", () => { channel.exit(0); channel.end(); });
        channel.on("close", () => engine.destroy());
      });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, connections: () => connections })));
}
