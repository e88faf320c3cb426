import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unreadableSource } from "../../src/core/stack/failures.js";

describe("a development source the container cannot read", () => {
  const dir = mkdtempSync(join(tmpdir(), "fdock-unreadable-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the folder and its mode, not Python's missing module", () => {
    chmodSync(dir, 0o750);
    const e = unreadableSource(dir, "ModuleNotFoundError: No module named 'flask_blog'", "1000:1000");
    expect(e?.message).toContain(`cannot read the project folder ${dir} (mode 0750`);
    expect(e?.message).toContain("user 1000:1000");
    expect(e?.hint).toContain(`chmod o+rX ${dir}`);
  });

  it("says so for a permission error even in a world-readable folder", () => {
    chmodSync(dir, 0o755);
    expect(unreadableSource(dir, "PermissionError: [Errno 13] Permission denied: '/app/main.py'", undefined)?.message).toContain("mode 0755");
  });

  it("leaves a real missing module (readable folder) and other failures alone", () => {
    chmodSync(dir, 0o755);
    expect(unreadableSource(dir, "ModuleNotFoundError: No module named 'requests'", "1000:1000")).toBeNull();
    chmodSync(dir, 0o700);
    expect(unreadableSource(dir, "SyntaxError: invalid syntax", "1000:1000")).toBeNull();
  });
});
