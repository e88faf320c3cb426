/** `fdock use`: the persistent Docker context (every shell) switched to a machine, or back to the local engine. */
import { useContext } from "./docker-context.js";
import { contextName } from "./paths.js";
import { MachineStore } from "./store.js";

/** Variables that win over the persistent context in a shell that has them set (docker's precedence). */
const SHADOWING = ["DOCKER_HOST", "DOCKER_CONTEXT", "FDOCK_MACHINE_NAME"];

/**
 * Switches to machine name's context, or (null) to "default". Returns the context and the
 * variables set in env that override it in this shell.
 */
export async function useMachine(name: string | null, env: NodeJS.ProcessEnv): Promise<{ context: string; shadowedBy: string[] }> {
  if (name) new MachineStore(env).load(name);
  const context = name ? contextName(name) : "default";
  await useContext(context, env);
  return { context, shadowedBy: SHADOWING.filter((k) => env[k]) };
}
