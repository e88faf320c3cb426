/**
 * The amazonec2 DriverFactory. Loaded on demand by the driver registry (it brings the AWS SDK);
 * createAmazonec2Factory lets tests put in their own sleep, SSH probe and AWS clients.
 */
import { DEFAULT_SSH_TIMEOUT_SECONDS, type CoreOptions, type DriverFactory, type FlagValues } from "../../driver.js";
import { UserError } from "../../../errors.js";
import { Amazonec2Driver } from "./amazonec2-driver.js";
import type { Amazonec2Data, Amazonec2Deps } from "./driver-data.js";
import { callerCredentials, describeChain, makeApis, profileRegion } from "./aws-clients.js";
import { parseOptions, type Amazonec2Options } from "./options.js";
import { checkIpLookup } from "./own-address.js";
import { defaultRetryPolicy } from "./retry.js";
import { tcpAnswers } from "../../../tcp-port.js";
import { defaultTeardownTimeouts } from "./teardown.js";

function defaultDeps(opts: Amazonec2Options, env: NodeJS.ProcessEnv): Amazonec2Deps {
  let caller: ReturnType<typeof callerCredentials> | undefined;
  return {
    connect(region, who) {
      caller ??= callerCredentials(opts.profile);
      return makeApis({ region, endpoint: opts.endpoint, credentials: who === "caller" ? caller : { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey } });
    },
    profileRegion: () => profileRegion(opts.profile),
    chain: describeChain(opts.profile, env),
    policy: defaultRetryPolicy(),
    probe: tcpAnswers,
    lookupAddress: checkIpLookup,
    timeouts: { ...defaultTeardownTimeouts, runningMs: 10 * 60_000 },
  };
}

export type DepsOverride = (defaults: Amazonec2Deps, opts: Amazonec2Options) => Amazonec2Deps;

export function createAmazonec2Factory(override: DepsOverride = (d) => d): DriverFactory {
  return {
    async fromFlags(flags: FlagValues, env: NodeJS.ProcessEnv, core: CoreOptions) {
      const opts = parseOptions(flags, env);
      return new Amazonec2Driver(override(defaultDeps(opts, env), opts), opts, core);
    },
    async load(data: Record<string, unknown>, dir: string, env: NodeJS.ProcessEnv) {
      const stored = data as unknown as Amazonec2Data;
      if (stored.version !== 1 || !stored.options || !stored.resources) {
        throw new UserError(`The amazonec2 data in ${dir}/config.json is not a version this fdock reads.`);
      }
      const { sshTimeoutSeconds = DEFAULT_SSH_TIMEOUT_SECONDS, ...opts } = stored.options;
      const core: CoreOptions = { noProvision: false, sshTimeoutSeconds };
      return new Amazonec2Driver(override(defaultDeps(opts, env), opts), opts, core, stored, dir);
    },
  };
}

export const amazonec2Factory: DriverFactory = createAmazonec2Factory();
export default amazonec2Factory;
