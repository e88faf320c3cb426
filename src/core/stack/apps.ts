/**
 * `fdock apps`: the fdock apps on an engine, found on the engine itself (not in local folders):
 * the compose projects fdock claimed (their owner volumes, ownership.ts), those whose containers
 * run fdock's images, and those the edge serves (its app records). For each: the host names the
 * edge routes to it, the ports it publishes itself, HTTPS, the release that serves and how many of
 * its containers run.
 */
import type Docker from "dockerode";
import { readAppRecords, type EdgeAppRecord } from "../edge/app-records.js";
import { edgePresence, type EdgePresence } from "../edge/edge-certificates.js";
import { connectEngine } from "../engine/engine.js";
import { EDGE_CONTAINER } from "../render/edge-layout.js";
import { COMPOSE_LABELS } from "../render/layout.js";
import { engineTarget, type RemoteChoice } from "./engine-target.js";
import { claimedProjects } from "./ownership.js";
import { listReleases } from "./releases.js";

export type AppState = "running" | "partly running" | "stopped" | "down";

export interface AppInfo {
  app: string;
  /** The host names the edge routes to it (none: it is served on its own port). */
  names: string[];
  /** The host ports its own containers publish (an app without server.names, or a development stack). */
  ports: number[];
  https: EdgeAppRecord["tls"];
  /** The release the live containers run (null: none recorded, e.g. a development deploy). */
  release: string | null;
  containers: { running: number; total: number };
  /** down: no containers (removed by `fdock down`; its data volumes and releases may remain). */
  state: AppState;
}

export interface AppsResult {
  /** The engine's edge: its records give the host names (a stopped edge cannot be read). */
  edge: EdgePresence;
  apps: AppInfo[];
}

export function appState(running: number, total: number): AppState {
  if (total === 0) return "down";
  if (running === total) return "running";
  return running === 0 ? "stopped" : "partly running";
}

/** The containers that make an app (no one-off `fdock run` ones, no credentials step that finished its work). */
function counted(c: Docker.ContainerInfo): boolean {
  const labels = c.Labels ?? {};
  if (labels[COMPOSE_LABELS.oneoff] === "True") return false;
  return !(labels[COMPOSE_LABELS.service] === "credentials" && c.State === "exited");
}

/** Whether a container runs one of fdock's images for its project (fdock-PROJECT-SERVICE). */
const runsFdockImage = (c: Docker.ContainerInfo, project: string): boolean => c.Image.startsWith(`fdock-${project}-`);

/** The fdock apps on an engine, sorted by name. */
export async function listApps(docker: Docker, edgeContainer: string = EDGE_CONTAINER): Promise<AppsResult> {
  const [edge, claimed, containers] = await Promise.all([
    edgePresence(docker, edgeContainer),
    claimedProjects(docker),
    docker.listContainers({ all: true, filters: { label: [COMPOSE_LABELS.project] } }),
  ]);
  const records = edge === "running" ? await readAppRecords(docker, edgeContainer) : [];
  const byProject = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers.filter(counted)) {
    const project = c.Labels[COMPOSE_LABELS.project]!;
    byProject.set(project, [...(byProject.get(project) ?? []), c]);
  }
  const names = new Set([...claimed, ...records.map((r) => r.app), ...[...byProject].filter(([p, cs]) => cs.some((c) => runsFdockImage(c, p))).map(([p]) => p)]);
  const apps = await Promise.all(
    [...names].sort().map(async (app): Promise<AppInfo> => {
      const own = byProject.get(app) ?? [];
      const record = records.find((r) => r.app === app);
      const releases = await listReleases(docker, { config: { name: app } });
      const running = own.filter((c) => c.State === "running").length;
      const ports = [...new Set(own.flatMap((c) => c.Ports.flatMap((p) => (p.PublicPort ? [p.PublicPort] : []))))].sort((a, b) => a - b);
      return {
        app,
        names: record?.names ?? [],
        ports,
        https: record?.tls ?? "none",
        release: releases.find((r) => r.current)?.id ?? null,
        containers: { running, total: own.length },
        state: appState(running, own.length),
      };
    }),
  );
  return { edge, apps };
}

/** `fdock apps [--remote]`: on the chosen engine. */
export async function appsOn(req: { remote: RemoteChoice; env: NodeJS.ProcessEnv; edgeContainer?: string }): Promise<AppsResult> {
  const target = await engineTarget(req.remote, req.env);
  return listApps(target?.docker ?? (await connectEngine(req.env)), req.edgeContainer);
}
