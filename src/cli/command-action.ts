/** The bridge from commander to a command's run function. */
import type { Command } from "commander";
import type { GlobalOptions } from "./options.js";

/**
 * A commander action that calls run with the global options and the command's positional
 * arguments and options (commander passes those, then the command), and sets the exit code.
 */
export function action<A extends unknown[]>(run: (g: GlobalOptions, ...args: A) => Promise<number>) {
  return async (...args: unknown[]): Promise<void> => {
    let root = args.at(-1) as Command;
    while (root.parent) root = root.parent;
    process.exitCode = await run(root.opts<GlobalOptions>(), ...(args.slice(0, -1) as A));
  };
}
