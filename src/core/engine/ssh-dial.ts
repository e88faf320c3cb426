import type Docker from "dockerode";
import { Agent, type ClientRequestArgs } from "node:http";
import { connect as connectTcp, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";

/** Channels one SSH connection carries at once: below OpenSSH's default MaxSessions (10). */
export const CHANNELS_PER_CONNECTION = 8;
/** An SSH connection with no channel in use (none open, or all kept for later requests) is closed after this long. */
const IDLE_CLOSE_MS = 10_000;

/** One SSH connection and the channels it carries. */
interface Connection {
  client: Client;
  socket: Socket;
  ready: Promise<void>;
  channels: Set<ClientChannel>;
  /** Channels being opened or open (a request counts from the moment it picks this connection). */
  inUse: number;
  /** Of those, the ones carrying a request now (not kept idle by the agent between requests). */
  busy: number;
  /** How many channels it may carry: lowered when the server refuses one (its MaxSessions). */
  capacity: number;
  closed: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * An HTTP agent whose every connection is `docker system dial-stdio` run on the host over SSH:
 * the Docker CLI's own way to reach an engine at ssh://. Each HTTP connection is one SSH channel,
 * kept open between requests (HTTP keep-alive: the engine's server keeps the connection, and the
 * host does not start a `docker` process for every API call); the channels share SSH connections
 * (up to CHANNELS_PER_CONNECTION each), so a deploy's hundreds of API calls cost a handshake or
 * two and a few channels. A connection with no request under way never keeps the process alive
 * (its socket is unref'd, and it has no SSH keepalive timer: TCP keepalive watches it instead)
 * and is closed, with its idle channels, after IDLE_CLOSE_MS.
 */
export class SshDialAgent extends Agent {
  private readonly ssh: ConnectConfig;
  private readonly pool: Connection[] = [];
  /** SSH connections opened so far. */
  connectionsOpened = 0;
  /** SSH channels (`docker system dial-stdio` on the host) opened so far. */
  channelsOpened = 0;

  private readonly idleCloseMs: number;

  constructor(ssh: ConnectConfig, opts: { idleCloseMs?: number } = {}) {
    super({ keepAlive: true });
    this.ssh = ssh;
    this.idleCloseMs = opts.idleCloseMs ?? IDLE_CLOSE_MS;
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = callback ?? (() => undefined);
    this.openChannel().then((stream) => done(null, stream), (err: Error) => done(err, undefined as never));
    return undefined;
  }

  /** Closes every SSH connection now. */
  close(): void {
    for (const c of [...this.pool]) this.drop(c);
  }

  private async openChannel(): Promise<Duplex> {
    const conn = this.pool.find((c) => !c.closed && c.inUse < c.capacity) ?? this.connect();
    this.take(conn);
    let channel: ClientChannel;
    try {
      await conn.ready;
      channel = await new Promise<ClientChannel>((resolve, reject) => conn.client.exec("docker system dial-stdio", (err, ch) => (err ? reject(err) : resolve(ch))));
    } catch (e) {
      this.release(conn);
      // The server refused one more channel on a connection that carries others (its MaxSessions):
      // that connection keeps what it has, the request goes to another.
      if (!conn.closed && conn.inUse > 0 && /open failed|Channel open failure/i.test((e as Error).message)) {
        conn.capacity = conn.inUse;
        return this.openChannel();
      }
      throw e;
    }
    conn.channels.add(channel);
    this.channelsOpened++;
    // What Node's agent calls on a socket it keeps between requests: unref() when it becomes
    // free, ref() when a request takes it again; TCP options mean nothing on a channel.
    let idle = false;
    let gone = false;
    const socketLike = channel as unknown as Duplex & Record<string, unknown>;
    Object.assign(socketLike, {
      timeout: 0,
      setKeepAlive: () => socketLike,
      setNoDelay: () => socketLike,
      setTimeout: () => socketLike,
      unref: () => {
        if (!idle && !gone) {
          idle = true;
          conn.busy--;
          this.settle(conn);
        }
        return socketLike;
      },
      ref: () => {
        if (idle && !gone) {
          idle = false;
          conn.busy++;
          clearTimeout(conn.idleTimer);
          conn.socket.ref();
        }
        return socketLike;
      },
    });
    channel.once("close", () => {
      gone = true;
      conn.channels.delete(channel);
      this.release(conn, idle);
    });
    return socketLike;
  }

  private connect(): Connection {
    const { keepaliveInterval: _k, ...config } = this.ssh;
    const socket = connectTcp({ host: config.host ?? "localhost", port: config.port ?? 22 });
    socket.setKeepAlive(true, 15_000);
    const client = new Client();
    const conn: Connection = { client, socket, ready: Promise.resolve(), channels: new Set(), inUse: 0, busy: 0, capacity: CHANNELS_PER_CONNECTION, closed: false };
    conn.ready = new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve());
      client.on("error", (err) => {
        reject(err);
        // A channel in flight ends with the connection's error (the request fails with it).
        for (const ch of conn.channels) (ch as unknown as Duplex).destroy(err);
        this.drop(conn);
      });
      client.once("close", () => this.drop(conn));
    });
    conn.ready.catch(() => undefined); // every waiter handles it; this only silences the spare
    client.connect({ ...config, sock: socket });
    this.pool.push(conn);
    this.connectionsOpened++;
    return conn;
  }

  private take(conn: Connection): void {
    conn.inUse++;
    conn.busy++;
    clearTimeout(conn.idleTimer);
    conn.socket.ref();
  }

  /** A channel closed (or could not be opened); `wasIdle` when the agent was keeping it free. */
  private release(conn: Connection, wasIdle = false): void {
    conn.inUse--;
    if (!wasIdle) conn.busy--;
    this.settle(conn);
  }

  /** With no request under way, the connection stops holding the process and closes after IDLE_CLOSE_MS. */
  private settle(conn: Connection): void {
    if (conn.busy > 0 || conn.closed) return;
    clearTimeout(conn.idleTimer);
    conn.socket.unref();
    conn.idleTimer = setTimeout(() => this.drop(conn), this.idleCloseMs).unref();
  }

  private drop(conn: Connection): void {
    clearTimeout(conn.idleTimer);
    const i = this.pool.indexOf(conn);
    if (i >= 0) this.pool.splice(i, 1);
    if (conn.closed) return;
    conn.closed = true;
    // The channels the agent keeps for later requests go now, destroyed: it drops them from its
    // free list at once (a request written into a channel of a closed connection would wait forever).
    for (const ch of conn.channels) (ch as unknown as Duplex).destroy();
    conn.client.end();
    conn.socket.unref();
  }
}

/**
 * dockerode options for an engine reached over SSH. docker-modem's own `protocol: "ssh"` builds
 * each request's URL as `ssh:HOST:PORTHOST` (url.format treats ssh: as a scheme without `//`),
 * and Node's url.parse warns (DEP0170) on every API call. As plain HTTP through this agent the
 * URL is a valid http://HOST:PORT/… that only names the request; the agent makes the connection.
 */
export function sshEngineOptions(ssh: ConnectConfig, opts: { idleCloseMs?: number } = {}): Docker.DockerOptions {
  // docker-modem takes `agent` (used for every request); @types/dockerode does not list it.
  const options = { protocol: "http", host: ssh.host ?? "localhost", port: ssh.port ?? 22, agent: new SshDialAgent(ssh, opts) };
  return options as Docker.DockerOptions;
}
