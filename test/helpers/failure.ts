import { UserError } from "../../src/core/errors.js";

/** The UserError a promise rejects with; anything else (or success) fails the test. */
export async function failure(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected a UserError");
}
