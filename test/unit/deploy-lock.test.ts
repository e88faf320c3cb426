import { describe, expect, it } from "vitest";
import { holderOf, isStale, lockName, STALE_AFTER_MS } from "../../src/core/stack/deploy-lock.js";

describe("the deploy lock's holder", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  const labels = (host: string, pid: number, since: string) => ({
    "dev.fdock.deploy-lock": "blog",
    "dev.fdock.deploy-lock.host": host,
    "dev.fdock.deploy-lock.pid": String(pid),
    "dev.fdock.deploy-lock.since": since,
  });

  it("is read from the lock network's labels", () => {
    expect(holderOf(labels("laptop", 42, "2026-11-22T11:59:00Z"))).toEqual({ host: "laptop", pid: 42, since: new Date("2026-11-22T11:59:00Z") });
    expect(lockName("blog")).toBe("fdock-deploy-lock-blog");
  });

  it("is gone when it ran on this host and its process no longer exists", () => {
    const h = holderOf(labels("laptop", 42, "2026-11-22T11:59:00Z"));
    expect(isStale(h, "laptop", now, () => false)).toBe(true);
    expect(isStale(h, "laptop", now, () => true)).toBe(false);
  });

  it("on another host is trusted until it is older than any deploy takes", () => {
    const recent = holderOf(labels("ci-runner", 42, "2026-11-22T11:59:00Z"));
    expect(isStale(recent, "laptop", now, () => false)).toBe(false);
    const old = holderOf(labels("ci-runner", 42, new Date(now - STALE_AFTER_MS - 1000).toISOString()));
    expect(isStale(old, "laptop", now, () => true)).toBe(true);
  });

  it("with no readable start time is taken to be left over", () => {
    expect(isStale(holderOf({ "dev.fdock.deploy-lock": "blog" }), "laptop", now, () => true)).toBe(true);
  });
});
