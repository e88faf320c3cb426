import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";

/**
 * Pebble, a real ACME server (scripts/standins/pebble: Pebble and pebble-challtestsrv from
 * Debian's pebble package), on a test network. Its DNS answers every name with `dnsAddress`, so
 * its HTTP-01 checks reach port 80 there; `pointName` sends one name elsewhere.
 */
const PEBBLE_DIR = fileURLToPath(new URL("../../scripts/standins/pebble/", import.meta.url));
const NGINX = process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable";

/** Pebble's stand-in image, built once per recipe (like the rig's stand-ins) and kept. */
export async function pebbleImage(): Promise<string> {
  const hash = createHash("sha256").update(NGINX);
  for (const f of readdirSync(PEBBLE_DIR).sort()) hash.update(f).update(readFileSync(PEBBLE_DIR + f));
  const tag = `fdock-standin/pebble:${hash.digest("hex").slice(0, 12)}`;
  const engine = new Docker({ socketPath: "/var/run/docker.sock" });
  if (!(await engine.getImage(tag).inspect().then(() => true, () => false))) {
    await GenericContainer.fromDockerfile(PEBBLE_DIR).withBuildArgs({ BASE: NGINX }).build(tag, { deleteOnExit: false });
  }
  return tag;
}

export interface Pebble {
  container: StartedTestContainer;
  /** The certificate of Pebble's own HTTPS listener (tls.acme_ca). */
  listenerCert: string;
  /** The root that signs the certificates Pebble issues (what clients of the sites trust). */
  root: string;
  /** The ACME directory at Pebble's address on the network (for clients without DNS for "pebble"). */
  directory: string;
  pointName(host: string, address: string): Promise<void>;
}

function managementGet(pebble: StartedTestContainer, cert: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port: pebble.getMappedPort(15000), path, ca: cert, servername: "localhost", agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Pebble on `network` (Docker's default bridge when not given: it reaches the rig's package index and the test SSH hosts there by address). */
export async function startPebble(network: StartedNetwork | undefined, dnsAddress: string): Promise<Pebble> {
  let definition = new GenericContainer(await pebbleImage());
  if (network) definition = definition.withNetwork(network).withNetworkAliases("pebble");
  const container = await definition
    .withEnvironment({ PEBBLE_DNS_ADDRESS: dnsAddress })
    .withExposedPorts(14000, 15000, 8055)
    .withWaitStrategy(Wait.forLogMessage(/ACME directory available/))
    .start();
  const listenerCert = (await container.exec(["cat", "/etc/pebble/cert.pem"])).stdout;
  return {
    container,
    listenerCert,
    root: await managementGet(container, listenerCert, "/roots/0"),
    directory: `https://${container.getIpAddress(network ? network.getName() : "bridge")}:14000/dir`,
    async pointName(host, address) {
      const r = await fetch(`http://127.0.0.1:${container.getMappedPort(8055)}/add-a`, { method: "POST", body: JSON.stringify({ host, addresses: [address] }) });
      if (r.status !== 200) throw new Error(`challtestsrv add-a ${host}: HTTP ${r.status}`);
    },
  };
}
