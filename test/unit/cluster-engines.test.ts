import { describe, expect, it } from "vitest";
import { checkClusterEngines, type NodeEngine } from "../../src/core/cluster/deploy/engines.js";
import { engineCapabilities } from "../../src/core/engine/capabilities.js";
import { PrecheckError } from "../../src/core/errors.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { planWorkers } from "../../src/core/project/workers.js";
import { renderSwarmStack } from "../../src/core/render/swarm-compose.js";
import { parse } from "yaml";

const node = (machine: string, version: string, apiVersion: string): NodeEngine => ({ machine, version, apiVersion });
const refusal = (nodes: NodeEngine[]) => {
  try {
    checkClusterEngines("c1", nodes);
  } catch (e) {
    expect(e).toBeInstanceOf(PrecheckError);
    return e as PrecheckError;
  }
  throw new Error("not refused");
};

describe("a cluster's engines, before a deploy", () => {
  it("takes engines of one release, or of adjacent ones, and renders for the oldest", () => {
    expect(checkClusterEngines("c1", [node("m1", "26.1.5+dfsg1", "1.45"), node("m2", "26.1.5+dfsg1", "1.45")]).healthStartInterval).toBe(true);
    const mixed = checkClusterEngines("c1", [node("m1", "25.0.3", "1.44"), node("m2", "24.0.9", "1.43"), node("m3", "25.0.3", "1.44")]);
    expect(mixed).toEqual(engineCapabilities("24.0.9"));
    expect(mixed.healthStartInterval).toBe(false);
  });

  it("refuses an engine below fdock's minimum, naming the machine, its version and the way to upgrade", () => {
    const e = refusal([node("m1", "26.1.5", "1.45"), node("m2", "19.03.15", "1.40")]);
    expect(e.message).toBe("Cluster c1: the engine of machine m2 (Engine 19.03.15, API 1.40) is older than Docker Engine 20.10, the oldest fdock supports.");
    expect(e.hint).toContain("fdock machine provision m2");
    expect(e.exitCode).toBe(3);
  });

  it("refuses engines too far apart for one stack, naming the nodes behind and the newest", () => {
    const e = refusal([node("m1", "26.1.5", "1.45"), node("m2", "20.10.24+dfsg1", "1.41"), node("m3", "26.1.5", "1.45")]);
    expect(e.message).toBe("Cluster c1: the nodes' engines are too far apart for one stack: m2 (Engine 20.10.24+dfsg1, API 1.41) against m1 (Engine 26.1.5, API 1.45).");
    expect(e.hint).toContain("Upgrade Docker on m2");
  });

  it("the stack file for an engine below 25 has no healthcheck.start_interval, and checks every 2 s instead", () => {
    const config = parseConfigText(`name: blog\napp: "blog:app"\n`);
    const project = { dir: "/p", config, requirements: { kind: "requirements.txt" as const, path: "requirements.txt", names: ["flask", "gunicorn"] } };
    const swarm = { replicas: 2, images: { gunicorn: "g:1", nginx: "n:1" }, port: 80 };
    const plan = planWorkers(config, ["flask", "gunicorn"], 2);
    const old = parse(renderSwarmStack(project, plan, { ...swarm, engine: engineCapabilities("24.0.9") })) as { services: Record<string, { healthcheck: Record<string, unknown> }> };
    for (const s of ["gunicorn", "nginx"]) {
      expect(old.services[s]!.healthcheck.start_interval, s).toBeUndefined();
      expect(old.services[s]!.healthcheck.interval, s).toBe("2s");
    }
    const current = parse(renderSwarmStack(project, plan, swarm)) as { services: Record<string, { healthcheck: Record<string, unknown> }> };
    expect(current.services.gunicorn!.healthcheck.start_interval).toBe("250ms");
  });
});
