import { isIP } from "node:net";
import { z } from "zod";
import { parseHostList } from "@/lib/egress/allowlist";

/**
 * The one place that reads process.env. Everything else imports `env()`.
 * Parsed lazily so that the launcher can fill in derived values (DATABASE_URL of the embedded
 * database, a generated AUTH_SECRET) before anything reads them.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOSTNAME: optionalString,
  DATABASE_URL: optionalString,
  /** set by the launcher: which kind of database DATABASE_URL points at */
  CADRE_DATABASE_MODE: z.enum(["embedded", "server"]).optional(),
  CADRE_DATA_DIR: z.string().default(".data"),
  CADRE_EMBEDDED_DB_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  CADRE_PUBLIC_URL: optionalString,
  /** largest request body any route reads (bytes); a larger one is a 413 before it is parsed */
  CADRE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  AUTH_SECRET: optionalString,
  /** earlier AUTH_SECRETs (comma-separated) that still verify sessions and API keys while a rotation completes */
  AUTH_SECRET_PREVIOUS: optionalString,
  /** CIDRs (or addresses) of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed */
  CADRE_TRUSTED_PROXIES: optionalString,
  /** who may create an account: open, closed, or domains:example.com,other.org (invited emails always may) */
  CADRE_SIGNUP: z
    .string()
    .default("open")
    .transform((v, ctx) => parseSignupPolicy(v, ctx)),
  /** the vault's master key: 32 bytes, base64 */
  CADRE_MASTER_KEY: optionalString,
  /** earlier master keys (comma-separated, base64) that stay readable while a rotation completes */
  CADRE_MASTER_KEY_PREVIOUS: optionalString,
  /** the marketplace's signing key: a 32-byte Ed25519 seed, base64; default: derived from the master key */
  CADRE_MARKETPLACE_SIGNING_KEY: optionalString,
  /** the platform operators (instance-level admins: they may remove marketplace listings), comma-separated emails */
  CADRE_OPERATOR_EMAILS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
  AUTH_GITHUB_ID: optionalString,
  AUTH_GITHUB_SECRET: optionalString,
  AUTH_GOOGLE_ID: optionalString,
  AUTH_GOOGLE_SECRET: optionalString,
  SMTP_URL: optionalString,
  SMTP_FROM: z.string().default("Cadre <no-reply@cadre.local>"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** failed sign-ins for one email before each further attempt waits (progressive delay, never a hard lock) */
  CADRE_LOGIN_FREE_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  /** the first delay; it doubles with every further failure... */
  CADRE_LOGIN_DELAY_SECONDS: z.coerce.number().min(0).default(1),
  /** ...up to this */
  CADRE_LOGIN_MAX_DELAY_SECONDS: z.coerce.number().min(0).default(900),
  /** failed sign-ins from one client address (across emails) before that address is delayed the same way */
  CADRE_LOGIN_ADDRESS_FREE_ATTEMPTS: z.coerce.number().int().min(1).default(50),
  /** failures are forgotten after this long without a new one */
  CADRE_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** sensitive actions need a sign-in or re-authentication of the session this recent (server/auth/step-up.ts) */
  CADRE_STEP_UP_WINDOW_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  /** REST requests per minute per API key (a workspace may set its own) */
  CADRE_API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** audit entries and auth events older than this are purged (also those of deleted workspaces); 0: keep forever */
  CADRE_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
  /** run events of runs finished longer ago than this are deleted (a workspace may set its own); 0: keep forever */
  CADRE_RETENTION_RUN_EVENTS_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  /** step inputs and outputs (inputSeen, output, result) of runs finished longer ago are cleared; 0: keep forever */
  CADRE_RETENTION_STEP_PAYLOADS_DAYS: z.coerce.number().int().min(0).max(36_500).default(90),
  /** usage rows older than this are deleted (never less than 35 days: budgets read the current month); 0: keep forever */
  CADRE_RETENTION_USAGE_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(36_500)
    .default(400)
    .refine((v) => v === 0 || v >= 35, "0 (keep forever) or at least 35 days (budgets read the current month)"),
  /** how often the retention purge runs in each process, in minutes; 0: never (an operator runs it another way) */
  CADRE_RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
  /** how often each enabled remote MCP server's tools are synced again automatically, in hours; 0: only on demand */
  CADRE_MCP_SYNC_HOURS: z.coerce.number().int().min(0).max(8_760).default(6),
  /** a deleted workspace can be restored by an owner for this many days, then it is purged */
  CADRE_WORKSPACE_RECOVERY_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** the bearer token of GET /api/metrics (Prometheus); unset: the endpoint answers 404 */
  CADRE_METRICS_TOKEN: optionalString,
  /** security events (denied accesses) logged per actor and minute; beyond it, one summary line with the count */
  CADRE_SECURITY_LOG_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  CADRE_INIT_USER_EMAIL: optionalString,
  CADRE_INIT_USER_PASSWORD: optionalString,
  CADRE_INIT_WORKSPACE_SLUG: optionalString,
  CADRE_INIT_API_KEY: optionalString,
  /** runs executing at once in one process (in-process executor) */
  CADRE_MAX_CONCURRENT_RUNS: z.coerce.number().int().min(1).max(1000).default(8),
  /** runs executing at once per workspace (across processes); more stay queued */
  CADRE_WORKSPACE_CONCURRENT_RUNS: z.coerce.number().int().min(1).max(1000).default(4),
  /** the most steps one run may make, for workspaces that set no limit of their own (worst case checked when a team is saved or started, counted while it runs) */
  CADRE_RUN_STEP_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(500),
  /** the highest step limit a workspace may set for itself */
  CADRE_RUN_STEP_LIMIT_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** the most unpinned memories a workspace keeps, for workspaces that set no cap of their own (a remember beyond it is refused) */
  CADRE_MEMORY_LIMIT: z.coerce.number().int().min(1).max(100_000_000).default(100_000),
  /** the highest memory cap a workspace's owners and admins may set; also bounds all of a workspace's memories, pinned ones included */
  CADRE_MEMORY_LIMIT_MAX: z.coerce.number().int().min(1).max(100_000_000).default(1_000_000),
  /** steps of one run executing at once (a wide fan-out runs in batches of this size) */
  CADRE_RUN_CONCURRENT_STEPS: z.coerce.number().int().min(1).max(1000).default(16),
  /** model calls in flight at once in this process, all runs and callers together; more wait in line (FIFO) */
  CADRE_MAX_CONCURRENT_MODEL_CALLS: z.coerce.number().int().min(1).max(10_000).default(32),
  /** the monthly budget (USD) a new workspace starts with; empty or "none": no limit */
  CADRE_DEFAULT_MONTHLY_BUDGET_USD: z
    .string()
    .default("50")
    .transform((v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t === "" || t === "none") return null;
      const n = Number(t);
      if (!Number.isFinite(n) || n < 0 || n > 1e9) {
        ctx.addIssue({ code: "custom", message: 'must be an amount in USD (0 to 1000000000) or "none"' });
        return z.NEVER;
      }
      return n;
    }),
  /** executions of a run in a row that died (lease expired) without finishing a step, after which it is failed */
  CADRE_POISON_RUN_EXECUTIONS: z.coerce.number().int().min(1).max(100).default(3),
  /** open run event streams per process, and per API key or user in a process (429 beyond) */
  CADRE_MAX_STREAMS: z.coerce.number().int().min(1).max(100_000).default(1000),
  CADRE_MAX_STREAMS_PER_CALLER: z.coerce.number().int().min(1).max(100_000).default(20),
  /** how often an open event stream re-checks its caller's access (session, membership, API key), in seconds */
  CADRE_STREAM_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),
  /** "off": start-up does not migrate (a release step runs `npm run db:migrate`); readiness reports pending ones */
  CADRE_MIGRATE: z.enum(["on", "off"]).default("on"),
  /** where migrations connect when DATABASE_URL goes through a transaction pooler (they hold a session-level lock) */
  CADRE_MIGRATE_DATABASE_URL: optionalString,
  /** after SIGTERM/SIGINT: how long runs may take to reach a step boundary and requests to end before the database closes */
  CADRE_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
  /** /api/health and /api/ready answer 503 when the database does not answer within this */
  CADRE_READY_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  /** the app's connection pool per process */
  CADRE_DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** waiting for a new connection (or a free one of the pool) longer than this fails the query; 0: wait forever */
  CADRE_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** an idle pooled connection is closed after this */
  CADRE_DB_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  /** PostgreSQL statement_timeout of the app's connections (server mode); 0: the server's default */
  CADRE_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  /** PostgreSQL idle_in_transaction_session_timeout of the app's connections (server mode); 0: the server's default */
  CADRE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  /** "off": this process does not execute runs (another process or Inngest does) */
  CADRE_EXECUTOR: z.enum(["on", "off"]).default("on"),
  /** Inngest (optional): with these set, runs execute as the Inngest function served at /api/inngest */
  INNGEST_EVENT_KEY: optionalString,
  INNGEST_SIGNING_KEY: optionalString,
  /** "1": use a local Inngest dev server (no keys needed) */
  INNGEST_DEV: optionalString,
  /**
   * The egress guard's operator allowlist: CIDRs, addresses and host names (comma-separated) that outbound requests
   * may reach although they are private, loopback or otherwise special-purpose. Empty: only public addresses.
   */
  CADRE_EGRESS_ALLOW: z
    .string()
    .default("")
    .superRefine((value, ctx) => {
      try {
        parseHostList(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
  /** the origin Inngest registers and calls (e.g. https://cadre.example.com); default: CADRE_PUBLIC_URL */
  INNGEST_SERVE_ORIGIN: optionalString,
  /**
   * The DNS servers that domain verification asks for TXT records (comma-separated addresses, each with an optional
   * port: `10.0.0.53`, `10.0.0.53:5353`, `[fd00::53]:53`); empty: the system's resolver.
   */
  CADRE_DNS_SERVERS: z
    .string()
    .default("")
    .transform((value, ctx) => {
      try {
        return parseDnsServers(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

export type Env = z.infer<typeof envSchema>;

export type SignupPolicy = { mode: "open" } | { mode: "closed" } | { mode: "domains"; domains: string[] };

function parseSignupPolicy(value: string, ctx: z.RefinementCtx): SignupPolicy {
  const v = value.trim().toLowerCase();
  if (v === "" || v === "open") return { mode: "open" };
  if (v === "closed") return { mode: "closed" };
  if (v.startsWith("domains:")) {
    const domains = v
      .slice("domains:".length)
      .split(",")
      .map((d) => d.trim().replace(/^@/, ""))
      .filter(Boolean);
    if (domains.length > 0 && domains.every((d) => /^[a-z0-9.-]+\.[a-z0-9-]+$/.test(d))) return { mode: "domains", domains };
  }
  ctx.addIssue({ code: "custom", message: "must be open, closed or domains:example.com,other.org" });
  return z.NEVER;
}

/**
 * `host[:port]` entries (IPv4, or IPv6 in brackets when it has a port) as node:dns `setServers` takes them. Addresses
 * only: a resolver named by a host name would need a resolver of its own.
 */
export function parseDnsServers(value: string): string[] {
  const servers: string[] = [];
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const v4WithPort = /^([^:]+):(\d+)$/.exec(entry);
    const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : v4WithPort ? [v4WithPort[1]!, v4WithPort[2]] : [entry, undefined];
    const kind = isIP(host);
    if (kind === 0 || (bracketed && kind !== 6))
      throw new Error(`"${entry}" is not an IP address with an optional port (10.0.0.53, 10.0.0.53:5353, [fd00::53]:53)`);
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) throw new Error(`"${entry}": the port must be 1-65535`);
    servers.push(port === undefined ? host : kind === 6 ? `[${host}]:${Number(port)}` : `${host}:${Number(port)}`);
  }
  if (servers.length > 10) throw new Error("at most 10 DNS servers");
  return servers;
}

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    const parsed = envSchema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`Invalid environment: ${problems}`);
    }
    cached = parsed.data;
  }
  return cached;
}

/** For the launcher and tests: set a variable and forget the parsed copy. */
export function setEnv(name: keyof Env, value: string): void {
  (process.env as Record<string, string>)[name] = value;
  cached = undefined;
}

export function databaseMode(): "embedded" | "server" {
  return env().CADRE_DATABASE_MODE ?? "server";
}

export const APP_VERSION = "0.1.0";

/**
 * The commit this build was made from: compiled in by next.config.ts (CADRE_BUILD_COMMIT), "dev" outside a build.
 * (Read here, the one place that reads process.env; Next replaces the expression at build time.)
 */
export function buildCommit(): string {
  return process.env.CADRE_BUILD_COMMIT || "dev";
}

/** The release and its build's commit, e.g. `0.1.0+1ad3efd0c2b4` (what /api/health and /api/ready report). */
export function appVersion(): string {
  const commit = buildCommit();
  return commit === "unknown" ? APP_VERSION : `${APP_VERSION}+${commit.slice(0, 12)}`;
}
