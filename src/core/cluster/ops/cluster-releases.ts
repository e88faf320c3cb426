/**
 * Releases on a cluster. Each successful `fdock up --remote CLUSTER` is one, recorded as a Swarm
 * config object `fdock-NAME-release-ID` (never part of the stack: `docker stack rm` leaves it):
 * its labels hold the id, time, git commit and both images' references and IDs, its data the
 * stack file deployed. Swarm keeps configs in its Raft store, replicated to every manager and to
 * no worker: any answering manager lists them, and they outlive the loss of any worker (and of
 * managers, while a majority stays). The images themselves are on every node (tagged by content,
 * images.ts). The cluster keeps the last KEEP_RELEASES releases; older ones' records go, and so do
 * their images on every node, unless a kept release or a running task still uses them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { step, type Reporter } from "../../events.js";
import type { RemoteEngine } from "../../machine/remote.js";
import { loadProject } from "../../project/config-file.js";
import type { Project } from "../../project/model.js";
import { FDOCK_LABEL_PREFIX, imageRepo } from "../../render/layout.js";
import { bundleDir } from "../../stack/bundle-files.js";
import { gitCommit, KEEP_RELEASES, RELEASE_LABELS, releaseId, type Release } from "../../stack/releases.js";
import type { BuiltImage, ClusterImage } from "../deploy/images.js";
import { SWARM_FILE } from "../deploy/swarm-argv.js";
import { closeEngine, reachManager, STACK_LABEL, stackServices, type ServiceRecord } from "./reach-cluster.js";
import { withoutDigest } from "./tasks.js";

const L = {
  ...RELEASE_LABELS,
  gunicornId: RELEASE_LABELS.gunicorn,
  nginxId: RELEASE_LABELS.nginx,
  gunicornRef: `${FDOCK_LABEL_PREFIX}.release.gunicorn-ref`,
  nginxRef: `${FDOCK_LABEL_PREFIX}.release.nginx-ref`,
};

/** A cluster's release: the one-engine fields (images: the IDs) and the exact references every node has. */
export interface ClusterRelease extends Release {
  refs: Record<ClusterImage, string>;
}

/** A config as the API lists it (the parts fdock reads). */
export interface ConfigRecord {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string>; Data?: string };
}

/** The config object of a release. */
export const releaseConfigName = (stack: string, id: string): string => `fdock-${stack}-release-${id}`;

/** The labels of a release's record. */
export function releaseLabels(stack: string, r: Omit<ClusterRelease, "current">): Record<string, string> {
  return {
    [L.project]: stack,
    [L.id]: r.id,
    [L.time]: r.time,
    [L.commit]: r.commit ?? "",
    [L.gunicornId]: r.images.gunicorn,
    [L.nginxId]: r.images.nginx,
    [L.gunicornRef]: r.refs.gunicorn,
    [L.nginxRef]: r.refs.nginx,
  };
}

/** The images each service of the stack runs now (spec), by short name: what marks the serving release. */
export function servingRefs(stack: string, services: ServiceRecord[]): Partial<Record<string, string>> {
  return Object.fromEntries(services.map((s) => [s.Spec.Name.slice(stack.length + 1), withoutDigest(s.Spec.TaskTemplate.ContainerSpec.Image)]));
}

/** Releases from their records, newest first; the newest whose images both services run now is marked current. Pure. */
export function releasesFrom(configs: ConfigRecord[], serving: Partial<Record<string, string>>): ClusterRelease[] {
  const list = configs
    .map((c) => c.Spec.Labels ?? {})
    .filter((l) => l[L.id])
    .map((l) => ({
      id: l[L.id]!,
      time: l[L.time] ?? "",
      commit: l[L.commit] || null,
      images: { gunicorn: l[L.gunicornId] ?? "", nginx: l[L.nginxId] ?? "" },
      refs: { gunicorn: l[L.gunicornRef] ?? "", nginx: l[L.nginxRef] ?? "" },
      current: false,
    }))
    .sort((a, b) => b.id.localeCompare(a.id));
  const current = list.find((r) => r.refs.gunicorn === serving.gunicorn && r.refs.nginx === serving.nginx);
  if (current) current.current = true;
  return list;
}

async function releaseConfigs(docker: Docker, stack: string): Promise<ConfigRecord[]> {
  return (await docker.listConfigs({ filters: { label: [`${L.project}=${stack}`] } })) as unknown as ConfigRecord[];
}

/** The stack's releases on the cluster (asked of a manager), newest first, the serving one marked. */
export async function listClusterReleases(docker: Docker, stack: string): Promise<ClusterRelease[]> {
  const [configs, services] = await Promise.all([releaseConfigs(docker, stack), stackServices(docker, stack)]);
  return releasesFrom(configs, servingRefs(stack, services));
}

/** A release's stack file, as deployed. */
export async function releaseStackFile(docker: Docker, stack: string, id: string): Promise<string> {
  const config = (await docker.getConfig(releaseConfigName(stack, id)).inspect()) as unknown as ConfigRecord;
  return Buffer.from(config.Spec.Data ?? "", "base64").toString("utf8");
}

export interface RecordRequest {
  manager: RemoteEngine;
  nodes: RemoteEngine[];
  project: Project;
  images: Record<ClusterImage, BuiltImage>;
}

/**
 * After a successful cluster deploy: records it as a release (unless the newest release is exactly
 * what now serves), then prunes (pruneClusterReleases). A failure to record is reported, not
 * thrown: the deploy has succeeded. Returns the serving release's id.
 */
export async function recordClusterRelease(req: RecordRequest, reporter: Reporter, at = new Date()): Promise<string | undefined> {
  return step(reporter, "record", "Record the release", async () => {
    const { docker } = req.manager;
    const stack = req.project.config.name;
    const known = await listClusterReleases(docker, stack);
    const refs = { gunicorn: req.images.gunicorn.ref, nginx: req.images.nginx.ref };
    if (known[0] && known[0].refs.gunicorn === refs.gunicorn && known[0].refs.nginx === refs.nginx) return known[0].id;
    let id = releaseId(at);
    for (let n = 2; known.some((r) => r.id === id); n++) id = `${releaseId(at)}-${n}`;
    const release = { id, time: at.toISOString(), commit: await gitCommit(req.project.dir), images: { gunicorn: req.images.gunicorn.id, nginx: req.images.nginx.id }, refs };
    const stackFile = readFileSync(join(bundleDir(req.project.dir), SWARM_FILE));
    await docker.createConfig({ Name: releaseConfigName(stack, id), Labels: releaseLabels(stack, release), Data: stackFile.toString("base64") });
    const pruned = await pruneClusterReleases(req.manager, req.nodes, stack);
    if (pruned.releases.length) reporter.emit({ kind: "info", message: `older releases removed: ${pruned.releases.join(", ")} (${pruned.images} images on the nodes)` });
    return id;
  }).catch((e: Error) => void reporter.emit({ kind: "info", message: `the release was not recorded: ${e.message}` }));
}

/** A content tag, as images.ts gives the cluster's images: 12 hex digits. */
const CONTENT_TAG = /:[0-9a-f]{12}$/;

/**
 * Removes the records of releases beyond the last `keep` (never the serving one) and, on every
 * node, the stack's content-tagged images that no kept release names, no service's spec (nor its
 * previous spec, which Swarm rolls back to) names, and no running container uses: the old
 * releases' images and builds that never served. A stopped task's container of such an image
 * goes first (Swarm's task history; it would hold the image). Returns the releases and the
 * number of images removed.
 */
export async function pruneClusterReleases(manager: RemoteEngine, nodes: RemoteEngine[], stack: string, keep = KEEP_RELEASES): Promise<{ releases: string[]; images: number }> {
  const all = await listClusterReleases(manager.docker, stack);
  const old = all.slice(keep).filter((r) => !r.current);
  for (const r of old) await manager.docker.getConfig(releaseConfigName(stack, r.id)).remove().catch(() => undefined);
  const services = (await stackServices(manager.docker, stack)) as Array<ServiceRecord & { PreviousSpec?: ServiceRecord["Spec"] }>;
  const kept = new Set([
    ...all.filter((r) => !old.includes(r)).flatMap((r) => [r.refs.gunicorn, r.refs.nginx]),
    ...services.flatMap((s) => [s.Spec, s.PreviousSpec].filter(Boolean).map((spec) => withoutDigest(spec!.TaskTemplate.ContainerSpec.Image))),
  ]);
  const repos = [imageRepo(stack, "gunicorn"), imageRepo(stack, "nginx")];
  const removed = await Promise.all(nodes.map((node) => pruneImagesOn(node.docker, stack, repos, kept)));
  return { releases: old.map((r) => r.id), images: removed.reduce((a, b) => a + b, 0) };
}

/** On one node: the stack's content-tagged images not kept and not run by a running container. */
async function pruneImagesOn(docker: Docker, stack: string, repos: string[], kept: Set<string>): Promise<number> {
  const images = await docker.listImages({ filters: { reference: repos } });
  let removed = 0;
  for (const image of images) {
    const stale = (image.RepoTags ?? []).filter((t) => CONTENT_TAG.test(t) && repos.some((r) => t.startsWith(`${r}:`)) && !kept.has(t));
    if (!stale.length) continue;
    const users = await docker.listContainers({ all: true, filters: { ancestor: [image.Id] } });
    if (users.some((c) => c.State === "running" || c.State === "restarting")) continue;
    // Only the stack's own finished tasks are removed: anything else holding the image keeps it.
    for (const c of users.filter((u) => u.Labels?.[STACK_LABEL] === stack)) await docker.getContainer(c.Id).remove().catch(() => undefined);
    for (const tag of stale) {
      if (await docker.getImage(tag).remove().then(() => true, () => false)) removed++;
    }
  }
  return removed;
}

/** `fdock releases --remote CLUSTER`: the app's releases on the cluster, newest first. */
export async function clusterReleases(dir: string, clusterName: string, env: NodeJS.ProcessEnv): Promise<ClusterRelease[]> {
  const stack = loadProject(dir, env).config.name;
  const { manager } = await reachManager(clusterName, env);
  try {
    return await listClusterReleases(manager.docker, stack);
  } finally {
    closeEngine(manager);
  }
}
