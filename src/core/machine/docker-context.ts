import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { runArgv, type Argv } from "../exec.js";
import { contextName, dockerConfigDir, sshAlias } from "./paths.js";

/** Argv builders for the docker CLI's context commands: pure, tested by equality. */
export const contextArgv = {
  create: (name: string): Argv => ({
    file: "docker",
    args: ["context", "create", contextName(name), "--description", `fdock machine ${name}`, "--docker", `host=ssh://${sshAlias(name)}`],
  }),
  remove: (name: string): Argv => ({ file: "docker", args: ["context", "rm", "--force", contextName(name)] }),
  inspect: (name: string): Argv => ({ file: "docker", args: ["context", "inspect", contextName(name)] }),
  use: (context: string): Argv => ({ file: "docker", args: ["context", "use", context] }),
};

/** The persistent current context (`docker context use`), from the docker CLI's config.json. */
export function currentContext(env: NodeJS.ProcessEnv): string {
  const path = join(dockerConfigDir(env), "config.json");
  if (!existsSync(path)) return "default";
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { currentContext?: string }).currentContext || "default";
  } catch {
    return "default";
  }
}

async function run(argv: Argv, env: NodeJS.ProcessEnv): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  try {
    return await runArgv(argv, { env, timeoutMs: 30_000 });
  } catch (e) {
    throw new UserError(`Could not run \`docker\` (${(e as Error).message}).`, "Install the Docker CLI (it holds the contexts fdock makes).");
  }
}

async function check(argv: Argv, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await run(argv, env);
  if (r.exitCode !== 0) throw new UserError(`\`docker ${argv.args.join(" ")}\` failed: ${(r.stderr || r.stdout).trim()}`);
}

export async function contextExists(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await run(contextArgv.inspect(name), env)).exitCode === 0;
}

/** Creates the machine's context, ssh://fdock-NAME, unless one of that name exists (it is left as it is). */
export async function ensureContext(name: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (await contextExists(name, env)) return;
  await check(contextArgv.create(name), env);
}

/** Removes the machine's context; switches back to default first when it is the current one. */
export async function removeContext(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (currentContext(env) === contextName(name)) await check(contextArgv.use("default"), env);
  if (!(await contextExists(name, env))) return false;
  await check(contextArgv.remove(name), env);
  return true;
}

export async function useContext(context: string, env: NodeJS.ProcessEnv): Promise<void> {
  await check(contextArgv.use(context), env);
}
