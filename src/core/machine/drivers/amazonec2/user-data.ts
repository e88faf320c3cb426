/** cloud-init user data for the machine: Docker from the distribution, the SSH user in the docker group. */

export function cloudInitUserData(sshUser: string): string {
  return [
    "#cloud-config",
    "package_update: true",
    "packages:",
    "  - docker.io",
    "runcmd:",
    "  - [systemctl, enable, --now, docker]",
    `  - [usermod, -aG, docker, ${sshUser}]`,
    "ssh_pwauth: false",
    "",
  ].join("\n");
}
