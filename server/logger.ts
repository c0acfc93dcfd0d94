import pino from "pino";
import { env } from "./env";
import { redactSecrets } from "./quality/pii/redact";

/**
 * Names of fields that hold (or may hold) a secret: redacted wherever they appear in a log object, at the top
 * level and up to three objects deep (pino's redaction needs explicit paths; each `*` is one level).
 */
export const SECRET_FIELD_NAMES = [
  "password",
  "newPassword",
  "currentPassword",
  "passwordHash",
  "passwd",
  "token",
  "accessToken",
  "refreshToken",
  "idToken",
  "sessionToken",
  "tokenHash",
  "id_token",
  "access_token",
  "refresh_token",
  "secret",
  "clientSecret",
  "client_secret",
  "secretKey",
  "signingKey",
  "key",
  "apiKey",
  "api_key",
  "rawKey",
  "keyHash",
  "masterKey",
  "privateKey",
  "value",
  "plaintext",
  "ciphertext",
  "authorization",
  "cookie",
  "cookies",
  "set-cookie",
  "x-api-key",
  "proxy-authorization",
  "credentials",
  "smtpUrl",
  "databaseUrl",
  "connectionString",
] as const;

/** Header-shaped containers whose secret-bearing entries are redacted too (request and response headers). */
const HEADER_NAMES = ["authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization", "x-auth-token"] as const;

const MAX_DEPTH = 3;

function member(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `["${name}"]`;
}

export function redactPaths(): string[] {
  const paths = new Set<string>();
  for (const name of SECRET_FIELD_NAMES) {
    for (let depth = 0; depth <= MAX_DEPTH; depth++) paths.add(`${"*.".repeat(depth)}${member(name).replace(/^\./, "")}`.replace(/\.\[/g, "["));
  }
  for (const header of HEADER_NAMES) {
    for (const prefix of ["headers", "*.headers", "*.*.headers"]) paths.add(`${prefix}${member(header)}`);
  }
  return [...paths];
}

/** A log argument with secret values (keys, tokens, private keys: server/quality/pii) redacted; itself when it holds none. */
function withoutSecretValues(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length < 12 ? value : redactSecrets(value);
  if (depth > MAX_DEPTH + 1 || !value || typeof value !== "object") return value;
  if (value instanceof Error) {
    const message = redactSecrets(value.message);
    const stack = value.stack === undefined ? undefined : redactSecrets(value.stack);
    return message === value.message && stack === value.stack ? value : { type: value.name, message, stack };
  }
  if (Array.isArray(value)) {
    const out = value.map((v) => withoutSecretValues(v, depth + 1));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = withoutSecretValues(v, depth + 1);
    if (out[k] !== v) changed = true;
  }
  return changed ? out : value;
}

/**
 * Structured JSON logs. Secrets are never logged on purpose; the redaction list is the second line of defence
 * for fields whose name says they hold one, and the value-based redaction the third, for secrets in any field or
 * message (every workspace's "logs" path: logs belong to no workspace, so secrets are redacted there always).
 */
export function createLogger(destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level: env().LOG_LEVEL,
      base: { service: "cadre" },
      redact: { paths: redactPaths(), censor: "[redacted]" },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => withoutSecretValues(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export const logger = createLogger();
