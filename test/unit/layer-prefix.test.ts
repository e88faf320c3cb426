import { describe, expect, it } from "vitest";
import { copyLine, type NodeCopy } from "../../src/core/cluster/deploy/images.js";
import { entriesToSkip, layerEntry, layoutProblem, sharedPrefix } from "../../src/core/cluster/deploy/layer-prefix.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const [base, deps, code, code2, other] = ["a", "b", "c", "d", "e"].map(d) as [string, string, string, string, string];

describe("which layers a node has", () => {
  it("is the longest prefix of the new image's layers that one of the node's images starts with", () => {
    expect(sharedPrefix([base, deps, code2], [[base, deps, code]])).toBe(2);
    expect(sharedPrefix([base, deps, code2], [[base], [base, deps, code], [other, deps, code2]])).toBe(2);
    expect(sharedPrefix([base, deps, code2], [])).toBe(0);
    expect(sharedPrefix([base, deps, code2], [[base, deps, code2, other]])).toBe(3);
  });

  it("counts no layer that sits on a different base: a chain ID covers every layer below it", () => {
    // The node has deps and code2, but on another base: as chains they are other layers.
    expect(sharedPrefix([base, deps, code2], [[other, deps, code2]])).toBe(0);
    expect(sharedPrefix([base, deps, code2], [[deps, code2]])).toBe(0);
  });

  it("leaves out the prefix's layer files, except one a layer above it uses too", () => {
    expect(entriesToSkip([base, deps, code2], 2)).toEqual(new Set([layerEntry(base), layerEntry(deps)]));
    expect(entriesToSkip([base, deps, code2], 0)).toEqual(new Set());
    // The same diffID twice (e.g. two identical steps) is one file in the archive: the node needs it above the prefix.
    expect(entriesToSkip([base, deps, deps, code2], 2)).toEqual(new Set([layerEntry(base)]));
    expect(layerEntry(base)).toBe(`blobs/sha256/${"a".repeat(64)}`);
  });

  it("knows docker save's layout (Engine 25+): one image, its layers at blobs/sha256/<diffID>", () => {
    const manifest = (layers: string[]) => Buffer.from(JSON.stringify([{ Config: "blobs/sha256/x", RepoTags: ["r:t"], Layers: layers }]));
    expect(layoutProblem(manifest([base, deps].map(layerEntry)), [base, deps])).toBeUndefined();
    expect(layoutProblem(manifest(["0123/layer.tar", "4567/layer.tar"]), [base, deps])).toMatch(/not at blobs\/sha256\/<diffID> \(0123\/layer.tar/);
    expect(layoutProblem(manifest([layerEntry(base)]), [base, deps])).toMatch(/not at blobs/);
    expect(layoutProblem(undefined, [base])).toMatch(/no manifest.json/);
    expect(layoutProblem(Buffer.from("{"), [base])).toMatch(/not JSON/);
  });
});

describe("the deploy's line for a node", () => {
  const gunicorn = "fdock-blog-gunicorn:0123456789ab";
  const nginx = "fdock-blog-nginx:ba9876543210";
  const node = (images: NodeCopy["images"]): NodeCopy => ({ machine: "m2", copied: images.map((i) => i.ref), bytes: images.reduce((n, i) => n + i.bytes, 0), images });

  it("says copied REFS on a first copy (what the cluster deploy test looks for), with the layers and bytes sent", () => {
    const line = copyLine(node([{ ref: gunicorn, layers: 9, sentLayers: 9, bytes: 150_300_000, alreadyBytes: 0 }, { ref: nginx, layers: 2, sentLayers: 2, bytes: 130_000_000, alreadyBytes: 0 }]));
    expect(line).toBe(`m2: copied ${gunicorn}, ${nginx} (11 of 11 layers sent, 280.3 MB)`);
    expect(line).toMatch(/m2: copied fdock-.*-gunicorn:[0-9a-f]{12}, fdock-.*-nginx:[0-9a-f]{12}/);
  });

  it("says how little a code-only change sent, and what the node had", () => {
    expect(copyLine(node([{ ref: gunicorn, layers: 9, sentLayers: 1, bytes: 3_200_000, alreadyBytes: 140_000_000 }]))).toBe(`m2: copied ${gunicorn} (1 of 9 layers sent, 3.2 MB; 140.0 MB already there)`);
  });

  it("says why a whole image was sent where less would have done", () => {
    expect(copyLine(node([{ ref: gunicorn, layers: 9, sentLayers: 9, bytes: 150_000_000, alreadyBytes: 0, note: "m2's engine uses the containerd image store" }]))).toBe(
      `m2: copied ${gunicorn} (9 of 9 layers sent, 150.0 MB; all of ${gunicorn}: m2's engine uses the containerd image store)`,
    );
    expect(copyLine({ machine: "m3", copied: [], bytes: 0, images: [] })).toBe("m3: has the images already");
  });
});
