import { SERVICE_KINDS, type ServiceKind } from "./model.js";
import type { Hint } from "./source-hints.js";

/**
 * Which backing services `fdock init` proposes, and one note for each saying why (or why not):
 * - postgres: a Postgres driver in the requirements, or an SQLAlchemy flavour with a postgres URL
 *   in the code; SQLAlchemy alone is an SQLite app until something says otherwise;
 * - redis: redis (or a library whose queue is Redis: rq, flask-redis, celery[redis]) in the
 *   requirements, a redis:// URL in the code or config, a redis-server line in the Procfile.
 */

export interface ServiceFacts {
  /** Normalised requirement names. */
  names: string[];
  /** Where they were read: "requirements.txt" or "pyproject.toml". */
  source: string;
  /** Extras asked for, by normalised name ("celery" -> ["redis"]). */
  extras: Record<string, string[]>;
  hints: Hint[];
  /** Environment variables the Python code names. */
  readsEnv: Set<string>;
}

export interface ServiceProposal {
  services: Partial<Record<ServiceKind, { version: string }>>;
  notes: string[];
}

export const POSTGRES_DRIVERS = ["psycopg", "psycopg-binary", "psycopg-c", "psycopg2", "psycopg2-binary", "psycopg2cffi", "pg8000", "asyncpg"];
const SQLALCHEMY = ["flask-sqlalchemy", "sqlalchemy", "sqlmodel"];
const REDIS_CLIENTS = ["redis", "flask-redis", "rq", "flask-rq2"];

/** Names as their projects spell them, for notes. */
const DISPLAY: Record<string, string> = {
  "flask-sqlalchemy": "Flask-SQLAlchemy", sqlalchemy: "SQLAlchemy", sqlmodel: "SQLModel", "flask-migrate": "Flask-Migrate",
  celery: "Celery", rq: "RQ", "flask-redis": "Flask-Redis", "flask-rq2": "Flask-RQ2",
};
export const display = (name: string): string => DISPLAY[name] ?? name;

/** "a", "a and b", "a, b and c". */
export function listing(items: string[]): string {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export function proposeServices(facts: ServiceFacts): ServiceProposal {
  const proposal: ServiceProposal = { services: {}, notes: [] };
  const propose = (kind: ServiceKind, why: string) => {
    proposal.services[kind] = { version: SERVICE_KINDS[kind].version };
    proposal.notes.push(`${kind}: ${why}`);
  };
  const has = (list: string[]) => facts.names.filter((n) => list.includes(n));
  const seen = (kind: Hint["kind"]) => facts.hints.filter((h) => h.kind === kind).map((h) => `${h.what} in ${h.file}`);
  const inRequirements = (names: string[]) => `${listing(names.map(display))} in ${facts.source}`;

  const drivers = has(POSTGRES_DRIVERS);
  const orms = has(SQLALCHEMY);
  const pgHints = seen("postgres");
  if (drivers.length) propose("postgres", inRequirements([...orms, ...drivers]));
  else if (orms.length && pgHints.length) propose("postgres", `${inRequirements(orms)} and ${listing(pgHints)}`);
  else if (orms.length) {
    proposal.notes.push(
      `postgres: not proposed: ${inRequirements(orms)} but no Postgres driver (${POSTGRES_DRIVERS.filter((d) => !d.includes("-")).join(", ")}) and no postgres URL in the code, so this is an SQLite app and stays one container. If it uses Postgres, add a driver to ${facts.source} and \`services: {postgres: {version: "${SERVICE_KINDS.postgres.version}"}}\` to fdock.yaml`,
    );
  } else if (pgHints.length) {
    proposal.notes.push(`postgres: not proposed: ${listing(pgHints)}, but no Postgres driver in ${facts.source} to reach it with`);
  }

  const celeryRedis = facts.extras.celery?.includes("redis") ? ["celery[redis]"] : [];
  const redisWhy = [...(has(REDIS_CLIENTS).length || celeryRedis.length ? [inRequirements([...has(REDIS_CLIENTS), ...celeryRedis])] : []), ...seen("redis")];
  if (redisWhy.length) propose("redis", listing(redisWhy));
  else if (facts.names.includes("celery")) {
    const amqp = seen("amqp");
    proposal.notes.push(
      amqp.length
        ? `redis: not proposed: Celery's broker looks like RabbitMQ (${listing(amqp)}), which fdock does not run; set the broker's URL in the env file`
        : `redis: not proposed: Celery is in ${facts.source} but fdock sees no Redis for its broker (no redis in ${facts.source}, no redis:// URL in the code); add \`services: {redis: {version: "${SERVICE_KINDS.redis.version}"}}\` if it is Redis`,
    );
  }

  for (const [kind, variable] of [["postgres", "DATABASE_URL"], ["redis", "REDIS_URL"]] as const) {
    if (proposal.services[kind] && !facts.readsEnv.has(variable)) {
      proposal.notes.push(`${kind}: fdock gives the app ${variable}, which no Python file here reads yet: configure the ${kind === "postgres" ? "database" : "Redis client"} from os.environ["${variable}"]`);
    }
  }
  return proposal;
}
