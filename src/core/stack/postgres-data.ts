import type Docker from "dockerode";
import { PassThrough } from "node:stream";
import { PrecheckError } from "../errors.js";
import { serviceImage } from "../project/model.js";
import { serviceVolume } from "../render/services.js";
import type { Stack } from "./prepare.js";

/** Where a major version wrote its data in the volume: its root (up to 17) or MAJOR/docker (18 on). */
const LIST_VERSIONS = 'for f in /data/PG_VERSION /data/*/docker/PG_VERSION; do [ -f "$f" ] && cat "$f"; done; true';

/**
 * Refuses, before anything is built or stopped, a postgres image whose major version differs from
 * the one that wrote the app's data: postgres would not start on it (or, from 18 on, would start
 * empty beside it). The data's version is read from its volume by a short container of the new
 * image; the image's from its PG_MAJOR (the official images set it), else fdock.yaml's version.
 */
export async function checkPostgresData(stack: Stack): Promise<void> {
  const settings = stack.project.config.services.postgres;
  if (!settings) return;
  const { docker } = stack;
  const volume = `${stack.project.config.name}_${serviceVolume("postgres")}`;
  const exists = await docker.getVolume(volume).inspect().then(() => true, () => false);
  if (!exists) return;
  const image = serviceImage(stack.project.config, "postgres")!;
  const info = await docker.getImage(image).inspect().catch(async () => {
    await stack.compose.pull(["postgres"]);
    return docker.getImage(image).inspect();
  });
  const pgMajor = (info.Config?.Env ?? []).find((e) => e.startsWith("PG_MAJOR="))?.slice("PG_MAJOR=".length);
  const wanted = (pgMajor ?? settings.version).split(".")[0]!;
  const found = await dataVersions(docker, image, volume);
  if (!found.length || found.every((v) => v === wanted)) return;
  const had = [...new Set(found)].join(" and ");
  throw new PrecheckError(
    `postgres ${wanted} (${image}) would not start on this app's data: postgres ${had} wrote it (volume ${volume}). Nothing was stopped.`,
    `Keep services.postgres.version: "${had}" in fdock.yaml to go on as before. To upgrade: \`fdock backup -o db.fdock-backup\` with the old version, \`fdock down -v --yes\`, deploy with the new version, then \`fdock restore db.fdock-backup\`.`,
  );
}

/** The PG_VERSION files in the volume, read by a container of `image` that runs nothing else. */
async function dataVersions(docker: Docker, image: string, volume: string): Promise<string[]> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ["sh", "-c", LIST_VERSIONS],
    Cmd: [],
    User: "0:0",
    HostConfig: { Binds: [`${volume}:/data:ro`], NetworkMode: "none" },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: false });
    const chunks: Buffer[] = [];
    docker.modem.demuxStream(stream, new PassThrough().on("data", (c: Buffer) => chunks.push(c)), new PassThrough());
    const ended = new Promise((resolve) => stream.on("end", resolve).on("close", resolve));
    await container.start();
    await container.wait();
    await ended;
    const text = Buffer.concat(chunks).toString("utf8");
    return text.split(/\s+/).filter((v) => /^\d+(\.\d+)?$/.test(v)).map((v) => v.split(".")[0]!);
  } finally {
    // v: the image's own VOLUME (PGDATA) got an anonymous volume; it goes too.
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

