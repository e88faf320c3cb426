/**
 * One Swarm cluster for the cluster suites (test/machines/cluster/*.ts), shared by all of them so
 * that the expensive part (hosts with Docker installed over SSH) happens once: SSH hosts
 * (privileged containers on one Docker network), made machines by `fdock machine create -d
 * generic`, later a cluster by `fdock cluster create` (the core suite does that, as a user would).
 */
import { readFileSync } from "node:fs";
import { Network, type StartedNetwork } from "testcontainers";
import { expect } from "vitest";
import { buildFdock, makeWorkstation, sh, startSshHost, type SshHost, type Workstation } from "./ssh-host.js";

export interface ClusterWorld {
  ws: Workstation;
  network: StartedNetwork;
  /** hosts[i] is machine names[i]; names[0] builds (the manager) and reaches the rig's package index. */
  hosts: SshHost[];
  names: string[];
  /** The cluster's name, once the core suite created it. */
  cluster: string;
  /** docker on one machine, through the context fdock made for it. */
  docker(machine: string, args: string[], input?: string): ReturnType<typeof sh>;
  /** Loads local images into a machine's engine (`docker save | docker load`): nested engines pull from no registry. */
  load(machine: string, images: string[]): Promise<void>;
  /** The address this process has on the hosts' network: what an app sees as its client's address. */
  gateway(): Promise<string>;
  stop(): Promise<void>;
}

export const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

/**
 * Starts the hosts and makes each a machine. The first host also joins the default bridge, before
 * its engine is installed (so the inner engine picks a subnet clear of both): the rig's package
 * index (PyPI's stand-in) listens on that bridge's gateway, which refuses user-defined networks.
 * The base images are loaded on the first machine, which builds (real managers pull them).
 */
export async function startClusterWorld(names: string[], cluster = "c1"): Promise<ClusterWorld> {
  await buildFdock();
  const ws = await makeWorkstation();
  const network = await new Network().start();
  const hosts: SshHost[] = [];
  const world: ClusterWorld = {
    ws,
    network,
    hosts,
    names,
    cluster,
    docker: (machine, args, input) => sh("docker", ["--context", `fdock-${machine}`, ...args], { env: ws.env, input }),
    load: async (machine, images) => {
      const r = await sh("sh", ["-c", `docker save "$@" | docker --context "fdock-${machine}" load`, "sh", ...images], { env: ws.env });
      expect(r.exitCode, r.stderr).toBe(0);
    },
    gateway: async () => (await sh("docker", ["network", "inspect", network.getName(), "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"])).stdout.trim(),
    stop: async () => {
      await ws.fdock(["cluster", "rm", "--force", cluster]).catch(() => undefined);
      for (const n of names) await ws.fdock(["machine", "rm", "-y", "-f", n]).catch(() => undefined);
      for (const h of hosts) await h.stop().catch(() => undefined);
      await network.stop().catch(() => undefined);
      ws.cleanup();
    },
  };
  try {
    const key = readFileSync(`${ws.key}.pub`, "utf8").trim();
    hosts.push(...(await Promise.all(names.map((n) => startSshHost(key, "trixie", { suffix: `${n}-${cluster}`, network })))));
    const joined = await sh("docker", ["network", "connect", "bridge", hosts[0]!.name]);
    expect(joined.exitCode, joined.stderr).toBe(0);
    const created = await Promise.all(names.map((n, i) => ws.fdock(["machine", "create", "-d", "generic", "--generic-ip-address", hosts[i]!.ip, "--generic-ssh-key", ws.key, n])));
    created.forEach((r, i) => expect(r.exitCode, `${names[i]}: ${out(r)}`).toBe(0));
    await world.load(names[0]!, [process.env.FDOCK_PYTHON_IMAGE ?? "python:3.12-slim", process.env.FDOCK_NGINX_IMAGE ?? "nginx:stable"]);
  } catch (e) {
    await world.stop();
    throw e;
  }
  return world;
}

/** `fdock cluster create` with names[0] the manager and the rest workers (what a helper suite needs when run alone). */
export async function createCluster(world: ClusterWorld): Promise<void> {
  const [manager, ...workers] = world.names;
  const r = await world.ws.fdock(["cluster", "create", world.cluster, "--manager", manager!, ...workers.flatMap((w) => ["--worker", w])]);
  expect(r.exitCode, out(r)).toBe(0);
}

/**
 * What a cluster suite (a function registering its `it`s, in test/machines/cluster/) is given: the
 * world, read lazily (it exists once the file's beforeAll ran). Suites run in the order
 * test/machines/cluster.test.ts registers them, on the same cluster; each deploys its own app
 * (its own project name and port) and leaves the cluster as it found it.
 */
export interface ClusterSuiteContext {
  readonly world: ClusterWorld;
}
