import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cycles, importGraph, loadedAtStart } from "../helpers/import-graph.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const graph = importGraph(ROOT);

describe("the imports of src/", () => {
  it("form no circle, type imports and on-demand imports included", () => {
    expect(graph.size).toBeGreaterThan(50); // the walk found the tree
    expect(cycles(graph)).toEqual([]);
  });

  it("keep the core out of the CLI until a command runs: `fdock --help` loads commander, the command files and the drivers' flag lists", () => {
    const loaded = [...loadedAtStart(graph, "src/cli/main.ts")];
    expect(loaded).toContain("src/cli/commands/machine/create.ts");
    const core = loaded.filter((f) => f.startsWith("src/core/"));
    expect(core.every((f) => f === "src/core/machine/drivers/index.ts" || /^src\/core\/machine\/drivers\/[^/]+\/(entry|name)\.ts$/.test(f)), core.join(", ")).toBe(true);
    const packages = loaded.filter((f) => !f.startsWith("src/"));
    expect(packages.filter((p) => !p.startsWith("node:"))).toEqual(["commander"]);
  });

  it("keep the core free of CLI libraries and of src/cli", () => {
    for (const [file, imports] of graph) {
      if (!file.startsWith("src/core/")) continue;
      for (const { target } of imports) {
        expect(["commander", "listr2", "@inquirer/prompts"], `${file} imports ${target}`).not.toContain(target);
        expect(target.startsWith("src/cli/"), `${file} imports ${target}`).toBe(false);
      }
    }
  });
});

describe("the import graph reader", () => {
  it("finds a circle through a type import", async () => {
    const { cycles } = await import("../helpers/import-graph.js");
    const g = new Map([
      ["a.ts", [{ target: "b.ts", kind: "static" as const }]],
      ["b.ts", [{ target: "a.ts", kind: "type" as const }]],
      ["c.ts", [{ target: "a.ts", kind: "static" as const }]],
    ]);
    expect(cycles(g)).toEqual([["a.ts", "b.ts", "a.ts"]]);
  });
});
