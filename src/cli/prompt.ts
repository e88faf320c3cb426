import type { Chooser } from "../core/project/init.js";

/** The question of `fdock init`: which of several WSGI apps to serve. Only used on a TTY. */
export const chooser: Chooser = async (question, choices) => {
  const { select } = await import("@inquirer/prompts");
  return select({
    message: question,
    choices: choices.map((c) => ({ name: `${c.target}  (${c.reason} in ${c.file})`, value: c.target })),
  });
};

/** A yes/no question (default no), for the commands that delete something. Only used on a TTY. */
export const confirm = async (message: string): Promise<boolean> => (await import("@inquirer/prompts")).confirm({ message, default: false });
