import type { CeleryModule } from "./source-hints.js";

/**
 * The background worker `fdock init` proposes: Celery or RQ in the requirements becomes a
 * `worker` process, unless the Procfile already runs one (the user's line wins).
 * Celery's -A names the module that makes the Celery app, else the app's package.
 */

export interface WorkerFacts {
  /** Normalised requirement names, and where they were read. */
  names: string[];
  source: string;
  /** The WSGI target ("flask_blog:create_app()"): its package is Celery's fallback -A. */
  app: string;
  /** Modules that make a Celery app, surest first (source-hints.ts). */
  celery: CeleryModule[];
  /** The processes already proposed (from the Procfile), with the program each runs. */
  taken: Array<{ name: string; program: string; line: number }>;
}

export interface WorkerProposal {
  processes: Record<string, string>;
  notes: string[];
  /** Procfile processes that are the worker fdock would have proposed: name -> "Celery". */
  yielded: Record<string, string>;
}

/** The command fdock proposes for RQ: its CLI reads RQ_REDIS_URL, fdock sets REDIS_URL. */
export const RQ_WORKER = "rq worker --url $REDIS_URL";

export function celeryWorker(module: string): string {
  return `celery -A ${module} worker --loglevel=info`;
}

export function proposeWorker(facts: WorkerFacts): WorkerProposal {
  const proposal: WorkerProposal = { processes: {}, notes: [], yielded: {} };
  const queues: Array<{ lib: "celery" | "rq"; label: string; command: string; why: string }> = [];
  if (facts.names.includes("celery")) {
    const [made] = facts.celery;
    const module = made?.module ?? facts.app.split(":")[0]!.split(".")[0]!;
    const where = made ? `its app is made in ${made.file}` : "no Celery app found in the code, so -A names the app's package";
    queues.push({ lib: "celery", label: "Celery", command: celeryWorker(module), why: `Celery in ${facts.source}; ${where}` });
  }
  const rq = facts.names.filter((n) => n === "rq" || n === "flask-rq2");
  if (rq.length) queues.push({ lib: "rq", label: "RQ", command: RQ_WORKER, why: `RQ in ${facts.source}; it works the "default" queue: add queue names after \`worker\` if the app uses others` });

  const names = new Set(facts.taken.map((t) => t.name));
  for (const queue of queues) {
    const own = facts.taken.find((t) => t.program === queue.lib);
    if (own) {
      proposal.yielded[own.name] = queue.label;
      continue;
    }
    const name = ["worker", `${queue.lib}-worker`].find((n) => !names.has(n))!;
    if (facts.taken.some((t) => t.name === "worker")) {
      const line = facts.taken.find((t) => t.name === "worker")!.line;
      proposal.notes.push(`worker: the Procfile's worker line (line ${line}) is kept; ${queue.label} is in ${facts.source} but that line does not start \`${queue.lib}\`, so fdock adds no worker of its own. If ${queue.label} needs one: \`${name}: ${queue.command}\` under processes:`);
      continue;
    }
    names.add(name);
    proposal.processes[name] = queue.command;
    proposal.notes.push(`${name}: ${queue.command} (${queue.why})`);
  }
  return proposal;
}
