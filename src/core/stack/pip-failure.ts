/** pip's default index, which it does not name in its output ("Looking in indexes" is printed only for others). */
export const PYPI_SIMPLE = "https://pypi.org/simple";

/** What a failed `pip install` in an image build says about itself. */
export interface PipFailure {
  /** The requirement pip could not satisfy, as written ("Flask>=2.2"); null when pip did not say. */
  requirement: string | null;
  /** The index (or indexes, comma-separated) pip looked in. */
  index: string;
  /** pip could not connect to the index at all (refused, no route, name not resolved, timed out). */
  unreachable: boolean;
}

/**
 * Reads pip's lines out of a build log (BuildKit prefixes each with "#N 1.234 "); null when the
 * log holds no failed requirement of pip's.
 */
export function pipFailure(output: string): PipFailure | null {
  const requirement =
    /No matching distribution found for (\S+)/.exec(output)?.[1] ??
    /Could not find a version that satisfies the requirement (\S+)/.exec(output)?.[1] ??
    null;
  if (requirement === null) return null;
  const index = /Looking in indexes: ([^\r\n]+)/.exec(output)?.[1]?.trim() ?? PYPI_SIMPLE;
  // pip's retry warnings end with the page it asked for: "…Connection refused')': /simple/flask/".
  const project = requirement.split(/[\s\[<>=!~;@(]/, 1)[0]!.toLowerCase().replace(/[-_.]+/g, "-");
  const connectionError = /(NewConnectionError|ConnectTimeoutError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known)[^\n]*\/([^/\s]+)\/\s*$/gm;
  const unreachable = [...output.matchAll(connectionError)].some((m) => m[2]!.toLowerCase() === project);
  return { requirement, index, unreachable };
}
