/** `fdock certs`: the certificates of an engine's edge; `fdock certs renew`: renews them. */
import type { Command } from "commander";
import { action } from "../command-action.js";
import { exitCodeOf } from "../exit-code.js";
import { remoteOption, type GlobalOptions, type Options } from "../options.js";
import { out } from "../output.js";
import type { RemoteChoice } from "../../core/stack/engine-target.js";

export function registerCerts(program: Command): void {
  const certs = program
    .command("certs")
    .description("list the HTTPS certificates of the engine's edge: names, issuer, expiry, next renewal")
    .addOption(remoteOption())
    .addHelpText("after", "\nExample:\n  fdock certs --remote web\n  fdock certs renew --remote web")
    .action(action(runCerts));
  certs
    .command("renew")
    .description("renew the certificates with fewer than 30 days left (the edge also does this by itself twice a day)")
    .option("--force", "renew every certificate, whatever time it has left (ACME servers limit how many certificates a name gets)", false)
    .addOption(remoteOption())
    .addHelpText("after", "\nExample:\n  fdock certs renew --force --remote web")
    // commander gives `certs` a --remote written after `renew` (parent options are read there too): either one counts.
    .action(action((g: GlobalOptions, opts: Options) => runRenew(g, { ...opts, remote: opts.remote ?? certs.opts().remote })));
}

async function runCerts(g: GlobalOptions, opts: Options): Promise<number> {
  const [{ certificatesOn }, { certsJson, certsText }] = await Promise.all([import("../../core/edge/certs-on.js"), import("../edge-tables.js")]);
  return exitCodeOf(g, async () => {
    const result = await certificatesOn({ remote: opts.remote as RemoteChoice, env: process.env });
    out(g.json ? certsJson(result) : certsText(result, new Date()));
  });
}

async function runRenew(g: GlobalOptions, opts: Options): Promise<number> {
  const [{ renewOn }, { renewJson, renewText }] = await Promise.all([import("../../core/edge/certs-on.js"), import("../edge-tables.js")]);
  return exitCodeOf(g, async () => {
    const result = await renewOn({ remote: opts.remote as RemoteChoice, env: process.env, force: opts.force === true });
    out(g.json ? renewJson(result) : renewText(result, new Date()));
  });
}
