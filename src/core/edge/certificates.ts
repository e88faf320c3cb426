import type Docker from "dockerode";
import { createHash } from "node:crypto";
import { UserError } from "../errors.js";
import { EDGE_CA_DIR, EDGE_CONTAINER, LETS_ENCRYPT_DIRECTORY } from "../render/edge-layout.js";
import { isHostName } from "../render/edge-sites.js";
import { acmeFailure } from "./acme-failure.js";
import { parseCertsOutput, type CertificateInfo, type CertsLine } from "./certs-output.js";
import { execOutput } from "./exec-output.js";
import { tarOf } from "./tar.js";

/** Who asks for certificates and where (fdock.yaml's tls: email, acme_directory, acme_ca). */
export interface AcmeAccount {
  email: string;
  /** The ACME directory URL (Let's Encrypt's production directory unless given). */
  directory?: string;
  /** A CA bundle (PEM text) to trust the directory's HTTPS with: a private or test ACME server. */
  caBundle?: string;
}

export interface ObtainResult {
  /** obtained: a new certificate; reused: the one on the edge's volume still had time left; renewed: it had less than 30 days. */
  result: "obtained" | "reused" | "renewed";
  info: CertificateInfo;
}

/** The argv of `fdock-certs obtain` in the edge (no secret in it: names, email, URL, a path). */
export function obtainArgv(names: readonly string[], email: string, directory: string, caFile?: string): string[] {
  return ["fdock-certs", "obtain", "--domains", names.join(","), "--email", email, "--server", directory, ...(caFile ? ["--ca-file", caFile] : [])];
}

/** The argv of `fdock-certs renew`. */
export function renewArgv(force: boolean): string[] {
  return ["fdock-certs", "renew", ...(force ? ["--force"] : [])];
}

function checkAccount(names: readonly string[], account: AcmeAccount, directory: string): void {
  if (names.length === 0) throw new UserError("TLS is asked without server names.", "Set server.names in fdock.yaml to the host names the app answers to (their DNS pointing at the machine).");
  for (const name of names) if (!isHostName(name)) throw new UserError(`server.names: "${name}" is not a host name.`, "Use names like example.com or www.example.com.");
  if (!/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(account.email)) throw new UserError(`tls.email: "${account.email}" is not an email address.`, "Set tls.email to an address the ACME server can write to about your certificates (expiry, problems).");
  let url: URL | undefined;
  try {
    url = new URL(directory);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:") throw new UserError(`tls.acme_directory: "${directory}" is not an https:// URL.`, `Use the ACME server's directory URL, e.g. ${LETS_ENCRYPT_DIRECTORY}.`);
}

/**
 * Puts a CA bundle into the edge's volume (named after its digest: the same bundle twice is one
 * file) and returns its path there. Through the engine API: no file on the host to manage.
 */
async function putCaBundle(docker: Docker, container: string, pem: string): Promise<string> {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UserError("tls.acme_ca does not hold a PEM certificate.", "Give the path of the ACME server's CA bundle in PEM form (text starting with -----BEGIN CERTIFICATE-----).");
  const file = `${createHash("sha256").update(pem).digest("hex").slice(0, 16)}.pem`;
  await docker.getContainer(container).putArchive(tarOf([{ name: file, content: pem }]), { path: EDGE_CA_DIR });
  return `${EDGE_CA_DIR}/${file}`;
}

/**
 * A certificate for `names` on the edge (the edge must serve port 80 for them: ensureEdge with
 * their site first). Reused when the edge already holds one from this directory for these names
 * with more than 30 days left: ACME servers limit how many certificates a name may get.
 */
export async function obtainCertificate(docker: Docker, names: readonly string[], account: AcmeAccount, container: string = EDGE_CONTAINER): Promise<ObtainResult> {
  const directory = account.directory ?? LETS_ENCRYPT_DIRECTORY;
  checkAccount(names, account, directory);
  const caFile = account.caBundle === undefined ? undefined : await putCaBundle(docker, container, account.caBundle);
  const r = await execOutput(docker, container, obtainArgv(names, account.email, directory, caFile));
  const line = parseCertsOutput(r.stdout).at(-1);
  if (r.exitCode !== 0 || !line || line.result === "failed" || !line.info) throw acmeFailure(names, directory, r.stderr);
  return { result: line.result as ObtainResult["result"], info: line.info };
}

/** The certificates on the edge's volume, for `fdock certs`. */
export async function listCertificates(docker: Docker, container: string = EDGE_CONTAINER): Promise<CertificateInfo[]> {
  const r = await execOutput(docker, container, ["fdock-certs", "list"]);
  if (r.exitCode !== 0) throw new UserError("Could not list the edge's certificates.", `See the edge's log: docker logs ${container}`, r.stderr.trim());
  return parseCertsOutput(r.stdout).flatMap((l) => (l.info ? [l.info] : []));
}

/**
 * Renews the certificates with fewer than 30 days left (every one with `force`), then nginx
 * reloads gracefully; what happened to each. A failure names the certificates and lego's error.
 */
export async function renewCertificates(docker: Docker, options: { force?: boolean } = {}, container: string = EDGE_CONTAINER): Promise<CertsLine[]> {
  const r = await execOutput(docker, container, renewArgv(options.force ?? false));
  const lines = parseCertsOutput(r.stdout);
  const failed = lines.filter((l) => l.result === "failed");
  if (r.exitCode !== 0 || failed.length > 0) {
    const names = failed.length ? failed.map((l) => l.name) : ["the edge's certificates"];
    throw acmeFailure(names, "their ACME directory", r.stderr);
  }
  return lines;
}
