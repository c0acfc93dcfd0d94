/**
 * `npm run cadre -- <command>`: operator commands.
 *
 *   vault status                        secrets per master key version
 *   vault rotate [--new-key <base64>]   re-wrap every data key under a new master key
 *   vault rotate --finish               re-wrap what is still under an older key (finishes a rotation)
 *   audit purge                         delete audit entries and auth events past the retention period
 *   audit auth-events --email <e>       an account's authentication events (or --user <id>)
 *   audit export --workspace <id|slug>  a workspace's audit log (a deleted one's too) as JSON Lines or CSV
 *   users revoke-sessions <email>       end every session of a user (every browser signs in again)
 *   users password-reset-link <email>   a one-hour, single-use link to set a new password (when no mail is sent)
 *   users reset-mfa <email>             remove a person's second factors (lost device) and end their sessions
 *   orgs verify-domain <org> <domain>   confirm an organisation's claimed email domain without DNS (offline)
 *   help                                this list
 *
 * Database: DATABASE_URL when set (server mode); otherwise the embedded database in CADRE_DATA_DIR, which
 * this command opens itself, as `npm start` does (so Cadre must not be running on it at the same time).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { env, setEnv } from "../server/env";
import { embeddedDatabasePassword, startEmbeddedDatabase, type EmbeddedDatabase } from "../server/db/embedded";
import { claimEmbeddedLock } from "../server/db/embedded-lock";
import { migrate } from "../server/db/migrate";
import type { KeySources } from "../server/vault/master-key";
import type { CliIo } from "../server/cli-io";

export const HELP = `Usage: npm run cadre -- <command> [options]

Commands:
  vault status                       How many secrets are wrapped under each master key version, and
                                     whether the current keyring can read them.
  vault rotate                       Re-wrap every secret's data key under a new, generated master key.
                                     Values are never decrypted. Embedded mode: replaces
                                     CADRE_DATA_DIR/master.key (the old key stays in master.key.previous
                                     until the rotation completes). Server mode: prints the new key once,
                                     with what to do next.
      --new-key <base64>             Use this key (32 bytes, base64: \`openssl rand -base64 32\`) instead of
                                     generating one.
      --finish                       No new key: re-wrap only what is still under an older key (finishes
                                     an interrupted rotation, or catches up after servers restarted).
      --batch-size <n>               Rows read per batch (default 100).
  audit purge                        Delete audit entries and auth events older than
                                     CADRE_AUDIT_RETENTION_DAYS (the server also does this daily).
  audit auth-events                  An account's authentication events (sign-ins, failures, limits,
                                     sign-up, OAuth links, session revocations), newest first, as JSON Lines.
      --email <email> | --user <id>  Whose (failed attempts for unknown accounts have only the email).
      --limit <n>                    At most n events (default 100).
  audit export --workspace <id|slug> A workspace's audit log to stdout, newest first; also a deleted
                                     workspace's, by its id or former slug, until the retention purges it.
      --format jsonl|csv             Default jsonl.
  users revoke-sessions <email>      End every session of the user with this email at once (their next
                                     request in any browser asks them to sign in again). API keys are
                                     not sessions: revoke those in the workspace.
  users password-reset-link <email>  Print a link that sets a new password for the user (one hour, works
                                     once; every session ends when it is used). For a Cadre without mail;
                                     the link is relative unless CADRE_PUBLIC_URL is set.
  users reset-mfa <email>            Remove the user's second factors (authenticator app, recovery codes,
                                     passkeys) when they lost them, and end every session. Check who is
                                     asking first: they then sign in with the password alone.
  orgs verify-domain <org> <domain>  Confirm an email domain the organisation (its slug) has claimed, where
                                     the DNS TXT record cannot be checked (offline installations). Check
                                     first that the organisation does own the domain: its SSO then applies.
  help                               Show this help.

The database is DATABASE_URL when set, else the embedded database in CADRE_DATA_DIR (stop Cadre first).
The current master key is CADRE_MASTER_KEY (older ones: CADRE_MASTER_KEY_PREVIOUS), else
CADRE_DATA_DIR/master.key in embedded mode.`;

const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

interface Parsed {
  command:
    | "help"
    | "vault status"
    | "vault rotate"
    | "audit purge"
    | "audit auth-events"
    | "audit export"
    | "users revoke-sessions"
    | "users password-reset-link"
    | "users reset-mfa"
    | "orgs verify-domain";
  newKey?: string;
  finish?: boolean;
  batchSize?: number;
  email?: string;
  userId?: string;
  limit?: number;
  workspace?: string;
  format?: "jsonl" | "csv";
  org?: string;
  domain?: string;
}

/** The next argument as a flag (`--name value` or `--name=value`), and how to read its value. */
function nextFlag(args: string[]): { flag: string; valueOf: () => string } {
  const arg = args.shift()!;
  const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
  return {
    flag,
    valueOf: () => {
      const v = inline ?? args.shift();
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    },
  };
}

function parseAuditArgs(args: string[]): Parsed {
  const sub = args.shift();
  if (sub !== "purge" && sub !== "auth-events" && sub !== "export") {
    throw new UsageError(sub ? `Unknown audit command "${sub}"` : "Missing audit command: purge, auth-events or export");
  }
  const parsed: Parsed = { command: `audit ${sub}` };
  while (args.length) {
    // biome-ignore lint/suspicious/noShadowRestrictedNames: a local reader named after what it returns, not the global
    const { flag, valueOf } = nextFlag(args);
    if (sub === "auth-events" && flag === "--email") parsed.email = valueOf();
    else if (sub === "auth-events" && flag === "--user") parsed.userId = valueOf();
    else if (sub === "auth-events" && flag === "--limit") {
      const n = Number(valueOf());
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError("--limit is a whole number from 1 to 100000");
      parsed.limit = n;
    } else if (sub === "export" && flag === "--workspace") parsed.workspace = valueOf();
    else if (sub === "export" && flag === "--format") {
      const f = valueOf();
      if (f !== "jsonl" && f !== "csv") throw new UsageError("--format is jsonl or csv");
      parsed.format = f;
    } else throw new UsageError(`Unknown option "${flag}"`);
  }
  if (sub === "auth-events" && !parsed.email && !parsed.userId) throw new UsageError("audit auth-events needs --email or --user");
  if (sub === "export" && !parsed.workspace) throw new UsageError("audit export needs --workspace");
  return parsed;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Parsed {
  const args = [...argv];
  const first = args.shift();
  if (first === undefined || first === "help" || first === "--help" || first === "-h") return { command: "help" };
  if (first === "audit") return parseAuditArgs(args);
  if (first === "users") {
    const sub = args.shift();
    if (sub !== "revoke-sessions" && sub !== "password-reset-link" && sub !== "reset-mfa")
      throw new UsageError(sub ? `Unknown users command "${sub}"` : "Missing users command: revoke-sessions, password-reset-link or reset-mfa");
    const email = args.shift();
    if (!email || email.startsWith("-")) throw new UsageError(`users ${sub} needs the user's email`);
    if (args.length) throw new UsageError(`Unexpected argument "${args[0]}"`);
    return { command: `users ${sub}`, email };
  }
  if (first === "orgs") {
    const sub = args.shift();
    if (sub !== "verify-domain") throw new UsageError(sub ? `Unknown orgs command "${sub}"` : "Missing orgs command: verify-domain");
    const [org, domain, ...extra] = args;
    if (!org || !domain) throw new UsageError("orgs verify-domain needs the organisation's slug and the domain");
    if (extra.length) throw new UsageError(`Unexpected argument "${extra[0]}"`);
    return { command: "orgs verify-domain", org, domain };
  }
  if (first !== "vault") throw new UsageError(`Unknown command "${first}"`);
  const sub = args.shift();
  if (sub === "status") {
    if (args.length) throw new UsageError(`Unexpected argument "${args[0]}"`);
    return { command: "vault status" };
  }
  if (sub !== "rotate") throw new UsageError(sub ? `Unknown vault command "${sub}"` : "Missing vault command: status or rotate");
  const parsed: Parsed = { command: "vault rotate" };
  while (args.length) {
    // biome-ignore lint/suspicious/noShadowRestrictedNames: a local reader named after what it returns, not the global
    const { flag, valueOf } = nextFlag(args);
    if (flag === "--new-key") parsed.newKey = valueOf();
    else if (flag === "--finish") parsed.finish = true;
    else if (flag === "--batch-size") {
      const n = Number(valueOf());
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError("--batch-size is a whole number from 1 to 1000");
      parsed.batchSize = n;
    } else throw new UsageError(`Unknown option "${flag}"`);
  }
  return parsed;
}

/** Opens the database the way the launcher does, runs `fn`, and closes everything again. */
async function withDatabase<T>(io: CliIo, fn: (sources: KeySources) => Promise<T>): Promise<T> {
  const e = env();
  const dataDir = path.resolve(e.CADRE_DATA_DIR);
  const embeddedMode = !e.DATABASE_URL;
  const sources: KeySources = { masterKey: e.CADRE_MASTER_KEY, previousKeys: e.CADRE_MASTER_KEY_PREVIOUS, embedded: embeddedMode, dataDir };
  let embedded: EmbeddedDatabase | undefined;
  let release: (() => void) | undefined;
  try {
    if (embeddedMode) {
      release = await claimEmbeddedLock(dataDir, "running this command");
      embedded = await startEmbeddedDatabase({ dataDir: path.join(dataDir, "pglite"), password: embeddedDatabasePassword(dataDir).value });
      setEnv("DATABASE_URL", embedded.url);
      setEnv("CADRE_DATABASE_MODE", "embedded");
      await migrate(embedded.url);
      io.out(`database: embedded (${path.join(dataDir, "pglite")})`);
    } else {
      io.out("database: PostgreSQL server from DATABASE_URL");
    }
    return await fn(sources);
  } finally {
    const { disconnectDb } = await import("../server/db/client");
    await disconnectDb().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    release?.();
  }
}

/** Runs one command; returns the process exit code. */
export async function runCadre(argv: readonly string[], io: CliIo = consoleIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    io.err("");
    io.err(HELP);
    return 2;
  }
  if (parsed.command === "help") {
    io.out(HELP);
    return 0;
  }
  if (parsed.command.startsWith("audit ")) {
    const cli = await import("../server/audit/cli");
    // the command's own output (JSON Lines, CSV) goes to stdout; what the launcher says goes to stderr
    const quiet: CliIo = { out: (line) => io.err(line), err: (line) => io.err(line) };
    return withDatabase(quiet, () => {
      if (parsed.command === "audit purge") return cli.auditPurge(io);
      if (parsed.command === "audit auth-events") return cli.auditAuthEvents(io, { email: parsed.email, userId: parsed.userId, limit: parsed.limit });
      return cli.auditExport(io, parsed.workspace!, parsed.format ?? "jsonl");
    });
  }
  if (parsed.command === "users password-reset-link") {
    const { passwordResetLinkCommand } = await import("../server/users/cli");
    return withDatabase(io, () => passwordResetLinkCommand(parsed.email!, io));
  }
  if (parsed.command === "users reset-mfa") {
    const { resetMfaCommand } = await import("../server/users/cli");
    return withDatabase(io, () => resetMfaCommand(parsed.email!, io));
  }
  if (parsed.command === "orgs verify-domain") {
    const { verifyDomainCommand } = await import("../server/orgs/cli");
    return withDatabase(io, () => verifyDomainCommand(parsed.org!, parsed.domain!, io));
  }
  if (parsed.command === "users revoke-sessions") {
    const { revokeSessionsCommand } = await import("../server/users/cli");
    return withDatabase(io, () => revokeSessionsCommand(parsed.email!, io));
  }
  const { vaultRotate, vaultStatus } = await import("../server/vault/cli");
  if (parsed.command === "vault status") return withDatabase(io, (sources) => vaultStatus({ sources, io }));
  return withDatabase(io, async (sources) => {
    const outcome = await vaultRotate({ sources, io, newKey: parsed.newKey, finish: parsed.finish, batchSize: parsed.batchSize });
    return outcome.exitCode;
  });
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runCadre(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`[cadre] ${(error as Error).message}`);
      process.exit(1);
    });
}
