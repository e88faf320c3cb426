/** The default image: the newest current Ubuntu LTS server image Canonical publishes in the region. */
import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { UserError } from "../../../errors.js";
import type { AwsApis } from "./aws-clients.js";
import { hasCode } from "./aws-errors.js";
import { withRetry, type RetryPolicy } from "./retry.js";

export const CANONICAL_OWNER = "099720109477";
/** Older LTS releases are out of standard support: never picked by default. */
export const MIN_LTS = 22.04;

export function architectureOf(instanceType: string): "amd64" | "arm64" {
  // Graviton families carry a "g" after the generation: t4g, m7g, c7gn, r8g...
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? "arm64" : "amd64";
}

/** The LTS version in an image name like ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115. */
export function ltsVersion(name: string): number | undefined {
  const m = /ubuntu-[a-z]+-(\d{2})\.04-(?:amd64|arm64)-server-\d+/.exec(name);
  if (!m) return undefined;
  const year = Number(m[1]);
  return year % 2 === 0 ? year + 0.04 : undefined;
}

export function pickUbuntuLts(images: Image[], arch: "amd64" | "arm64"): Image | undefined {
  return images
    .filter((i) => i.Name?.includes(`-${arch}-server-`) && (ltsVersion(i.Name) ?? 0) >= MIN_LTS)
    .sort((a, b) => ltsVersion(b.Name!)! - ltsVersion(a.Name!)! || (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""))[0];
}

export async function defaultAmi(apis: AwsApis, policy: RetryPolicy, instanceType: string): Promise<{ id: string; name: string }> {
  const arch = architectureOf(instanceType);
  const out = await withRetry(policy, () =>
    apis.ec2.send(
      new DescribeImagesCommand({
        Owners: [CANONICAL_OWNER],
        Filters: [
          { Name: "name", Values: [`ubuntu/images/hvm-ssd*/ubuntu-*-${arch}-server-*`] },
          { Name: "state", Values: ["available"] },
        ],
      }),
    ),
  );
  const image = pickUbuntuLts(out.Images ?? [], arch);
  if (!image?.ImageId) {
    throw new UserError(
      `No Ubuntu LTS image (${MIN_LTS} or newer, ${arch}) from Canonical was found in ${apis.region}.`,
      "Pass an image with --amazonec2-ami ami-... (an Ubuntu or Debian image with cloud-init).",
    );
  }
  return { id: image.ImageId, name: image.Name ?? image.ImageId };
}

/** Checks a given AMI exists in the region. */
export async function checkAmi(apis: AwsApis, policy: RetryPolicy, ami: string): Promise<string> {
  try {
    const out = await withRetry(policy, () => apis.ec2.send(new DescribeImagesCommand({ ImageIds: [ami] })));
    const image = out.Images?.[0];
    if (!image) throw Object.assign(new Error("not found"), { name: "InvalidAMIID.NotFound" });
    return image.Name ?? ami;
  } catch (e) {
    if (hasCode(e, "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")) {
      throw new UserError(`The image ${ami} does not exist in ${apis.region}.`, "AMI ids differ per region: look it up for this region, or leave --amazonec2-ami out.");
    }
    throw e;
  }
}
