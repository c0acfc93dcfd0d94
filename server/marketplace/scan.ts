/**
 * The scanner a package passes before it is published (issue 16): every string of the package, keys included, is
 * checked for secret values (API keys and tokens, private keys, JWTs, credentials in URLs, long random strings in
 * header templates), vault ids, Cadre ids that identify the publisher, and email addresses. A problem names the
 * field (`agents.0.instructions`) and what was found, never the value itself. Besides its own patterns, it runs the
 * platform's PII and secret recognisers (server/quality/pii: gitleaks' rule set, and personal data checked by check
 * digits and context: phone numbers, payment cards, IBANs, US SSNs).
 */

import type { PiiEntity } from "@/lib/schemas/pii";
import { findAll } from "@/server/quality/pii/recognisers";

export interface ScanProblem {
  path: string;
  message: string;
}

interface Recogniser {
  what: string;
  pattern: RegExp;
}

const SECRET_VALUES: Recogniser[] = [
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: "an API key (sk-...)", pattern: /\bsk-[A-Za-z0-9_-]{16,}/ },
  { what: "a Stripe key", pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { what: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/ },
  { what: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { what: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { what: "a bearer token", pattern: /\bBearer\s+(?!\{\{)[A-Za-z0-9._~+/=-]{16,}/i },
  { what: "a password in a URL", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:[^\s/@]+@/i },
];

/** Vault ids, and the ids of what belongs to the publisher (its workspace, people, keys, runs, memories, providers, models...) */
const CADRE_IDS: Recogniser[] = [
  { what: "a vault secret id (sec_...)", pattern: /\bsec_[0-9a-z]{8,}/ },
  {
    what: "a Cadre id of the publisher's workspace",
    pattern: /\b(?:ws|usr|key|run|memo|mem|prv|mdl|agt|agv|team|tmv|tool|mcp|ses|mdoc|stp|inv|aud|whk|lin|jdg|jdv|lbl)_[0-9a-z]{16,}\b/,
  },
];

const EMAIL: Recogniser = {
  what: "an email address",
  pattern:
    /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b/,
};

const RECOGNISERS = [...SECRET_VALUES, ...CADRE_IDS, EMAIL];

/** Bits per character of a string's own character distribution. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A random-looking run of 24+ token characters (letters and digits mixed), as a literal credential in a header looks. */
function looksRandom(value: string): boolean {
  const withoutPlaceholders = value.replace(/\{\{[^}]*\}\}/g, " ");
  for (const token of withoutPlaceholders.match(/[A-Za-z0-9_+/=.-]{24,}/g) ?? []) {
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(token)).length;
    if (classes >= 2 && entropy(token) >= 3.5) return true;
  }
  return false;
}

const isHeaderValue = (path: string[]) => path.length >= 2 && path[path.length - 2] === "headers";

const PII_IN_PACKAGES: ReadonlySet<PiiEntity> = new Set(["secret", "jwt", "phone", "payment_card", "iban", "us_ssn"]);
const FOUND: Record<string, string> = {
  secret: "a secret",
  jwt: "a JSON Web Token",
  phone: "a phone number",
  payment_card: "a payment card number",
  iban: "an IBAN",
  us_ssn: "a US social security number",
};

function scanString(value: string, path: string[], problems: ScanProblem[]): void {
  const where = path.join(".");
  for (const r of RECOGNISERS)
    if (r.pattern.test(value)) problems.push({ path: where, message: `Contains ${r.what}: remove it (secrets travel as named slots, never as values)` });
  const seen = new Set<string>();
  for (const f of findAll(value, PII_IN_PACKAGES)) {
    const what = f.entity === "secret" ? `${FOUND.secret} (${f.rule})` : FOUND[f.entity]!;
    if (seen.has(what)) continue;
    seen.add(what);
    problems.push({ path: where, message: `Contains ${what}: remove it (secrets travel as named slots, never as values; a package names no person)` });
  }
  if (isHeaderValue(path) && looksRandom(value) && !problems.some((p) => p.path === where))
    problems.push({ path: where, message: "Contains what looks like a literal credential in a header: use {{secret}} and a secret slot instead" });
}

function walk(value: unknown, path: string[], problems: ScanProblem[]): void {
  if (typeof value === "string") scanString(value, path, problems);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, String(i)], problems));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      scanString(k, [...path, k], problems);
      walk(v, [...path, k], problems);
    }
}

/** The problems of a package (or any JSON value): empty when it may be published. */
export function scanPackage(pkg: unknown): ScanProblem[] {
  const problems: ScanProblem[] = [];
  walk(pkg, [], problems);
  // one entry per field and finding (a key and its value may report the same path)
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(`${p.path}\n${p.message}`) && !!seen.add(`${p.path}\n${p.message}`));
}
