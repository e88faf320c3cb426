/**
 * The machine IAM user's access key, in aws-credentials.json (0600) in the machine's folder: the
 * only place the secret is written. Day-to-day operations (status, start, stop, ip) use it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../atomic-file.js";

export const CREDENTIALS_FILE = "aws-credentials.json";

export interface MachineCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
}

export async function writeMachineCredentials(dir: string, creds: MachineCredentials): Promise<string> {
  const path = join(dir, CREDENTIALS_FILE);
  // 0600 from the first byte, and whole or absent: a temp file renamed over the target.
  writeFileAtomic(path, JSON.stringify({ version: 1, ...creds }, null, 2) + "\n", { mode: 0o600 });
  return path;
}

export async function readMachineCredentials(dir: string): Promise<MachineCredentials | undefined> {
  try {
    const data = JSON.parse(await readFile(join(dir, CREDENTIALS_FILE), "utf8")) as Partial<MachineCredentials>;
    if (typeof data.accessKeyId === "string" && typeof data.secretAccessKey === "string") {
      return { accessKeyId: data.accessKeyId, secretAccessKey: data.secretAccessKey, userName: String(data.userName ?? "") };
    }
  } catch {
    // no file (a machine made before its key, or removed): fall back to the caller's credentials
  }
  return undefined;
}
