import { httpGet } from "../../src/core/stack/http-check.js";

/** GETs url over and over (every 20 ms) until stopped; the status of each answer, 0 for no answer. */
export function keepAsking(url: string, headers: Record<string, string> = {}): { stop: () => Promise<number[]> } {
  let asking = true;
  const statuses: number[] = [];
  const loop = (async () => {
    while (asking) {
      // A new connection each time, as most clients would after a reset: nginx's reload closes
      // its idle keep-alive connections, and a request racing that close never reaches nginx.
      statuses.push(await httpGet(url, { ...headers, Connection: "close" }).then((r) => r.status, () => 0));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => { asking = false; await loop; return statuses; } };
}
