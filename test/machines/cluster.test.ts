import { afterAll, beforeAll, describe } from "vitest";
import { startClusterWorld, type ClusterWorld } from "./cluster-fixture.js";
import { deploySuite } from "./cluster/deploy.js";
import { makingSuite } from "./cluster/making.js";
import { membershipSuite } from "./cluster/membership.js";
import { operateSuite } from "./cluster/operate.js";
import { registrySuite } from "./cluster/registry.js";
import { servicesSuite } from "./cluster/services.js";

/**
 * Docker Swarm clusters against real engines: three SSH hosts (privileged containers on one
 * Docker network, Docker installed by fdock's provisioner), made machines with the generic driver,
 * then one cluster by `fdock cluster create`, which every suite below uses in turn (making hosts
 * is the costly part). Each suite deploys its own app on its own port.
 */
describe("fdock cluster on three SSH hosts", () => {
  let world: ClusterWorld;
  const ctx = { get world() { return world; } };
  beforeAll(async () => { world = await startClusterWorld(["m1", "m2", "m3"]); }, 900_000);
  afterAll(async () => { await world?.stop(); });

  describe("making a cluster", () => makingSuite(ctx));
  describe("deploying to it", () => deploySuite(ctx));
  describe("an app with Postgres, Redis and a worker on it", () => servicesSuite(ctx));
  describe("operating the app on it", () => operateSuite(ctx));
  registrySuite(ctx);
  describe("changing its members, and removing it", () => membershipSuite(ctx));
});
