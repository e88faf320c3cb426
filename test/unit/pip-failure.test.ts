import { describe, expect, it } from "vitest";
import { PYPI_SIMPLE, pipFailure } from "../../src/core/stack/pip-failure.js";

// pip's own lines as BuildKit's plain progress shows them (taken from real builds on the rig).
const NOT_FOUND = `#5 [gunicorn 4/7] RUN pip install -r /tmp/fdock/requirements.txt
#5 2.388 Looking in indexes: http://172.17.0.1:13141/simple
#5 2.532 ERROR: Could not find a version that satisfies the requirement no-such-package-x==1.0 (from versions: none)
#5 2.532 ERROR: No matching distribution found for no-such-package-x==1.0
#5 ERROR: process "/bin/sh -c pip install -r /tmp/fdock/requirements.txt" did not complete successfully: exit code: 1`;

const retry = (total: number, page: string) =>
  `#5 3.000 WARNING: Retrying (Retry(total=${total}, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7fee44ad34d0>: Failed to establish a new connection: [Errno 111] Connection refused')': ${page}`;

const UNREACHABLE = [
  "#5 2.933 Looking in indexes: http://127.0.0.1:9/simple",
  ...[4, 3, 2, 1, 0].map((t) => retry(t, "/simple/flask/")),
  "#5 10.57 ERROR: Could not find a version that satisfies the requirement Flask>=2.2 (from versions: none)",
  "#5 10.60 ERROR: No matching distribution found for Flask>=2.2",
].join("\n");

describe("pip's failure, read from a build log", () => {
  it("an unknown package: the requirement and the index pip looked in", () => {
    expect(pipFailure(NOT_FOUND)).toEqual({ requirement: "no-such-package-x==1.0", index: "http://172.17.0.1:13141/simple", unreachable: false });
  });

  it("an index that refuses connections: unreachable, for the requirement pip was fetching", () => {
    expect(pipFailure(UNREACHABLE)).toEqual({ requirement: "Flask>=2.2", index: "http://127.0.0.1:9/simple", unreachable: true });
  });

  it("a retry for another package that then worked does not make a missing one look unreachable", () => {
    const log = [retry(4, "/simple/gevent/"), NOT_FOUND].join("\n");
    expect(pipFailure(log)?.unreachable).toBe(false);
  });

  it("PyPI, which pip does not name, is the index when no other is given; no pip failure, null", () => {
    expect(pipFailure(NOT_FOUND.replace(/^.*Looking in indexes.*\n/m, ""))?.index).toBe(PYPI_SIMPLE);
    expect(pipFailure("#7 ERROR: failed to solve: nginx:stable: not found")).toBeNull();
  });
});
