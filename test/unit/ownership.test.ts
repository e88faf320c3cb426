import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { normalizeOrigin, ownershipDecision, projectIdentity, type ProjectIdentity } from "../../src/core/stack/ownership.js";

const temps: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "fdock-own-"));
  temps.push(d);
  return d;
};
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const git = (cwd: string, ...args: string[]) => expect(spawnSync("git", args, { cwd }).status).toBe(0);

describe("who owns a project name on an engine", () => {
  const ours: ProjectIdentity = { id: "git:github.com/acme/blog#.", dir: "/home/me/blog", host: "laptop" };

  it("claims a free name, goes on when it is ours, refuses another project's while its stack exists, takes over once it is gone", () => {
    expect(ownershipDecision(undefined, ours, true)).toBe("claim"); // a stack from before owners were recorded: adopted
    expect(ownershipDecision({ id: ours.id, dir: "/elsewhere", host: "ci-runner" }, ours, true)).toBe("ours");
    const other = { id: "dir:laptop:/home/me/shop", dir: "/home/me/shop", host: "laptop" };
    expect(ownershipDecision(other, ours, true)).toBe("refuse");
    expect(ownershipDecision(other, ours, false)).toBe("take-over");
  });

  it("a git clone is known by its origin (no credentials) and its folder in the repo: the same from any laptop", async () => {
    const a = temp();
    const b = temp();
    for (const [dir, url] of [[a, "git@GitHub.com:acme/blog.git"], [b, "https://deploy:s3cret-token@github.com/acme/blog"]] as const) {
      git(dir, "init", "-q");
      git(dir, "remote", "add", "origin", url);
      mkdirSync(join(dir, "services", "web"), { recursive: true });
    }
    const idA = await projectIdentity(a);
    expect(idA.id).toBe("git:github.com/acme/blog#.");
    expect((await projectIdentity(b)).id).toBe(idA.id);
    expect(JSON.stringify(await projectIdentity(b))).not.toContain("s3cret");
    // Two apps of one monorepo are two projects.
    expect((await projectIdentity(join(a, "services", "web"))).id).toBe("git:github.com/acme/blog#services/web");
  });

  it("a folder that is no git clone with an origin is known by this host and its path", async () => {
    const dir = temp();
    expect((await projectIdentity(dir)).id).toMatch(new RegExp(`^dir:${hostname()}:/.*fdock-own-`));
    git(dir, "init", "-q"); // a repository without an origin: still the folder
    expect((await projectIdentity(dir)).id).toMatch(/^dir:/);
  });

  it("normalizes origins", () => {
    expect(normalizeOrigin("ssh://git@gitlab.example.com/team/app.git/")).toBe("gitlab.example.com/team/app");
    expect(normalizeOrigin("https://github.com/acme/blog.git")).toBe("github.com/acme/blog");
    expect(normalizeOrigin("git@github.com:acme/blog")).toBe("github.com/acme/blog");
  });
});

describe("fdock down -v", () => {
  it("where nobody can answer (no terminal, CI) refuses without --yes and deletes nothing", async () => {
    const dir = temp();
    writeFileSync(join(dir, "fdock.yaml"), "version: 1\nname: downtest\napp: app:app\npersistent: [instance]\n");
    mkdirSync(join(dir, ".fdock"));
    writeFileSync(join(dir, ".fdock", "compose.yaml"), "name: downtest\nservices: {}\n");
    const chunks: string[] = [];
    const spies = [process.stdout, process.stderr].map((s) => vi.spyOn(s, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true)));
    const saved = process.env.CI;
    process.env.CI = "true";
    process.exitCode = undefined;
    try {
      expect(await main(["-C", dir, "down", "-v"])).toBe(1);
    } finally {
      spies.forEach((s) => s.mockRestore());
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
      process.exitCode = undefined;
    }
    const out = chunks.join("");
    expect(out).toContain("deletes the app's data");
    expect(out).toContain("Pass --yes");
  });
});
