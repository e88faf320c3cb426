#!/usr/bin/env node
import { enableCompileCache } from "node:module";

// Node caches the compiled code of fdock and its dependencies between runs: a faster start.
enableCompileCache?.();
const { main } = await import("./main.js");
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { console.error(e); process.exitCode = 70; },
);
