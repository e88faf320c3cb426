import { describe, expect, it } from "vitest";
import { streamArgv } from "../../src/core/exec.js";
import { ComposeFailure, runCompose } from "../../src/core/stack/compose-project.js";
import { UserError } from "../../src/core/errors.js";

/** A small node script as the command: argv the executor runs, as compose would be. */
const script = (code: string) => ({ file: process.execPath, args: ["-e", code] });

describe("the executor (streamArgv)", () => {
  it("streams each chunk of stdout and stderr to onOutput and keeps both streams", async () => {
    const chunks: string[] = [];
    const r = await streamArgv(script("process.stdout.write('one\\n'); process.stderr.write('two\\n'); process.stdout.write('three\\n')"), { onOutput: (t) => chunks.push(t) });
    expect(r).toEqual({ exitCode: 0, stdout: "one\nthree\n", stderr: "two\n" });
    expect(chunks.join("").split("\n").filter(Boolean).sort()).toEqual(["one", "three", "two"]);
  });

  it("resolves with the exit code, never throwing for a non-zero one", async () => {
    await expect(streamArgv(script("process.exit(3)"))).resolves.toMatchObject({ exitCode: 3 });
  });

  it("passes the environment whole: nothing of this process's is added", async () => {
    const r = await streamArgv(script("process.stdout.write(JSON.stringify(process.env))"), { env: { ONLY: "this" } });
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(env.ONLY).toBe("this");
    expect(env.PATH).toBeUndefined();
  });

  it("keeps only the last keepChars of a stream", async () => {
    const r = await streamArgv(script("process.stdout.write('a'.repeat(100) + 'tail')"), { keepChars: 10 });
    expect(r.stdout).toBe("aaaaaatail");
  });

  it("rejects when the program cannot be started", async () => {
    await expect(streamArgv({ file: "/nonexistent/fdock-no-such-program", args: [] })).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("runCompose", () => {
  const opts = { cwd: process.cwd(), env: process.env };

  it("turns a non-zero exit into a ComposeFailure that keeps the command and what was printed", async () => {
    const e = await runCompose("up nginx", script("console.log('pulling'); console.error('port is already allocated'); process.exit(1)"), opts).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ComposeFailure);
    expect(e).toBeInstanceOf(UserError);
    const f = e as ComposeFailure;
    expect(f.command).toBe("up nginx");
    expect(f.output).toBe("pulling\n\nport is already allocated\n");
    expect(f.message).toBe("docker compose up nginx failed (exit 1): port is already allocated");
  });

  it("resolves with the output on success", async () => {
    await expect(runCompose("ps", script("console.log('[]')"), opts)).resolves.toEqual({ exitCode: 0, stdout: "[]\n", stderr: "" });
  });

  it("says when docker cannot be run, as a UserError with a next step", async () => {
    const e = await runCompose("ps", { file: "/nonexistent/docker", args: [] }, opts).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e).not.toBeInstanceOf(ComposeFailure);
    expect((e as UserError).hint).toMatch(/Install the Docker CLI/);
  });
});
