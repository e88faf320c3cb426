import { UserError } from "../errors.js";
import { EDGE_HSTS_MAX_AGE, EDGE_LAYOUT_VALUES } from "./edge-layout.js";
import { renderFragment, renderTemplate } from "./templates.js";

/** One site behind the edge: an app's host names and where its nginx answers. */
export interface EdgeSite {
  /** Host names (server.names), the first one the certificate's name. Wildcards as "*.example.com". */
  names: readonly string[];
  /** The app's nginx as "host:port", host a name Docker's DNS answers on the edge's network. */
  upstream: string;
  /** A certificate and key inside the edge (edgeCertificatePaths, or a user's own copied there): HTTPS, HTTP redirects to it. */
  certificate?: { certificate: string; key: string };
  /** HSTS's max-age in seconds with a certificate (one year when not given); 0 sends none. */
  hstsMaxAge?: number;
}

// A host name: labels of letters, digits and hyphens (not at either end), a first label may be "*".
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_NAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`, "i");
const UPSTREAM = new RegExp(`^(?:${LABEL}\\.)*${LABEL}:\\d{1,5}$`, "i");
// A path inside the edge: no character nginx's configuration would read as syntax.
const EDGE_PATH = /^\/[A-Za-z0-9._\-/]+$/;

/** Whether a name is a host name the edge can route and an ACME server can certify. */
export function isHostName(name: string): boolean {
  return name.length <= 253 && HOST_NAME.test(name);
}

/** The ACME challenge location, in every server on port 80. */
export function renderAcmeChallengeLocation(): string {
  return renderFragment("images/edge/acme-challenge-location.conf.tmpl", EDGE_LAYOUT_VALUES);
}

function checkSite(site: EdgeSite): void {
  if (site.names.length === 0) throw new UserError(`A site for ${site.upstream} has no host name.`, "Set server.names in fdock.yaml to the names the app answers to.");
  for (const name of site.names) {
    if (!isHostName(name)) {
      throw new UserError(`server.names: "${name}" is not a host name.`, "Use names like example.com or www.example.com (letters, digits, hyphens and dots; a leading *. for a wildcard).");
    }
  }
  const port = Number(site.upstream.split(":").pop());
  if (!UPSTREAM.test(site.upstream) || port < 1 || port > 65535) throw new Error(`edge upstream "${site.upstream}" is not host:port`);
  if (site.certificate && !(EDGE_PATH.test(site.certificate.certificate) && EDGE_PATH.test(site.certificate.key))) {
    throw new Error(`edge certificate paths ${site.certificate.certificate} ${site.certificate.key} are not plain absolute paths`);
  }
  if (site.hstsMaxAge !== undefined && !(Number.isInteger(site.hstsMaxAge) && site.hstsMaxAge >= 0)) throw new Error(`edge HSTS max-age ${site.hstsMaxAge} is not a whole number of seconds`);
}

/** Refuses two sites claiming one name (nginx would serve the first and only warn). */
function checkNamesOnce(sites: readonly EdgeSite[]): void {
  const claimed = new Map<string, string>();
  for (const site of sites) {
    for (const name of site.names) {
      const key = name.toLowerCase();
      const other = claimed.get(key);
      if (other !== undefined && other !== site.upstream) {
        throw new UserError(`The host name ${name} is claimed by two apps on this engine (${other} and ${site.upstream}).`, "Give each app its own names in server.names, or remove the other app first (fdock down).");
      }
      if (other === site.upstream) throw new UserError(`server.names lists ${name} twice.`, "List each host name once.");
      claimed.set(key, site.upstream);
    }
  }
}

function renderSite(site: EdgeSite): string {
  const values = {
    ...EDGE_LAYOUT_VALUES,
    names: site.names.map((n) => n.toLowerCase()).join(" "),
    acme_challenge_location: renderAcmeChallengeLocation(),
    proxy: renderFragment("images/edge/proxy.conf.tmpl", { upstream: site.upstream }),
  };
  if (!site.certificate) return renderTemplate("images/edge/site-http.conf.tmpl", values);
  const maxAge = site.hstsMaxAge ?? EDGE_HSTS_MAX_AGE;
  return renderTemplate("images/edge/site-https.conf.tmpl", {
    ...values,
    certificate: site.certificate.certificate,
    certificate_key: site.certificate.key,
    hsts: maxAge > 0 ? renderFragment("images/edge/hsts.conf.tmpl", { max_age: maxAge }) : "",
  });
}

/**
 * The edge's sites file: a server block per site on port 80 (the ACME challenge path, then the app,
 * or a redirect to HTTPS when the site has a certificate) and one on 443 with its certificate.
 * Checks every name first: a name that is not a host name, or claimed twice, changes nothing.
 */
export function renderEdgeSites(sites: readonly EdgeSite[]): string {
  sites.forEach(checkSite);
  checkNamesOnce(sites);
  return renderTemplate("images/edge/sites.conf.tmpl", { sites: sites.map(renderSite).join("\n") });
}
