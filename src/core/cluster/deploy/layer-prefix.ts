/**
 * Which layers of an image a node already has, and which entries of the image's archive can
 * therefore be left out of what it is sent.
 *
 * An engine with the classic image store keeps layers by chain ID, a digest of the layer's diffID
 * together with every layer below it: a node has layer i of an image only if it has the image's
 * layers 0..i in that order. So what a node has is the longest prefix of the image's diffIDs that
 * one of its images also starts with. `docker load` (moby's tarexport) looks each layer's chain ID
 * up before it opens the layer's file in the archive, and skips the file when the chain is there:
 * an archive without those files loads. `docker save` (Engine 25 and later) writes each layer at
 * blobs/sha256/<hex of its diffID> (uncompressed), which is how the entries to leave out are named.
 */

/** The number of bottom layers of `layers` that one of `images` (each its diffIDs, bottom first) also starts with. */
export function sharedPrefix(layers: string[], images: string[][]): number {
  let best = 0;
  for (const other of images) {
    let n = 0;
    while (n < layers.length && n < other.length && layers[n] === other[n]) n++;
    best = Math.max(best, n);
  }
  return best;
}

/** Where `docker save` puts a layer whose diffID is `diffID` (sha256:HEX). */
export function layerEntry(diffID: string): string {
  return `blobs/sha256/${diffID.replace(/^sha256:/, "")}`;
}

/**
 * The archive entries a node that has the first `prefix` layers does not need: those layers'
 * files, except one that a layer above the prefix also uses (the same diffID twice in an image is
 * one file in the archive, and the node needs it for the upper one).
 */
export function entriesToSkip(layers: string[], prefix: number): Set<string> {
  const needed = new Set(layers.slice(prefix));
  return new Set(layers.slice(0, prefix).filter((l) => !needed.has(l)).map(layerEntry));
}

/**
 * What is not as expected in an archive's manifest.json for an image with these layers: one image
 * whose Layers are the blobs named by its diffIDs, in order. Undefined when it is as expected.
 */
export function layoutProblem(manifest: Buffer | undefined, layers: string[]): string | undefined {
  if (!manifest) return "the archive has no manifest.json";
  let items: Array<{ Layers?: unknown }>;
  try {
    items = JSON.parse(manifest.toString("utf8")) as Array<{ Layers?: unknown }>;
  } catch {
    return "the archive's manifest.json is not JSON";
  }
  if (!Array.isArray(items) || items.length !== 1) return "the archive's manifest.json does not list exactly one image";
  const listed = items[0]!.Layers;
  if (!Array.isArray(listed) || listed.length !== layers.length || listed.some((p, i) => p !== layerEntry(layers[i]!))) {
    return `the archive's layers are not at blobs/sha256/<diffID> (${String(Array.isArray(listed) ? listed[0] : listed)} …)`;
  }
  return undefined;
}
