import pino from "pino";
import { env } from "./env";

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

/**
 * Structured JSON logs. Secrets are never logged on purpose; the redaction list is the second line of defence
 * for fields whose name says they hold one.
 */
export function createLogger(destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level: env().LOG_LEVEL,
      base: { service: "cadre" },
      redact: { paths: redactPaths(), censor: "[redacted]" },
    },
    destination,
  );
}

export const logger = createLogger();
