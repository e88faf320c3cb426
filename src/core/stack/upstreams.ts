import type Docker from "dockerode";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs a command in a container and waits for its exit code. A detached exec through the engine
 * API: no stream to attach (which works the same over SSH), and no docker CLI process to start.
 */
export async function execStatus(docker: Docker, containerId: string, cmd: string[], env: string[] = []): Promise<number> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, Env: env });
  // dockerode hands back the response as a stream even when detached: left open, it would keep
  // this process alive after the deploy.
  const stream = (await exec.start({ Detach: true })) as unknown as { destroy?: () => void } | undefined;
  stream?.destroy?.();
  for (let i = 0; i < 200; i++) {
    const state = (await exec.inspect()) as { Running: boolean; ExitCode: number | null };
    if (!state.Running && state.ExitCode !== null) return state.ExitCode;
    await sleep(50);
  }
  throw new Error(`\`${cmd.join(" ")}\` did not finish within 10 s in container ${containerId.slice(0, 12)}`);
}

/**
 * Replaces an nginx's upstream file (the app nginx's or the front's) with `upstream` and reloads
 * nginx gracefully: requests in flight finish on the servers they started on. Only when `nginx -t`
 * accepts the result (a name Docker's DNS does not know is refused): otherwise the file is put
 * back as it was and nginx keeps serving as before.
 */
export async function pointUpstream(docker: Docker, containerId: string, file: string, upstream: string): Promise<void> {
  const script = 'cp "$F" "$F.before" && printf "%s" "$U" > "$F" && if nginx -t -q; then nginx -s reload; else cp "$F.before" "$F"; exit 1; fi';
  const code = await execStatus(docker, containerId, ["sh", "-c", script], [`F=${file}`, `U=${upstream}`]);
  if (code !== 0) throw new Error(`nginx in container ${containerId.slice(0, 12)} did not take its new upstream (${upstream.trim()}): exit ${code}`);
}

/** Whether an nginx's upstream file names `host` (a service or container name). */
export async function upstreamNames(docker: Docker, containerId: string, file: string, host: string): Promise<boolean> {
  return (await execStatus(docker, containerId, ["grep", "-qF", `server ${host}:`, file])) === 0;
}
