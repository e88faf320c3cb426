/**
 * The app's service credentials on a cluster: Swarm secrets, the same on every node, created once
 * per app and service through the manager's API (the values go in the request's body only: never
 * printed, logged, on a command line, in the stack file or an image). A password is generated
 * here when its service's secrets do not exist yet, and never changes after (a database was
 * initialised with it): a Swarm secret cannot change, and these never need to. `docker stack rm`
 * leaves them, with the data volumes they open.
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { UserError } from "../../errors.js";
import type { ServiceKind } from "../../project/model.js";
import { CREDENTIAL_FILES, credentialContents, secretName } from "../../render/swarm-services.js";

/** Labels on fdock's secrets: the app they belong to. */
export const SECRET_APP_LABEL = "fdock.app";

/** Each missing service's secrets created (all its files from one new password); returns the services that got new ones. */
export async function ensureCredentials(docker: Docker, app: string, kinds: ServiceKind[]): Promise<ServiceKind[]> {
  const existing = new Set(((await docker.listSecrets({ filters: JSON.stringify({ label: [`${SECRET_APP_LABEL}=${app}`] }) })) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name));
  const made: ServiceKind[] = [];
  for (const kind of kinds) {
    const names = CREDENTIAL_FILES[kind].map((f) => secretName(app, f));
    if (names.every((n) => existing.has(n))) continue;
    // Some but not all (an interrupted first deploy, before the service ever started): the rest made again from one new password.
    for (const n of names.filter((n) => existing.has(n))) {
      await docker.getSecret(n).remove().catch((e: Error) => {
        throw new UserError(`Secret ${n} exists without the others of ${kind}'s credentials, and cannot be replaced: ${e.message}`, `Remove the stack and that secret (\`docker stack rm ${app}\`, \`docker secret rm ${n}\` on a manager), then deploy again.`);
      });
    }
    // 24 random bytes as hex, as on one engine: safe in a URL, a shell and a config file without quoting.
    const files = credentialContents(kind, randomBytes(24).toString("hex"));
    for (const [file, text] of Object.entries(files)) {
      await docker.createSecret({ Name: secretName(app, file as never), Labels: { [SECRET_APP_LABEL]: app }, Data: Buffer.from(text).toString("base64") });
    }
    made.push(kind);
  }
  return made;
}
