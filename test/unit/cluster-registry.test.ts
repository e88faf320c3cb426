import { describe, expect, it } from "vitest";
import { explainPushFailure, pullFailuresOf, pushedLayers, registryRepo } from "../../src/core/cluster/deploy/registry-push.js";
import { swarmArgv } from "../../src/core/cluster/deploy/swarm-argv.js";
import { ConfigError } from "../../src/core/errors.js";
import { parseConfigText } from "../../src/core/project/config-file.js";
import { registryHost } from "../../src/core/project/registry-name.js";

const m = { dockerArgs: ["--context", "fdock-m1"] };
const config = (yaml: string) => parseConfigText(`name: blog\napp: "blog:app"\n${yaml}`);

describe("fdock.yaml's registry: a registry host and a repository path", () => {
  it("takes a host with a dot, a port or localhost, and a lower-case path; none by default", () => {
    expect(config("").registry).toBeNull();
    for (const ok of ["ghcr.io/me/app", "registry.example.com:5000/team/app", "172.18.0.5:5000/team/app", "localhost:5000/app", "localhost/app", "docker.io/me/app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/blog"]) {
      expect(config(`registry: ${ok}\n`).registry, ok).toBe(ok);
    }
    expect(registryHost("registry.example.com:5000/team/app")).toBe("registry.example.com:5000");
  });

  it("refuses a Docker Hub short name, a tag, a digest, upper case, a bare host; the error names the key and gives examples", () => {
    for (const bad of ["me/app", "app", "ghcr.io", "ghcr.io/", "ghcr.io/me/app:1.0", "ghcr.io/me/app@sha256:0123456789abcdef0123456789abcdef", "ghcr.io/Me/App", "ghcr.io/me app", "https://ghcr.io/me/app", "ghcr.io/me/app/"]) {
      expect(() => config(`registry: "${bad}"\n`), bad).toThrow(ConfigError);
      expect(() => config(`registry: "${bad}"\n`), bad).toThrow(/registry: must be a registry host and a repository path, like ghcr.io\/me\/app or registry.example.com:5000\/team\/app/);
    }
    expect(() => config("registry: 5000\n")).toThrow(/registry: must be string/);
  });
});

describe("the registry's docker commands and names", () => {
  it("pushes from the manager's engine, and deploys with the user's registry credentials only when asked", () => {
    expect(swarmArgv.push(m, "ghcr.io/me/app-gunicorn:0123456789ab")).toEqual({ file: "docker", args: ["--context", "fdock-m1", "push", "ghcr.io/me/app-gunicorn:0123456789ab"] });
    expect(swarmArgv.deploy(m, "blog", { withRegistryAuth: true })).toEqual({
      file: "docker",
      args: ["--context", "fdock-m1", "stack", "deploy", "--compose-file", "swarm.yaml", "--prune", "--resolve-image", "never", "--with-registry-auth", "--detach=true", "blog"],
    });
    expect(swarmArgv.deploy(m, "blog").args).not.toContain("--with-registry-auth");
  });

  it("names the images REGISTRY-gunicorn and REGISTRY-nginx (Docker Hub takes only two path parts)", () => {
    expect(registryRepo("docker.io/me/app", "gunicorn")).toBe("docker.io/me/app-gunicorn");
    expect(registryRepo("ghcr.io/me/app", "nginx")).toBe("ghcr.io/me/app-nginx");
  });
});

describe("what a push did and why it failed, in words", () => {
  it("counts the layers uploaded and those the registry had", () => {
    const output = [
      "The push refers to repository [ghcr.io/me/app-gunicorn]",
      "aaaaaaaaaaaa: Preparing",
      "bbbbbbbbbbbb: Preparing",
      "cccccccccccc: Preparing",
      "aaaaaaaaaaaa: Pushed",
      "bbbbbbbbbbbb: Layer already exists",
      "cccccccccccc: Mounted from me/app-nginx",
      "0123456789ab: digest: sha256:0123 size: 1234",
    ].join("\n");
    expect(pushedLayers(output)).toEqual({ layers: 3, uploaded: 1 });
    expect(pushedLayers("aaaaaaaaaaaa: Layer already exists\n")).toEqual({ layers: 1, uploaded: 0 });
  });

  const ref = "ghcr.io/me/app-gunicorn:0123456789ab";
  it("not logged in or wrong credentials: says `docker login HOST`, and that nothing changed", () => {
    for (const said of ["no basic auth credentials", "unauthorized: authentication required", "denied: requested access to the resource is denied"]) {
      const e = explainPushFailure(`The push refers to repository [ghcr.io/me/app-gunicorn]\naaaaaaaaaaaa: Preparing\n${said}\n`, ref, "ghcr.io/me/app", "m1");
      expect(e.message, said).toBe(`The registry ghcr.io refused to take ghcr.io/me/app-gunicorn:0123456789ab: this computer is not logged in to it, or its credentials are wrong (${said}).`);
      expect(e.hint, said).toContain("Run `docker login ghcr.io` on this computer");
      expect(e.hint, said).toContain("the running version (if any) still serves");
    }
  });

  it("a registry the manager cannot reach, or whose certificate it does not trust: names the manager and the host", () => {
    const down = explainPushFailure('Get "https://10.0.0.9:5000/v2/": dial tcp 10.0.0.9:5000: connect: connection refused', ref, "10.0.0.9:5000/me/app", "m1");
    expect(down.message).toBe('Machine "m1" cannot reach the registry 10.0.0.9:5000: Get "https://10.0.0.9:5000/v2/": dial tcp 10.0.0.9:5000: connect: connection refused');
    expect(down.hint).toContain("every node must reach it too");
    const untrusted = explainPushFailure('Get "https://r.example:5000/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority', ref, "r.example:5000/me/app", "m1");
    expect(untrusted.message).toContain('Machine "m1" does not trust the certificate of the registry r.example:5000');
    expect(untrusted.hint).toContain("/etc/docker/certs.d/r.example:5000/ca.crt");
  });
});

describe("a node that could not pull, from the tasks Swarm rejected", () => {
  const nodes = [
    { ID: "n1", Spec: { Labels: { "fdock.machine": "m1" } } },
    { ID: "n2", Spec: { Labels: { "fdock.machine": "m2" } } },
  ];
  const task = (node: string, state: string, image: string, err?: string) => ({ NodeID: node, Status: { State: state, Err: err }, Spec: { ContainerSpec: { Image: image } } });
  const image = "r.example:5000/me/app-gunicorn:0123456789ab";

  it("names each machine once, with the image and Swarm's words; ignores the app's own failures and other images", () => {
    const tasks = [
      task("n2", "rejected", image, `No such image: ${image}`),
      task("n2", "rejected", image, `No such image: ${image}`),
      task("n1", "running", image),
      task("n1", "failed", image, "task: non-zero exit (3)"),
      task("n2", "rejected", "fdock-blog-gunicorn:0123456789ab", "No such image: fdock-blog-gunicorn:0123456789ab"),
    ];
    expect(pullFailuresOf(tasks, nodes, "r.example:5000/me/app")).toEqual([{ machine: "m2", image, error: `No such image: ${image}` }]);
  });
});
