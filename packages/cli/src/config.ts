/**
 * Where `cadre` finds its server and API key: CADRE_URL and CADRE_API_KEY when set (they win), else the file written by
 * `cadre login`: $XDG_CONFIG_HOME/cadre/config.json (default ~/.config/cadre/config.json), mode 0600.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { CliError, EXIT } from "./exit-codes.js";

export interface StoredConfig {
  url: string;
  apiKey: string;
  /** the workspace the key belongs to, as GET /api/v1/me said at login */
  workspace?: string;
}

export type Env = Record<string, string | undefined>;

export function configPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), ".config");
  return path.join(base, "cadre", "config.json");
}

export function readConfig(env: Env): StoredConfig | undefined {
  const file = configPath(env);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<StoredConfig>;
    if (typeof parsed.url === "string" && typeof parsed.apiKey === "string") return parsed as StoredConfig;
  } catch {}
  throw new CliError(EXIT.USAGE, `${file} is not a cadre configuration: run \`cadre login\` again`);
}

/** Writes the file readable by its owner only (0600, its folder 0700), also when it existed with wider modes. */
export function writeConfig(env: Env, config: StoredConfig): string {
  const file = configPath(env);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function removeConfig(env: Env): boolean {
  const file = configPath(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

export interface Credentials {
  url: string;
  apiKey: string;
  source: "env" | "file";
}

/** The credentials in force: the environment's (both variables) win over the file's. */
export function credentials(env: Env): Credentials {
  if (env.CADRE_URL && env.CADRE_API_KEY) return { url: env.CADRE_URL, apiKey: env.CADRE_API_KEY, source: "env" };
  const stored = readConfig(env);
  const url = env.CADRE_URL || stored?.url;
  const apiKey = env.CADRE_API_KEY || stored?.apiKey;
  if (!url || !apiKey) throw new CliError(EXIT.AUTH, "Not logged in: run `cadre login`, or set CADRE_URL and CADRE_API_KEY");
  return { url, apiKey, source: env.CADRE_URL || env.CADRE_API_KEY ? "env" : "file" };
}
