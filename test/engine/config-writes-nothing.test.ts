import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderedConfig } from "../../src/core/stack/build.js";
import { copyExample } from "../helpers/project.js";

describe("fdock config", () => {
  const ex = copyExample();
  afterAll(() => ex.cleanup());

  it("asks the engine for its size and prints the compose file without writing .fdock/", async () => {
    const text = await renderedConfig({ dir: ex.dir, mode: "production", publishHost: "127.0.0.1" });
    expect(text).toContain(`name: ${ex.name}`);
    expect(existsSync(join(ex.dir, ".fdock"))).toBe(false);
  });
});
