/**
 * The counting relay as a process of its own, so it can run in another network namespace
 * (`nsenter --net=/proc/PID/ns/net node bench/relay-main.ts …`, the SSH host container's):
 *
 *   node bench/relay-main.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT
 *
 * Prints {"port":N} once it listens, then answers every line read on stdin with the counts so
 * far as one JSON line ({"sent":…,"received":…,"connections":…}). Exits when stdin closes.
 */
import { createInterface } from "node:readline";
import { startRelay } from "./relay.ts";

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
if (!listenHost || !listenPort || !targetHost || !targetPort) {
  process.stderr.write("usage: relay-main.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT\n");
  process.exit(2);
}
const relay = await startRelay({ listenHost, listenPort: Number(listenPort), targetHost, targetPort: Number(targetPort) });
process.stdout.write(JSON.stringify({ port: relay.port }) + "\n");
const lines = createInterface({ input: process.stdin });
lines.on("line", () => process.stdout.write(JSON.stringify(relay.counts()) + "\n"));
lines.on("close", () => void relay.close().then(() => process.exit(0)));
