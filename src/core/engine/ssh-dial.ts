import type Docker from "dockerode";
import { Agent, type ClientRequestArgs } from "node:http";
import type { Duplex } from "node:stream";
import { Client, type ConnectConfig } from "ssh2";

/**
 * An HTTP agent whose every connection is `docker system dial-stdio` run on the host over SSH:
 * the Docker CLI's own way to reach an engine at ssh://. One SSH connection per HTTP connection,
 * closed with it, as docker-modem does.
 */
export class SshDialAgent extends Agent {
  constructor(private readonly ssh: ConnectConfig) {
    super({ keepAlive: false });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = callback ?? (() => undefined);
    const conn = new Client();
    let stream: Duplex | undefined;
    conn.on("error", (err) => {
      if (stream) stream.destroy(err);
      else done(err, undefined as never);
    });
    conn.once("ready", () => {
      conn.exec("docker system dial-stdio", (err, channel) => {
        if (err) {
          conn.end();
          done(err, undefined as never);
          return;
        }
        stream = channel as unknown as Duplex;
        channel.once("close", () => conn.end());
        done(null, stream);
      });
    });
    conn.connect(this.ssh);
    return undefined;
  }
}

/**
 * dockerode options for an engine reached over SSH. docker-modem's own `protocol: "ssh"` builds
 * each request's URL as `ssh:HOST:PORTHOST` (url.format treats ssh: as a scheme without `//`),
 * and Node's url.parse warns (DEP0170) on every API call. As plain HTTP through this agent the
 * URL is a valid http://HOST:PORT/… that only names the request; the agent makes the connection.
 */
export function sshEngineOptions(ssh: ConnectConfig): Docker.DockerOptions {
  // docker-modem takes `agent` (used for every request); @types/dockerode does not list it.
  const options = { protocol: "http", host: ssh.host ?? "localhost", port: ssh.port ?? 22, agent: new SshDialAgent(ssh) };
  return options as Docker.DockerOptions;
}
