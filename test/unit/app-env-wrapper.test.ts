import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runArgv } from "../../src/core/exec.js";
import { renderTemplate } from "../../src/core/render/templates.js";

/** The gunicorn image's entrypoint, run by this machine's sh against a credentials folder of the test's. */
describe("with-app-env (the app image's entrypoint)", () => {
  const dir = mkdtempSync(join(tmpdir(), "fdock-app-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const wrapper = join(dir, "with-app-env");
  writeFileSync(wrapper, renderTemplate("images/gunicorn/with-app-env.tmpl", { credentials_dir: dir }));
  const run = (env: NodeJS.ProcessEnv, ...args: string[]) => runArgv({ file: "sh", args: [wrapper, ...args] }, { env: { PATH: process.env.PATH, ...env } });

  it("exports the generated variables the environment does not set; a value from the env file wins", async () => {
    writeFileSync(join(dir, "app.env"), "PGUSER=app\nPGDATABASE=app\nDATABASE_URL=postgresql://app:abc123@postgres:5432/app\n");
    const r = await run({ PGDATABASE: "other" }, "sh", "-c", 'echo "$PGUSER $PGDATABASE $DATABASE_URL"');
    expect(r.stdout.trim()).toBe("app other postgresql://app:abc123@postgres:5432/app");
  });

  it("skips lines that are not NAME=value and runs its arguments as they are (exit code too)", async () => {
    writeFileSync(join(dir, "app.env"), "# comment\n1BAD=x\nBAD-NAME=y\nGOOD=z\n");
    const r = await run({}, "sh", "-c", 'echo "${GOOD}|${BAD_NAME-unset}"; exit 7');
    expect(r.stdout.trim()).toBe("z|unset");
    expect(r.exitCode).toBe(7);
  });

  it("does nothing without the file (an app with no services)", async () => {
    rmSync(join(dir, "app.env"));
    const r = await run({}, "printenv", "PATH");
    expect(r.exitCode).toBe(0);
  });
});
