/** /etc/os-release as key/value pairs (quotes removed). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

export type PackageFamily = "apt" | "dnf";

/** Which provisioner fits the host: Debian and Ubuntu (apt), Fedora, Amazon Linux, RHEL kin (dnf). */
export function packageFamily(os: Record<string, string>): PackageFamily | null {
  const ids = [os.ID ?? "", ...(os.ID_LIKE ?? "").split(/\s+/)].map((s) => s.toLowerCase());
  if (ids.some((id) => id === "debian" || id === "ubuntu")) return "apt";
  if (ids.some((id) => ["fedora", "amzn", "rhel", "centos", "rocky", "almalinux"].includes(id))) return "dnf";
  return null;
}
