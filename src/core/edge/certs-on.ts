/**
 * `fdock certs` and `fdock certs renew`: the certificates of the chosen engine's edge (the local
 * engine, or a machine's with --remote). One function per command, so the CLI only parses, calls
 * one and renders. An engine with no edge has nothing to list or renew: said, not an error.
 */
import type Docker from "dockerode";
import { connectEngine } from "../engine/engine.js";
import { EDGE_CONTAINER } from "../render/edge-layout.js";
import { engineTarget, type RemoteChoice } from "../stack/engine-target.js";
import { renewCertificates } from "./certificates.js";
import type { CertsLine } from "./certs-output.js";
import { edgeCertificates, edgePresence, edgeStopped, type EdgeCertificate } from "./edge-certificates.js";

export interface EdgeOn {
  remote: RemoteChoice;
  env: NodeJS.ProcessEnv;
  /** The edge container (the engine's one edge unless given: tests run their own). */
  edgeContainer?: string;
}

/** What a certs command found: edge false when the engine has none (nothing deployed there with server.names). */
export interface CertificatesResult {
  edge: boolean;
  certificates: EdgeCertificate[];
}

export interface RenewResult {
  edge: boolean;
  /** What happened to each ACME certificate: renewed, kept (time left), skipped (not fdock-certs'). */
  lines: CertsLine[];
}

async function edgeEngine(req: EdgeOn): Promise<{ docker: Docker; container: string; edge: boolean }> {
  const target = await engineTarget(req.remote, req.env);
  const docker = target?.docker ?? (await connectEngine(req.env));
  const container = req.edgeContainer ?? EDGE_CONTAINER;
  const presence = await edgePresence(docker, container);
  if (presence === "stopped") throw edgeStopped(container);
  return { docker, container, edge: presence === "running" };
}

/** `fdock certs`: every certificate on the edge, ACME and the users' own. */
export async function certificatesOn(req: EdgeOn): Promise<CertificatesResult> {
  const { docker, container, edge } = await edgeEngine(req);
  return { edge, certificates: edge ? await edgeCertificates(docker, container) : [] };
}

/**
 * `fdock certs renew [--force]`: the ACME certificates with fewer than 30 days left renewed (every
 * one with force), nginx reloaded gracefully; a failure is an AcmeError saying what to check.
 */
export async function renewOn(req: EdgeOn & { force: boolean }): Promise<RenewResult> {
  const { docker, container, edge } = await edgeEngine(req);
  return { edge, lines: edge ? await renewCertificates(docker, { force: req.force }, container) : [] };
}
