import { z } from "zod";
import { parseHostList } from "@/server/egress/allowlist";

/**
 * The one place that reads process.env. Everything else imports `env()`.
 * Parsed lazily so that the launcher can fill in derived values (DATABASE_URL of the embedded
 * database, a generated AUTH_SECRET) before anything reads them.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const envSchema = z.object({
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
  CADRE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
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
  /** REST requests per minute per API key (a workspace may set its own) */
  CADRE_API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** audit entries and auth events older than this are purged (also those of deleted workspaces); 0: keep forever */
  CADRE_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
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
  /** executions of a run in a row that died (lease expired) without finishing a step, after which it is failed */
  CADRE_POISON_RUN_EXECUTIONS: z.coerce.number().int().min(1).max(100).default(3),
  /** open run event streams per process, and per API key or user in a process (429 beyond) */
  CADRE_MAX_STREAMS: z.coerce.number().int().min(1).max(100_000).default(1000),
  CADRE_MAX_STREAMS_PER_CALLER: z.coerce.number().int().min(1).max(100_000).default(20),
  /** how often an open event stream re-checks its caller's access (session, membership, API key), in seconds */
  CADRE_STREAM_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),
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
});

export type Env = z.infer<typeof envSchema>;

export type SignupPolicy = { mode: "open" } | { mode: "closed" } | { mode: "domains"; domains: string[] };

function parseSignupPolicy(value: string, ctx: z.RefinementCtx): SignupPolicy {
  const v = value.trim().toLowerCase();
  if (v === "" || v === "open") return { mode: "open" };
  if (v === "closed") return { mode: "closed" };
  if (v.startsWith("domains:")) {
    const domains = v.slice("domains:".length).split(",").map((d) => d.trim().replace(/^@/, "")).filter(Boolean);
    if (domains.length > 0 && domains.every((d) => /^[a-z0-9.-]+\.[a-z0-9-]+$/.test(d))) return { mode: "domains", domains };
  }
  ctx.addIssue({ code: "custom", message: "must be open, closed or domains:example.com,other.org" });
  return z.NEVER;
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
