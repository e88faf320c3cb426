/**
 * The edge's layout: names, paths and periods that the edge image's files (images/edge/) and the
 * code that drives the edge (src/core/edge/) must agree on. Written here once; the edge's
 * templates get them through EDGE_LAYOUT_VALUES ({{edge_state_dir}} ...).
 */

/** The edge container, its image repository, its state volume and its network (defaults; tests pass their own). */
export const EDGE_CONTAINER = "fdock-edge";
export const EDGE_IMAGE_REPO = "fdock-edge";
export const EDGE_VOLUME = "fdock-edge-certs";
export const EDGE_NETWORK = "fdock-edge";

/** The state volume's mount point: lego's account and certificates, the ACME webroot, CA bundles. */
export const EDGE_STATE_DIR = "/var/lib/fdock-edge";
/** lego's --path: accounts/ and certificates/NAME.{crt,key,issuer.crt,json}. */
export const EDGE_LEGO_DIR = `${EDGE_STATE_DIR}/lego`;
/** Where lego writes HTTP-01 tokens (.well-known/acme-challenge/) and nginx serves them from. */
export const EDGE_WEBROOT = `${EDGE_STATE_DIR}/webroot`;
/** CA bundles that lego trusts for an ACME server (tls.acme_ca), one file per bundle's digest. */
export const EDGE_CA_DIR = `${EDGE_STATE_DIR}/ca`;
/** The sites' server blocks, rewritten by fdock, loaded by a graceful reload. */
export const EDGE_SITES_FILE = "/etc/nginx/fdock-edge/sites.conf";
/** The folder of the edge's own nginx files (the sites file and the two below). */
export const EDGE_CONF_DIR = "/etc/nginx/fdock-edge";
/** HTTP/2 for HTTPS, in http{}: `http2 on;` where the image's nginx has the directive (>= 1.25.1), written when the image is built. */
export const EDGE_HTTP2_FILE = `${EDGE_CONF_DIR}/http2.conf`;
/** The default HTTPS server's listen line (with the http2 parameter before nginx 1.25.1), written when the image is built. */
export const EDGE_HTTPS_LISTEN_FILE = `${EDGE_CONF_DIR}/https-listen.conf`;

/** Each app the edge serves: one record per app (its names, upstream, TLS), kept on the state volume. */
export const EDGE_APPS_DIR = `${EDGE_STATE_DIR}/apps`;
/** The users' own certificates and keys (tls.certificate, tls.key), one pair per app. */
export const EDGE_OWN_CERTS_DIR = `${EDGE_STATE_DIR}/own`;

/**
 * The name an app's front answers to on the edge's network: a host-name label (compose project
 * names may hold "_", which host names may not).
 */
export function edgeAlias(app: string): string {
  return `fdock-app-${app.replace(/_/g, "--")}`;
}

/**
 * The edge's listen backlog on 80 and 443, and the somaxconn its container gets to match: every
 * client of every app arrives here first, as at an app's front (layout's FRONT_BACKLOG, sized on
 * the bench's 1,024 clients, where nginx's default of 511 dropped connection attempts).
 */
export const EDGE_BACKLOG = 4096;

/** The edge's HTTPS port in its container (HTTP is layout's HTTP_PORT). */
export const EDGE_HTTPS_PORT = 443;
/** A certificate with fewer days left than this is renewed. */
export const EDGE_RENEW_DAYS = 30;
/** The renewal loop checks every this many hours. */
export const EDGE_RENEW_HOURS = 12;
/** HSTS's max-age when the config does not say (one year). */
export const EDGE_HSTS_MAX_AGE = 31_536_000;

/** Let's Encrypt's production directory: the default ACME server. */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

/** Where a certificate fdock-certs obtained lives in the edge (lego names it after its first name, "*" as "_"). */
export function edgeCertificatePaths(names: readonly string[]): { certificate: string; key: string } {
  const file = `${EDGE_LEGO_DIR}/certificates/${names[0]!.toLowerCase().replace(/\*/g, "_")}`;
  return { certificate: `${file}.crt`, key: `${file}.key` };
}

/** The edge's layout as template values. */
export const EDGE_LAYOUT_VALUES = {
  edge_state_dir: EDGE_STATE_DIR,
  edge_webroot: EDGE_WEBROOT,
  edge_apps_dir: EDGE_APPS_DIR,
  edge_own_certs_dir: EDGE_OWN_CERTS_DIR,
  edge_sites_file: EDGE_SITES_FILE,
  edge_conf_dir: EDGE_CONF_DIR,
  edge_http2_file: EDGE_HTTP2_FILE,
  edge_https_listen_file: EDGE_HTTPS_LISTEN_FILE,
  edge_https_port: EDGE_HTTPS_PORT,
  edge_backlog: EDGE_BACKLOG,
  edge_renew_days: EDGE_RENEW_DAYS,
  edge_renew_hours: EDGE_RENEW_HOURS,
  edge_renew_seconds: EDGE_RENEW_HOURS * 3600,
} as const;
