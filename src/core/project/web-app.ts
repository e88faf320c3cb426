import { pickApp, type Detection } from "./detect.js";
import { projectSchema } from "./model.js";
import type { ProcfileEntry } from "./procfile.js";
import { webTarget } from "./web-command.js";

/**
 * The Procfile's `web` line against the app found in the code. The Procfile wins when it names
 * a target fdock.yaml can hold, in a module the project has: the user wrote it. Otherwise the
 * code's app is used, and the note says why the Procfile's was not.
 */
export interface WebAppChoice {
  /** The app to use; null: choose from the code as without a Procfile. */
  app: string | null;
  note: string | null;
}

export function webAppChoice(web: ProcfileEntry, detection: Detection, moduleExists: (module: string) => boolean): WebAppChoice {
  const line = `the Procfile's web line (line ${web.line})`;
  const parsed = webTarget(web.command);
  if (parsed.kind === "none") {
    return { app: null, note: `app: ${line} ${parsed.why}; fdock serves the app it finds in the code, with gunicorn` };
  }
  let target: string;
  if (parsed.kind === "module") {
    // The server looks in the module itself: the one app the code has there is the one it finds.
    const inModule = detection.candidates.filter((c) => c.target.startsWith(`${parsed.module}:`));
    const picked = pickApp({ candidates: inModule, searched: [] });
    if (!picked) {
      return { app: null, note: `app: ${line} serves module ${parsed.module}, in which fdock finds ${inModule.length ? "several apps" : "no app"}; choosing from the code instead` };
    }
    target = picked.target;
  } else {
    target = parsed.target;
  }
  if (!projectSchema.shape.app.safeParse(target).success) {
    return {
      app: null,
      note: `app: ${line} serves \`${target}\`, which is not MODULE:NAME or MODULE:FACTORY() without arguments as fdock.yaml's app takes it; fdock uses the app it finds in the code instead (set app: yourself if that is wrong)`,
    };
  }
  const module = target.split(":")[0]!;
  if (!moduleExists(module)) {
    return { app: null, note: `app: ${line} serves ${target}, but the project has no module ${module}; fdock uses the app it finds in the code instead` };
  }
  const picked = pickApp(detection);
  if (picked?.target === target) return { app: target, note: `app: ${target} (in ${picked.file}; ${line} serves the same)` };
  const found = picked ? [picked] : detection.candidates;
  if (found.some((c) => c.target === target)) {
    return { app: target, note: `app: ${target}, from ${line}, of the apps fdock finds (${found.map((c) => c.target).join(", ")})` };
  }
  if (found.length === 0) return { app: target, note: `app: ${target}, from ${line} (fdock finds no app object or factory in the code itself)` };
  const others = found.map((c) => `${c.target} in ${c.file}`).join(", ");
  return {
    app: target,
    note: `app: ${target}, from ${line}, not ${others} found in the code: the Procfile wins because you wrote it. Run \`fdock init --force --app ${found[0]!.target}\` to serve that one instead`,
  };
}

/** When --app was given: the Procfile's web line, if it names another target, loses; say so. */
export function explicitAppNote(app: string, web: ProcfileEntry | undefined): string | null {
  if (!web) return null;
  const parsed = webTarget(web.command);
  if (parsed.kind !== "target" || parsed.target === app) return null;
  return `app: ${app} from --app, not ${parsed.target} from the Procfile's web line (line ${web.line}): --app wins because you named it for this init`;
}
