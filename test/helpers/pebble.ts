import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { GenericContainer } from "testcontainers";

const PEBBLE_DIR = fileURLToPath(new URL("../../scripts/standins/pebble/", import.meta.url));

/**
 * Pebble's stand-in image (a real ACME server: Debian's pebble and pebble-challtestsrv on the
 * nginx stand-in), built once per recipe like the rig's stand-ins, and kept.
 */
export async function pebbleImage(engine: Docker, nginxImage: string): Promise<string> {
  const hash = createHash("sha256").update(nginxImage);
  for (const f of readdirSync(PEBBLE_DIR).sort()) hash.update(f).update(readFileSync(PEBBLE_DIR + f));
  const tag = `fdock-standin/pebble:${hash.digest("hex").slice(0, 12)}`;
  if (!(await engine.getImage(tag).inspect().then(() => true, () => false))) {
    await GenericContainer.fromDockerfile(PEBBLE_DIR).withBuildArgs({ BASE: nginxImage }).build(tag, { deleteOnExit: false });
  }
  return tag;
}
