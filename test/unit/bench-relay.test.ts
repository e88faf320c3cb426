import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { countsBetween, startRelay, type Relay } from "../../bench/relay.ts";

/** A target that answers each connection with `reply(bytes read so far)` once the client half-closes. */
function target(reply: (got: number) => Buffer): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    let got = 0;
    s.on("data", (c: Buffer) => { got += c.length; });
    s.on("end", () => s.end(reply(got)));
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

/** Sends `payload` through the relay, half-closes, and resolves with what came back. */
function exchange(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s: Socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => s.end(payload));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => { s.destroy(); resolve(Buffer.concat(chunks)); });
    s.on("error", reject);
  });
}

const until = async (ok: () => boolean) => { for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10)); };

describe("bench's counting relay", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

  async function relayTo(server: Server): Promise<Relay> {
    const relay = await startRelay({ listenHost: "127.0.0.1", listenPort: 0, targetHost: "127.0.0.1", targetPort: (server.address() as AddressInfo).port });
    cleanups.push(() => relay.close(), () => new Promise((r) => server.close(() => r())));
    return relay;
  }

  it("counts each direction apart, exactly, across connections", async () => {
    const relay = await relayTo(await target((got) => randomBytes(got * 2 + 7)));
    const before = relay.counts();
    const first = await exchange(relay.port, randomBytes(3 * 1024 * 1024 + 5));
    const second = await exchange(relay.port, randomBytes(10));
    expect(first.length).toBe(2 * (3 * 1024 * 1024 + 5) + 7);
    expect(second.length).toBe(27);
    await until(() => relay.counts().connections === 2);
    expect(countsBetween(before, relay.counts())).toEqual({ sent: 3 * 1024 * 1024 + 15, received: first.length + second.length, connections: 2 });
  });

  it("passes data on unchanged", async () => {
    const echo = await target(() => Buffer.alloc(0));
    const relay = await relayTo(echo);
    // An echo target: what it reads it writes back, then ends when the client does.
    echo.removeAllListeners("connection");
    echo.on("connection", (s: Socket) => s.pipe(s));
    const payload = randomBytes(256 * 1024);
    expect((await exchange(relay.port, payload)).equals(payload)).toBe(true);
    expect(relay.counts()).toMatchObject({ sent: payload.length, received: payload.length });
  });

  it("drops a client whose target refuses, counting nothing but the connection", async () => {
    const closed = await target(() => Buffer.alloc(0));
    const relay = await relayTo(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const got = await exchange(relay.port, Buffer.from("hello")).catch(() => Buffer.alloc(0));
    expect(got.length).toBe(0);
    expect(relay.counts()).toMatchObject({ received: 0, connections: 1 });
  });
});
