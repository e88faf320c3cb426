import type { Chooser } from "../core/project/init.js";

/** The one prompt fdock has: which of several WSGI apps to serve. Only used on a TTY. */
export const chooser: Chooser = async (question, choices) => {
  const { select } = await import("@inquirer/prompts");
  return select({
    message: question,
    choices: choices.map((c) => ({ name: `${c.target}  (${c.reason} in ${c.file})`, value: c.target })),
  });
};
