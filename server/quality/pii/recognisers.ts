/**
 * The recognisers: each a regular expression (compiled once per process) and, where a pattern alone would find
 * order numbers, versions or hashes, a check that the match is what it claims: the Luhn digit of a card, the mod-97
 * of an IBAN, a valid number of its country for a phone (libphonenumber-js), a word that names a US SSN nearby,
 * address syntax for IPs, gitleaks' allowlist for secrets. Nothing here matches UUIDs or commit hashes.
 */
import { isIPv6 } from "node:net";
import { type CountryCode, findPhoneNumbersInText, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { PII_ENTITIES, type PiiEntity } from "@/lib/schemas/pii";
import { ibanValid, luhnValid } from "./checksums";
import { allowlisted, SECRET_RULES } from "./secret-rules";

export interface Finding {
  entity: PiiEntity;
  rule: string;
  start: number;
  end: number;
}

interface Recogniser {
  entity: PiiEntity;
  rule: string;
  pattern: RegExp;
  /** lower-case words one of which the text must hold for the pattern to run at all */
  keywords?: string[];
  accept?: (match: string, text: string, index: number) => boolean;
}

const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|6[0245])/;
const SSN_CONTEXT = /\b(?:ssn|social security|soc\.? ?sec|taxpayer)\b/i;
const VERSION_BEFORE = /(?:\bv|\bversion|\bver\.?|\brelease|@)\s*$/i;

function pii(): Recogniser[] {
  return [
    {
      entity: "email",
      rule: "email",
      keywords: ["@"],
      pattern:
        /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b/g,
    },
    {
      entity: "payment_card",
      rule: "payment-card",
      pattern: /(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d-]|\.\d)/g,
      accept: (match) => {
        const digits = match.replace(/[ -]/g, "");
        return CARD_PREFIX.test(digits) && luhnValid(digits);
      },
    },
    {
      entity: "iban",
      rule: "iban",
      pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
      accept: (match) => ibanValid(match.replace(/ /g, "")),
    },
    {
      entity: "us_ssn",
      rule: "us-ssn",
      pattern: /\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b/g,
      accept: (_match, text, index) => SSN_CONTEXT.test(text.slice(Math.max(0, index - 48), index)),
    },
    {
      entity: "phone",
      rule: "phone",
      keywords: ["+", "00"],
      // written internationally: +CC or 00CC, then digits with the usual separators
      pattern: /(?<![\w+])(?:\+|00)[1-9][\d\s().-]{5,20}\d(?![\w])/g,
      accept: (match) => {
        const phone = parsePhoneNumberFromString(match.replace(/^00/, "+"));
        return phone?.isValid() === true;
      },
    },
    {
      entity: "ip_address",
      rule: "ipv4",
      keywords: ["."],
      pattern: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)/g,
      accept: (_match, text, index) => !VERSION_BEFORE.test(text.slice(Math.max(0, index - 10), index)),
    },
    {
      entity: "ip_address",
      rule: "ipv6",
      keywords: [":"],
      pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g,
      accept: (match) => match.length >= 6 && /[0-9A-Fa-f]/.test(match) && isIPv6(match),
    },
  ];
}

function secrets(): Recogniser[] {
  return SECRET_RULES.map((r) => ({
    entity: r.entity ?? "secret",
    rule: r.id,
    pattern: new RegExp(r.pattern, r.ignoreCase ? "gi" : "g"),
    keywords: r.keywords,
    accept: (match: string) => !allowlisted(match),
  }));
}

let compiled: Recogniser[] | null = null;

/** Every recogniser, compiled on first use (once per process). */
function recognisers(): Recogniser[] {
  compiled ??= [...secrets(), ...pii()];
  return compiled;
}

/** A number named as something else just before it: "order 415-555-2671", "invoice #2025550143", "ref: …". */
const NOT_A_PHONE_BEFORE =
  /(?:\b(?:order|invoice|inv|ref|reference|tracking|account|acct|sku|id|item|ticket|case|po|serial)(?:\s*(?:no|nr|num|number)\b)?|#)[\s.:#-]*$/i;

/**
 * Phone numbers written nationally in the workspace's country (`region`), found by libphonenumber-js and valid there.
 * Kept down to what a person writes as a phone number: grouped as the country formats it (the digits are exactly
 * those of its national format, so "5551234567" is no British number without its trunk 0), with a separator (an
 * unbroken run of digits is an id), and not named as an order, invoice, reference, etc. just before it.
 */
function nationalPhones(text: string, region: string): Finding[] {
  if (!/\d[\s().-]?\d/.test(text)) return [];
  const found: Finding[] = [];
  for (const m of findPhoneNumbersInText(text, { defaultCountry: region as CountryCode })) {
    const written = text.slice(m.startsAt, m.endsAt);
    if (/^(?:\+|00)/.test(written) || !/[\s().-]/.test(written)) continue;
    if (written.replace(/\D/g, "") !== m.number.formatNational().replace(/\D/g, "")) continue;
    if (NOT_A_PHONE_BEFORE.test(text.slice(Math.max(0, m.startsAt - 24), m.startsAt))) continue;
    found.push({ entity: "phone", rule: "phone-national", start: m.startsAt, end: m.endsAt });
  }
  return found;
}

/** Secrets first: a token inside a URL is a secret, not an email or an IP. */
const RANK = new Map(PII_ENTITIES.map((e, i) => [e, i]));

function better(a: Finding, b: Finding): boolean {
  const ra = RANK.get(a.entity)!;
  const rb = RANK.get(b.entity)!;
  return ra !== rb ? ra < rb : a.end - a.start > b.end - b.start;
}

/**
 * The findings of the given entities in a text, in order, never overlapping (the higher-ranked one wins).
 * `phoneRegion`: the country whose nationally written phone numbers are found too.
 */
export function findAll(text: string, entities: ReadonlySet<PiiEntity>, phoneRegion: string | null = null): Finding[] {
  if (text.length < 6 || entities.size === 0) return [];
  let lower: string | null = null;
  const found: Finding[] = [];
  for (const r of recognisers()) {
    if (!entities.has(r.entity)) continue;
    if (r.keywords) {
      lower ??= text.toLowerCase();
      if (!r.keywords.some((k) => lower!.includes(k))) continue;
    }
    r.pattern.lastIndex = 0;
    for (const m of text.matchAll(r.pattern)) {
      if (r.accept && !r.accept(m[0], text, m.index)) continue;
      found.push({ entity: r.entity, rule: r.rule, start: m.index, end: m.index + m[0].length });
    }
  }
  if (phoneRegion && entities.has("phone")) found.push(...nationalPhones(text, phoneRegion));
  if (found.length < 2) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  for (const f of found) {
    const last = kept[kept.length - 1];
    if (!last || f.start >= last.end) kept.push(f);
    else if (better(f, last)) kept[kept.length - 1] = f;
  }
  return kept;
}
