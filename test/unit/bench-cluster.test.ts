import { describe, expect, it } from "vitest";
import {
  addTallies, clusterReported, clusterSection, clusterTarget, copiedMegabytes, failedText, nodeStatus, phasesOf, runningElsewhere, stepTimes, tally, updateConfigText,
  type ClusterResult, type Redeploy,
} from "../../bench/cluster.ts";
import { targetTable } from "../../bench/report.ts";

/** What `fdock up --remote CLUSTER` prints on a pipe (LineReporter), today's image copy. */
const CLUSTER_PROGRESS = [
  "- Reach the 3 nodes of cluster bench ...",
  "✔ Reach the 3 nodes of cluster bench (0.8 s)",
  "  deploying to cluster bench through manager m1 (172.18.0.2): 3 gunicorn tasks of 5 gevent workers each, nginx on every node's port 80",
  "✔ Build gunicorn and nginx images on m1 (2.5 s)",
  "✔ Copy the images to 2 other nodes (150.0 s)",
  "  m2: copied fdock-x-gunicorn:0123456789ab (294.3 MB)",
  "  m3: copied fdock-x-gunicorn:0123456789ab (294.3 MB)",
  "✔ Release on m1: python -m flask_blog.release (3.6 s)",
  "✔ docker stack deploy x on m1 (2.0 s)",
  "✔ Roll out: 3 gunicorn tasks started beside the old ones, each healthy before an old one stops (38.0 s)",
  "✔ Check /healthz through nginx on every node (0.3 s)",
].join("\n");

const SINGLE_PROGRESS = [
  "✔ Render images and compose file (0.1 s)",
  "✔ Build gunicorn and nginx images (2.5 s)",
  "✔ Release: python -m flask_blog.release (1.5 s)",
  "✔ Start the new version beside the running one (12.0 s)",
  "✖ Record the release (0.1 s)",
].join("\n");

const redeploy = (ms: number, copiedMB: number | null = null): Redeploy => ({ ms, phases: { build: 2500, copy: copiedMB ? 10_000 : 0, release: 2000, overlap: 0, rest: ms - 4500 - (copiedMB ? 10_000 : 0) }, copiedMB });
const asked = (n: number, failed = 0) => tally([...Array.from({ length: n - failed }, () => ({ status: 200, ms: 30 })), ...Array.from({ length: failed }, () => ({ status: 0, ms: 5100 }))]);
const result = (clusterMs: number): ClusterResult => ({
  single: [redeploy(20_000)],
  cluster: [redeploy(clusterMs, 12.4)],
  firstMs: { single: 24_000, cluster: 60_000 },
  firstCopiedMB: 80.2,
  provisionMs: 47_000,
  clusterCreateMs: 6500,
  updateConfig: "parallelism 1, order start-first, monitor 10s",
  asked: { single: asked(1000), oneNode: asked(2700), allNodes: asked(2700, 2) },
  loss: { asked: asked(1200, 3), downMs: 14_300, rescheduledMs: 20_300, lostTasks: 1, machine: "m3", through: ["m1", "m2"] },
  host: { cpus: 2, engine: "26.1.5+dfsg1" },
});

describe("the cluster bench's parsing of fdock's output", () => {
  it("reads every finished step and its time, not the failed ones", () => {
    expect(stepTimes(CLUSTER_PROGRESS).map((s) => s.ms)).toEqual([800, 2500, 150_000, 3600, 2000, 38_000, 300]);
    expect(stepTimes(SINGLE_PROGRESS).map((s) => s.title)).toEqual(["Render images and compose file", "Build gunicorn and nginx images", "Release: python -m flask_blog.release", "Start the new version beside the running one"]);
  });

  it("splits a deploy's time into build, image copy, release and the rest of the command", () => {
    expect(phasesOf(CLUSTER_PROGRESS, 200_000)).toEqual({ build: 2500, copy: 150_000, release: 3600, overlap: 0, rest: 43_900 });
    expect(phasesOf(SINGLE_PROGRESS, 18_000)).toEqual({ build: 2500, copy: 0, release: 1500, overlap: 0, rest: 14_000 });
    // A later release step's wording ("Release, once, as a one-off task") and a layer transfer's still count.
    expect(phasesOf("✔ Release, once, as a one-off task on cluster c: x (4.0 s)\n✔ Send the missing layers to 2 nodes (3.0 s)", 10_000)).toEqual({ build: 0, copy: 3000, release: 4000, overlap: 0, rest: 3000 });
    // The release on the manager while the images go to the others: their step together is what counts.
    const together = "✔ Build gunicorn and nginx images on m1 (1.0 s)\n✔ Release, once, as a one-off task on m1: x (1.5 s)\n✔ Copy the images to 2 other nodes (3.0 s)\n✔ While the images go to 2 other nodes: the release on m1 (3.1 s)";
    expect(phasesOf(together, 10_000)).toEqual({ build: 1000, copy: 3000, release: 1500, overlap: 3100, rest: 5900 });
  });

  it("sums what was copied to nodes, whole images or only the missing layers, in MB", () => {
    expect(copiedMegabytes(CLUSTER_PROGRESS)).toBeCloseTo(588.6);
    expect(copiedMegabytes("  m2: copied a:1, b:2 (2 of 11 layers sent, 3.2 MB; 140.1 MB already there)\n  m3: copied a:1 (1 of 11 layers sent, 800.0 kB)")).toBeCloseTo(4.0);
    expect(copiedMegabytes("  m2: has the images already\n  m3: has the images already")).toBeNull();
    expect(copiedMegabytes(SINGLE_PROGRESS)).toBeNull();
  });

  it("counts the replicas running away from the lost node, and reads its status as the manager sees it", () => {
    const ps = "host-m1\tRunning 2 minutes ago\nhost-m2\tRunning 2 minutes ago\nhost-m3\tRunning 3 minutes ago\nhost-m1\tStarting 1 second ago\n";
    expect(runningElsewhere(ps, "host-m3")).toBe(2);
    expect(runningElsewhere(ps.replace("host-m1\tStarting", "host-m2\tRunning"), "host-m3")).toBe(3);
    expect(runningElsewhere("", "host-m3")).toBe(0);
    expect(nodeStatus("host-m1\tReady\nhost-m3\tDown\n", "host-m3")).toBe("Down");
    expect(nodeStatus("host-m1\tReady\n", "host-m3")).toBeUndefined();
  });

  it("reads gunicorn's update settings from the stack file fdock rendered", () => {
    const stack = "services:\n  gunicorn:\n    image: x\n    deploy:\n      replicas: 3\n      update_config:\n        parallelism: 1\n        order: start-first\n        failure_action: rollback\n        monitor: 10s\n  nginx:\n    deploy:\n      mode: global\n";
    expect(updateConfigText(stack)).toBe("parallelism 1, order start-first, monitor 10s");
    expect(updateConfigText("services:\n  gunicorn:\n    image: x\n")).toBeNull();
    expect(updateConfigText("")).toBeNull();
  });
});

describe("the cluster bench's figures", () => {
  it("counts failed requests by what they got, and adds clients up", () => {
    const t = tally([{ status: 200, ms: 20 }, { status: 502, ms: 40 }, { status: 0, ms: 30_000 }, { status: 200, ms: 10 }]);
    expect(t).toEqual({ asked: 4, failed: 2, slowestMs: 30_000, statuses: { 200: 2, 502: 1, 0: 1 } });
    expect(failedText(t)).toBe("2 of 4 (no answer: 1, 502: 1)");
    expect(failedText(asked(10))).toBe("0 of 10");
    expect(addTallies([t, asked(10)])).toMatchObject({ asked: 14, failed: 2, slowestMs: 30_000, statuses: { 200: 12, 502: 1, 0: 1 } });
  });

  it("passes at 1.5x one machine's redeploy and below, fails above, with both times shown", () => {
    expect(clusterTarget(result(30_000))).toMatchObject({ want: "<= 1.5", got: "1.50 (30.0 s vs 20.0 s)", pass: true });
    expect(clusterTarget(result(31_000))).toMatchObject({ got: "1.55 (31.0 s vs 20.0 s)", pass: false });
    expect(clusterTarget(result(31_000)).why).toMatch(/copies the new image to the 2 other nodes \(10\.0 s, 12\.4 MB in all\)/);
    expect(clusterTarget(result(31_000)).why).toContain("(update_config: parallelism 1, order start-first, monitor 10s)");
  });

  it("reports the failed requests without a target, and the summary table says so", () => {
    const rows = clusterReported(result(60_000));
    expect(rows.map((r) => [r.want, r.reported])).toEqual([["reported", true], ["reported", true]]);
    expect(rows[0]!.got).toBe("0 of 2700 / 2 of 2700 (no answer: 2)");
    expect(rows[1]!.got).toBe("3 of 1200 (no answer: 3); replicas running again after 20.3 s");
    expect(targetTable([clusterTarget(result(60_000)), ...rows])).toMatch(/\| FAIL +\|\n.*\| reported +\|\n.*\| reported +\|$/);
  });

  it("writes a section with both redeploys, the ratio, and the node loss", () => {
    const md = clusterSection(result(60_000));
    expect(md).toMatch(/^## Cluster/);
    expect(md).toMatch(/\| fdock up --remote m1 \(one machine\) +\| 20\.0 s .*\| 0 of 1000 +\|/);
    expect(md).toMatch(/\| fdock up --remote bench --replicas 3 \(3 nodes\) +\| 60\.0 s .*\| 12\.4 MB .*through m2: 0 of 2700; through every node in turn: 2 of 2700 \(no answer: 2\)/);
    expect(md).toContain("3.00x the one-machine redeploy");
    expect(md).toMatch(/\| 1 gunicorn task\(s\) on m3 +\| after 14\.3 s +\| after 20\.3 s +\| 3 of 1200 \(no answer: 3\) +\| 5\.1 s +\|/);
    expect(md).toContain("80.2 MB of images sent to the 2 other nodes");
  });
});
