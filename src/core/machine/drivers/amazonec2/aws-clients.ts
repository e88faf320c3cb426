/**
 * The narrow AWS surface the driver uses: three `send`s. Real SDK clients satisfy it; tests
 * put aws-sdk-client-mock on real clients. Credentials come from the SDK's own chain.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export type Ec2Api = Pick<EC2Client, "send">;
export type IamApi = Pick<IAMClient, "send">;
export type StsApi = Pick<STSClient, "send">;

export interface AwsApis {
  ec2: Ec2Api;
  iam: IamApi;
  sts: StsApi;
  region: string;
}

export interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SDK-level attempts (throttling, 5xx, network); the driver adds its own retries on top. */
  maxAttempts?: number;
}

export function makeApis(s: ClientSettings): AwsApis {
  const common = {
    region: s.region,
    credentials: s.credentials,
    maxAttempts: s.maxAttempts ?? 6,
    retryMode: "adaptive",
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
  };
  return {
    ec2: new EC2Client(common),
    // IAM is global: the SDK's endpoint rules map any region of a partition to its global endpoint.
    iam: new IAMClient(common),
    sts: new STSClient(common),
    region: s.region,
  };
}

/** The caller's credentials: environment, shared config and credentials files (profile), SSO, web identity, container and instance metadata. */
export function callerCredentials(profile: string | undefined): AwsCredentialIdentityProvider {
  return fromNodeProviderChain(profile ? { profile } : {});
}

export function describeChain(profile: string | undefined, env: NodeJS.ProcessEnv): string {
  const prof = profile ?? env.AWS_PROFILE ?? "default";
  return (
    `the AWS SDK chain: environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), ` +
    `shared config and credentials files (profile "${prof}", including SSO and credential_process), ` +
    `web identity, then container and instance metadata`
  );
}

/** The profile's region from the shared config files, when neither flag nor AWS_REGION gave one. */
export async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  try {
    const client = new STSClient(profile ? { profile } : {});
    const region = await client.config.region();
    client.destroy();
    return region || undefined;
  } catch {
    return undefined;
  }
}
