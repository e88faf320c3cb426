/**
 * A counting TCP relay: listens on one address, pipes every connection to a target, and counts
 * the bytes it forwards each way. The remote-bytes bench puts it in front of a test SSH host's
 * port 22, so `sent` is what the deploying client sent over SSH and `received` what came back.
 */
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface RelayCounts {
  /** Bytes from the clients to the target (client -> host). */
  sent: number;
  /** Bytes from the target back to the clients (host -> client). */
  received: number;
  /** TCP connections accepted so far. */
  connections: number;
}

export interface Relay {
  port: number;
  /** The counts since the relay started (a copy: take one before and one after, and subtract). */
  counts(): RelayCounts;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

export interface RelayOptions {
  listenHost: string;
  /** 0: any free port. */
  listenPort: number;
  targetHost: string;
  targetPort: number;
}

/** The bytes between two count snapshots (after - before), field by field. */
export function countsBetween(before: RelayCounts, after: RelayCounts): RelayCounts {
  return { sent: after.sent - before.sent, received: after.received - before.received, connections: after.connections - before.connections };
}

export function startRelay(o: RelayOptions): Promise<Relay> {
  const counts: RelayCounts = { sent: 0, received: 0, connections: 0 };
  const open = new Set<Socket>();
  // allowHalfOpen: one side's FIN is passed on (pipe ends the other side), not answered by a close.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    counts.connections++;
    const upstream = connect({ host: o.targetHost, port: o.targetPort, allowHalfOpen: true });
    open.add(client).add(upstream);
    const cut = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
    // Counted as it is read: pipe then writes exactly these chunks on (with backpressure).
    client.on("data", (chunk: Buffer) => { counts.sent += chunk.length; });
    upstream.on("data", (chunk: Buffer) => { counts.received += chunk.length; });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.listenPort, o.listenHost, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        counts: () => ({ ...counts }),
        close: () => new Promise<void>((done) => {
          for (const s of open) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
