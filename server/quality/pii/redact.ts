/**
 * A policy applied to text and to JSON values: each finding is redacted to a typed placeholder (`[EMAIL]`), masked
 * (`j***@example.com`, `************4242`), replaced by a keyed hash (`[EMAIL:3f9a0c1b2d4e]`, HMAC-SHA256 under the
 * workspace's own key: the same value gives the same hash within a workspace, and a phone number's hash cannot be
 * reversed by hashing every phone number) or kept. Pure: the key comes from the caller (server/quality/pii-policy).
 */
import { createHmac } from "node:crypto";
import { PII_ENTITIES, PII_PATHS, type PiiAction, type PiiEntity, type PiiPath, type PiiPolicy } from "@/lib/schemas/pii";
import { type Finding, findAll } from "./recognisers";

export interface CompiledPolicy {
  readonly actions: Readonly<Record<PiiEntity, PiiAction>>;
  /** per path, the entities whose action is not keep (empty: nothing to do there) */
  readonly active: Readonly<Record<PiiPath, ReadonlySet<PiiEntity>>>;
  readonly hashKey: Buffer | null;
  /** the country of phone numbers written nationally (null: international numbers only) */
  readonly phoneRegion: string | null;
}

export const PLACEHOLDERS: Record<PiiEntity, string> = {
  secret: "SECRET",
  jwt: "JWT",
  email: "EMAIL",
  phone: "PHONE",
  payment_card: "CARD",
  iban: "IBAN",
  us_ssn: "SSN",
  ip_address: "IP",
};

/** The policy ready to apply (`hashKey`: the workspace's key, needed when an action is hash). */
export function compilePolicy(policy: PiiPolicy, hashKey: Buffer | null = null): CompiledPolicy {
  const acting = new Set(PII_ENTITIES.filter((e) => policy.actions[e] !== "keep"));
  if (!hashKey && PII_ENTITIES.some((e) => policy.actions[e] === "hash")) throw new Error("A hash action needs the workspace's key");
  const none = new Set<PiiEntity>();
  const active = {} as Record<PiiPath, ReadonlySet<PiiEntity>>;
  for (const p of PII_PATHS) active[p] = policy.paths[p] ? acting : none;
  return { actions: { ...policy.actions }, active, hashKey, phoneRegion: policy.phoneRegion ?? null };
}

/** Whether the policy changes anything on a path. */
export const appliesOn = (policy: CompiledPolicy | null | undefined, path: PiiPath): policy is CompiledPolicy => !!policy && policy.active[path].size > 0;

function normalised(entity: PiiEntity, value: string): string {
  if (entity === "email") return value.toLowerCase();
  if (entity === "phone") return value.replace(/[^\d+]/g, "").replace(/^00/, "+");
  if (entity === "payment_card" || entity === "iban" || entity === "us_ssn") return value.replace(/[\s-]/g, "").toUpperCase();
  return value;
}

function masked(entity: PiiEntity, value: string): string {
  if (entity === "email") {
    const at = value.indexOf("@");
    return `${value[0]}***${value.slice(at)}`;
  }
  if (entity === "secret" || entity === "jwt") return `${value.slice(0, 4)}${"*".repeat(8)}`;
  if (entity === "ip_address") {
    const sep = value.includes(".") && !value.includes(":") ? "." : ":";
    const [first, ...rest] = value.split(sep);
    return [first, ...rest.map((p) => (p ? "*" : p))].join(sep);
  }
  // cards, IBANs, phones, SSNs: every digit and letter but the last four
  let keep = 4;
  const out = [...value];
  for (let i = out.length - 1; i >= 0; i--) {
    if (!/[A-Za-z0-9]/.test(out[i]!)) continue;
    if (keep > 0) keep--;
    else out[i] = "*";
  }
  return out.join("");
}

function replacement(policy: CompiledPolicy, f: Finding, value: string): string {
  const action = policy.actions[f.entity];
  if (action === "mask") return masked(f.entity, value);
  if (action === "hash") {
    const digest = createHmac("sha256", policy.hashKey!)
      .update(`${f.entity}\u0000${normalised(f.entity, value)}`)
      .digest("hex");
    return `[${PLACEHOLDERS[f.entity]}:${digest.slice(0, 12)}]`;
  }
  return `[${PLACEHOLDERS[f.entity]}]`;
}

export interface Redacted {
  text: string;
  /** what was found, with its action (offsets into the text given) */
  findings: (Finding & { action: PiiAction })[];
}

function applyFindings(text: string, findings: readonly Finding[], policy: CompiledPolicy): string {
  let out = "";
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + replacement(policy, f, text.slice(f.start, f.end));
    at = f.end;
  }
  return out + text.slice(at);
}

/** The text with the policy applied on a path ("all": every entity whose action is not keep, whatever the paths). */
export function redactText(text: string, policy: CompiledPolicy, path: PiiPath | "all"): Redacted {
  const entities = path === "all" ? new Set(PII_ENTITIES.filter((e) => policy.actions[e] !== "keep")) : policy.active[path];
  const findings = findAll(text, entities, policy.phoneRegion);
  if (findings.length === 0) return { text, findings: [] };
  return { text: applyFindings(text, findings, policy), findings: findings.map((f) => ({ ...f, action: policy.actions[f.entity] })) };
}

/** Personal data may hold spaces (a spaced IBAN, a phone number): streamed text keeps this many characters back for it. */
const SPACED_HOLD = 48;

/**
 * The part of a streamed text that may be shown now, redacted. Kept back: the last word (it may be the start of a key),
 * with personal data on the last SPACED_HOLD characters, a `Bearer` before them, a finding that reaches into what is
 * kept back, and a private key block not yet closed. `consumed`: characters of `text` used.
 */
export function redactStreamPrefix(text: string, policy: CompiledPolicy, path: PiiPath): { text: string; consumed: number } {
  const entities = policy.active[path];
  let limit = text.length;
  if ([...entities].some((e) => e !== "secret" && e !== "jwt")) limit = Math.min(limit, Math.max(0, text.length - SPACED_HOLD));
  while (limit > 0 && /\S/.test(text[limit - 1]!)) limit--;
  const bearer = /\bBearer\s*$/i.exec(text.slice(0, limit));
  if (bearer) limit = bearer.index;
  const begin = text.indexOf("-----BEGIN");
  if (begin >= 0 && begin < limit && !text.includes("-----END", begin)) limit = begin;
  const findings = findAll(text, entities, policy.phoneRegion);
  for (const f of findings) if (f.start < limit && f.end > limit) limit = f.start;
  return {
    text: applyFindings(
      text.slice(0, limit),
      findings.filter((f) => f.end <= limit),
      policy,
    ),
    consumed: limit,
  };
}

/** A string with the policy applied on a path (the string itself when nothing applies or nothing was found). */
export function redactString(text: string, policy: CompiledPolicy | null | undefined, path: PiiPath): string {
  return appliesOn(policy, path) ? redactText(text, policy, path).text : text;
}

/** Every string of a JSON value (not the keys) with the policy applied on a path; the value itself when unchanged. */
export function redactJson<T>(value: T, policy: CompiledPolicy | null | undefined, path: PiiPath): T {
  if (!appliesOn(policy, path)) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.length < 6 ? v : redactText(v, policy, path).text;
    if (Array.isArray(v)) {
      const out = v.map(walk);
      return out.some((x, i) => x !== v[i]) ? out : v;
    }
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        out[k] = walk(x);
        if (out[k] !== x) changed = true;
      }
      return changed ? out : v;
    }
    return v;
  };
  return walk(value) as T;
}

/** Secrets and tokens only, redacted whatever a workspace chose: the server's logs, which no workspace owns. */
const SECRETS_ONLY = compilePolicy({
  actions: { secret: "redact", jwt: "redact", email: "keep", phone: "keep", payment_card: "keep", iban: "keep", us_ssn: "keep", ip_address: "keep" },
  paths: { outputs: false, storage: false, memory: false, sessions: false, tool_results: false, logs: true },
  phoneRegion: null,
});

export function redactSecrets(text: string): string {
  return redactText(text, SECRETS_ONLY, "logs").text;
}
