/**
 * An image's archive without the layers the nodes have, made on the manager itself: `docker save`
 * read and filtered there (provision/thin-save.py) by a short-lived container of the app's own
 * gunicorn image (it has Python) with the engine's socket, no network and no log. Only the thin
 * archive crosses the SSH link, where a save streamed here would bring the whole image down first
 * (294 MB for the example to send 0.1 MB). The container is removed when it ends.
 */
import { PassThrough, Writable, type Readable } from "node:stream";
import type Docker from "dockerode";
import { readAsset } from "../../render/templates.js";
import type { TarEntry } from "./tar-filter.js";

/** The label on the helper container (what it is, for whoever lists the manager's containers). */
export const HELPER_LABEL = "fdock.helper";

/** What the script reports once the archive ended: the entries it left out, and manifest.json. */
export interface ThinSaved {
  dropped: TarEntry[];
  manifest?: string;
}

export interface ManagerSave {
  /** The thin archive. */
  archive: Readable;
  /** Resolves once the container ended well; rejects with its words when it did not. */
  done: Promise<ThinSaved>;
}

/** Starts the helper on the manager; `image` must have python3 (the app's gunicorn image does). */
export async function saveOnManager(docker: Docker, image: string, ref: string, skip: Set<string>): Promise<ManagerSave> {
  const container = await docker.createContainer({
    Image: image,
    User: "0",
    Entrypoint: ["python3", "-c", readAsset("provision/thin-save.py")],
    Cmd: [],
    Env: [`FDOCK_IMAGE=${ref}`, `FDOCK_SKIP=${JSON.stringify([...skip])}`],
    Labels: { [HELPER_LABEL]: "thin-save" },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: { Binds: ["/var/run/docker.sock:/var/run/docker.sock"], NetworkMode: "none", AutoRemove: true, LogConfig: { Type: "none", Config: {} } },
  });
  const exited = container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>;
  exited.catch(() => undefined);
  const attached = (await container.attach({ stream: true, stdout: true, stderr: true, hijack: true })) as unknown as Readable;
  const archive = new PassThrough();
  let stderr = "";
  const errors = new Writable({
    write(chunk: Buffer, _enc, next) {
      stderr = (stderr + chunk.toString("utf8")).slice(-1_000_000);
      next();
    },
  });
  docker.modem.demuxStream(attached, archive, errors);
  const ended = new Promise<void>((resolve) => attached.once("end", resolve).once("close", resolve).once("error", () => resolve()));
  try {
    await container.start();
  } catch (e) {
    await container.remove({ force: true }).catch(() => undefined);
    attached.destroy();
    throw e;
  }
  const done = (async () => {
    const { StatusCode } = await exited;
    await ended;
    const report = stderr.trim().split("\n").pop() ?? "";
    if (StatusCode !== 0) throw new Error(`the manager's save ended with exit code ${StatusCode}: ${report.slice(0, 300)}`);
    const parsed = JSON.parse(report) as { dropped: Array<[string, number]>; manifest: string | null };
    return { dropped: parsed.dropped.map(([name, size]) => ({ name, size, type: "0" })), manifest: parsed.manifest ?? undefined };
  })();
  done.then(
    () => archive.end(),
    (e: Error) => archive.destroy(e),
  );
  return { archive, done };
}
