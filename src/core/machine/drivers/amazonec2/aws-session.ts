/**
 * Which AWS credentials a call uses, chosen here and nowhere else: create, rm and the
 * pre-create checks use the caller's (the SDK chain); a stored machine's everyday operations
 * use the machine's own IAM key (aws-credentials.json), and the caller's when there is none.
 */
import { UserError } from "../../../errors.js";
import type { AwsApis } from "./aws-clients.js";
import { isCredentialsError } from "./aws-errors.js";
import { CREDENTIALS_FILE, readMachineCredentials, type MachineCredentials } from "./machine-credentials.js";
import { explainAwsError } from "./prepare.js";
import type { Secrets } from "./redact.js";

export interface AwsConnector {
  /** AWS APIs in a region, with the caller's credentials (SDK chain) or the machine user's key. */
  connect(region: string, who: "caller" | MachineCredentials): AwsApis;
  /** The region when neither flag nor AWS_REGION gave one (the profile's), or undefined. */
  profileRegion(): Promise<string | undefined>;
  /** Which credential chain was tried, for error messages. */
  chain: string;
}

export class AwsSession {
  #region?: string;
  #caller?: AwsApis;
  #machineApis?: AwsApis;

  /** where.dir: the machine's folder once it has one (its own key lives there). */
  constructor(
    private readonly connector: AwsConnector,
    private readonly secrets: Secrets,
    private readonly where: { region?: string; dir?: () => string | undefined; machine: () => string | undefined },
  ) {
    this.#region = where.region;
  }

  /** The region of the flag or AWS_REGION, else the profile's, else us-east-1; once chosen, kept. */
  async region(): Promise<string> {
    this.#region ??= (await this.connector.profileRegion()) ?? "us-east-1";
    return this.#region;
  }

  /** The region as chosen so far (saved in config.json). */
  get regionChosen(): string | undefined {
    return this.#region;
  }

  /** APIs with the caller's own credentials: create, rm and the checks before create. */
  async caller(): Promise<AwsApis> {
    this.#caller ??= this.connector.connect(await this.region(), "caller");
    return this.#caller;
  }

  /** A caller's call whose AWS errors become user errors naming the region and the credential chain. */
  async asCaller<T>(fn: (apis: AwsApis) => Promise<T>): Promise<T> {
    const apis = await this.caller();
    try {
      return await fn(apis);
    } catch (e) {
      throw this.explain(e, apis);
    }
  }

  /** An AWS error (or anything thrown) as the user should see it, secrets redacted. */
  explain(e: unknown, apis: AwsApis): unknown {
    return this.secrets.error(explainAwsError(e, apis.region, this.connector.chain));
  }

  /** An everyday call with the machine's own key (the caller's when the machine has none, or once the caller's are in use). */
  async asMachine<T>(what: string, fn: (apis: AwsApis) => Promise<T>): Promise<T> {
    const apis = await this.#machine();
    try {
      return await fn(apis);
    } catch (e) {
      if (isCredentialsError(e) && apis !== this.#caller) {
        const machine = this.where.machine();
        throw new UserError(
          `AWS refused machine ${machine}'s own access key (${CREDENTIALS_FILE}) to ${what}.`,
          `The machine's IAM user may have been deleted; remove the machine with \`fdock machine rm ${machine}\` (it uses your own credentials).`,
        );
      }
      throw this.explain(e, apis);
    }
  }

  async #machine(): Promise<AwsApis> {
    if (this.#machineApis) return this.#machineApis;
    const dir = this.where.dir?.();
    const creds = dir && !this.#caller ? await readMachineCredentials(dir) : undefined;
    if (creds) {
      this.secrets.add(creds.secretAccessKey);
      this.#machineApis = this.connector.connect(await this.region(), creds);
    } else {
      this.#machineApis = await this.caller();
    }
    return this.#machineApis;
  }
}
