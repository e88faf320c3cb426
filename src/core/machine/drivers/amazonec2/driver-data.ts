/** What the amazonec2 driver is given (its dependencies) and what it saves (config.json's driver data). */
import type { MachineState } from "../../driver.js";
import type { AwsConnector } from "./aws-session.js";
import type { InstanceFacts } from "./machine-steps.js";
import type { RecordedResources } from "./machine-resources.js";
import type { Amazonec2Options } from "./options.js";
import type { AddressLookup } from "./own-address.js";
import type { Prepared } from "./prepare.js";
import type { RetryPolicy } from "./retry.js";
import type { PortProbe } from "../../../tcp-port.js";
import type { TeardownTimeouts } from "./teardown.js";

export interface Amazonec2Deps extends AwsConnector {
  policy: RetryPolicy;
  probe: PortProbe;
  lookupAddress: AddressLookup;
  timeouts: TeardownTimeouts & { runningMs: number };
}

/** What config.json holds for an amazonec2 machine: ids and choices, never a secret. */
export interface Amazonec2Data extends InstanceFacts {
  version: 1;
  machine?: string;
  region?: string;
  /** The driver's options, and the SSH bound the create was given. */
  options: Amazonec2Options & { sshTimeoutSeconds: number };
  prepared?: Prepared;
  resources: RecordedResources;
}

/** EC2 instance states as machine states. */
export const EC2_STATES: Record<string, MachineState> = {
  pending: "Starting",
  running: "Running",
  stopping: "Stopping",
  stopped: "Stopped",
  "shutting-down": "Stopping",
  terminated: "NotFound",
};
