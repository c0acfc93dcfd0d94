import path from "node:path";
import { persistedSecret } from "../db/secrets-file";

export const AUTH_SECRET_FILE = "auth-secret";
const MIN_LENGTH = 32;

export class AuthSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthSecretError";
  }
}

/**
 * Where AUTH_SECRET comes from, for the launcher: the environment, else (embedded mode only) a secret generated
 * once into `<CADRE_DATA_DIR>/auth-secret`. In server mode every server behind a load balancer must share one
 * secret (sessions and API key hashes depend on it), and a container without a volume would lose a generated
 * one on every redeploy: without AUTH_SECRET, start-up refuses. The secret itself is never logged.
 */
export function launcherAuthSecret(opts: { secret?: string; previous?: string; embedded: boolean; dataDir: string }): {
  env: { AUTH_SECRET?: string };
  messages: string[];
} {
  if (opts.secret) {
    if (opts.secret.length < MIN_LENGTH) {
      throw new AuthSecretError(`AUTH_SECRET must be at least ${MIN_LENGTH} characters. Generate one with \`openssl rand -base64 32\``);
    }
    const previous = (opts.previous ?? "").split(",").filter((s) => s.trim()).length;
    return { env: {}, messages: previous ? [`AUTH_SECRET from the environment (${previous} previous secret(s) still accepted)`] : [] };
  }
  if (!opts.embedded) {
    throw new AuthSecretError(
      "AUTH_SECRET is required with DATABASE_URL (server mode): every server must share it. Generate one with `openssl rand -base64 32`",
    );
  }
  const file = path.join(opts.dataDir, AUTH_SECRET_FILE);
  const generated = persistedSecret(opts.dataDir, AUTH_SECRET_FILE);
  return {
    env: { AUTH_SECRET: generated.value },
    messages: [`${generated.created ? "generated" : "using"} AUTH_SECRET in ${file} (set AUTH_SECRET to manage it yourself)`],
  };
}
