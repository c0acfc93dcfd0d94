import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Reads a generated secret from the data directory, creating it (mode 0600) on first use. */
export function persistedSecret(dataDir: string, name: string): { value: string; created: boolean } {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return { value: readFileSync(file, "utf8").trim(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(32).toString("base64");
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}
