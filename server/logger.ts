import pino from "pino";
import { env } from "./env";

/**
 * Structured JSON logs. Secrets are never logged on purpose; the redaction list is the second line
 * of defence for fields whose name says they hold one.
 */
export const logger = pino({
  level: env().LOG_LEVEL,
  base: { service: "cadre" },
  redact: {
    paths: [
      "password", "*.password", "passwordHash", "*.passwordHash", "key", "*.key", "token", "*.token",
      "authorization", "*.authorization", "headers.authorization", "headers.cookie", "secret", "*.secret",
    ],
    censor: "[redacted]",
  },
});
