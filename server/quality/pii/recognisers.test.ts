import { describe, expect, it } from "vitest";
import { PII_ENTITIES, type PiiEntity } from "@/lib/schemas/pii";
import { ibanRemainder } from "./checksums";
import { findAll } from "./recognisers";

/**
 * Every value is built here at run time (concatenation, seeded random characters, computed check digits): nothing
 * secret-looking is committed, and a real key can never sit in this file.
 */
let seed = 20261216;
function random(chars: string, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out += chars[seed % chars.length];
  }
  return out;
}
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX = "0123456789abcdef";
const B64URL = `${ALNUM}_-`;

/** A card number of this prefix and length whose last digit is its Luhn check digit. */
function card(prefix: string, length: number): string {
  const body = prefix + random("0123456789", length - prefix.length - 1);
  for (let d = 0; d <= 9; d++) {
    const n = body + d;
    let sum = 0;
    for (let i = 0; i < n.length; i++) {
      let x = Number(n[n.length - 1 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return n;
  }
  throw new Error("unreachable");
}
const spaced = (s: string, every = 4) => s.replace(new RegExp(`(.{${every}})(?!$)`, "g"), "$1 ");
const notLuhn = (n: string) => n.slice(0, -1) + ((Number(n.at(-1)) + 1) % 10);

/** An IBAN of this country and BBAN with its computed mod-97 check digits. */
function iban(country: string, bban: string): string {
  const check = 98 - ibanRemainder(`${country}00${bban}`);
  return `${country}${String(check).padStart(2, "0")}${bban}`;
}

function jwt(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "user-1234567890", name: "Jane Doe", iat: 1516239022 })}.${random(B64URL, 43)}`;
}

const BEGIN = ["-----", "BEGIN ", "RSA PRIVATE KEY", "-----"].join("");
const END = ["-----", "END ", "RSA PRIVATE KEY", "-----"].join("");

/** [entity, the value, the text it sits in] */
const POSITIVES: [PiiEntity, string, (v: string) => string][] = [
  ["email", "jane.doe@example.com", (v) => `Write to ${v} today`],
  ["email", "a.b+tag@mail.example.co.uk", (v) => `cc: <${v}>`],
  ["email", "Support_Team@Example.ORG", (v) => `(${v}).`],
  ["email", "x9@sub-domain.example.io", (v) => v],
  ["phone", "+44 20 7946 0958", (v) => `Call ${v} now`],
  ["phone", "+1 650 253 0000", (v) => `tel: ${v}`],
  ["phone", "+1 (415) 555-2671", (v) => `phone ${v}.`],
  ["phone", "0049 30 901820", (v) => `Berlin office ${v}`],
  ["phone", "+33 1 42 68 53 00", (v) => `Paris: ${v}`],
  ["phone", "+81 3-1234-5678", (v) => `Tokyo ${v}`],
  ["phone", "+61 2 9374 4000", (v) => v],
  ["payment_card", card("4", 16), (v) => `card ${v} exp 12/29`],
  ["payment_card", spaced(card("4", 16)), (v) => `Visa: ${v}`],
  ["payment_card", card("51", 16).replace(/(\d{4})(?!$)/g, "$1-"), (v) => `MC ${v}`],
  ["payment_card", card("37", 15), (v) => `amex ${v}`],
  ["payment_card", card("2221", 16), (v) => `new MC ${v}`],
  ["payment_card", card("6011", 16), (v) => `discover ${v}`],
  ["iban", iban("DE", "370400440532013000"), (v) => `IBAN ${v}`],
  ["iban", spaced(iban("GB", "NWBK60161331926819")), (v) => `pay to ${v} please`],
  ["iban", iban("FR", "20041010050500013M02606"), (v) => v],
  ["iban", spaced(iban("NL", "ABNA0417164300")), (v) => `rekening ${v}.`],
  ["us_ssn", "123-45-6789", (v) => `SSN: ${v}`],
  ["us_ssn", "234 56 7890", (v) => `social security number ${v}`],
  ["ip_address", "192.168.1.20", (v) => `host ${v} is down`],
  ["ip_address", "8.8.8.8", (v) => `dns=${v}`],
  ["ip_address", "10.0.0.1", (v) => `from ${v}.`],
  ["ip_address", "2001:db8::8a2e:370:7334", (v) => `addr ${v} ok`],
  ["ip_address", "fe80::1ff:fe23:4567:890a", (v) => `link-local ${v}`],
  ["secret", `AK${"IA"}${random(UPPER_DIGITS, 16)}`, (v) => `aws_access_key_id = ${v}`],
  ["secret", `gh${"p_"}${random(ALNUM, 36)}`, (v) => `token ${v}`],
  ["secret", `gh${"o_"}${random(ALNUM, 36)}`, (v) => v],
  ["secret", `github${"_pat_"}${random(`${ALNUM}_`, 82)}`, (v) => `GH=${v}`],
  ["secret", `gl${"pat-"}${random(ALNUM, 20)}`, (v) => `gitlab ${v}`],
  ["secret", `xo${"xb-"}${random("0123456789", 12)}-${random("0123456789", 12)}-${random(ALNUM, 24)}`, (v) => `slack ${v}`],
  ["secret", `https://hooks.slack.com/services/${random(ALNUM, 44)}`, (v) => `POST ${v}`],
  ["secret", `sk${"_live_"}${random(ALNUM, 24)}`, (v) => `stripe ${v}`],
  ["secret", `sk-${"ant-"}api03-${random(B64URL, 93)}AA`, (v) => `ANTHROPIC_API_KEY=${v}`],
  ["secret", `sk-${"proj-"}${random(B64URL, 64)}${"T3Blbk"}FJ${random(B64URL, 64)}`, (v) => `OPENAI_API_KEY="${v}"`],
  ["secret", `AI${"za"}${random(B64URL, 35)}`, (v) => `key=${v}&q=1`],
  ["secret", `h${"f_"}${random(ALNUM.slice(0, 52), 34)}`, (v) => `HF_TOKEN ${v}`],
  ["secret", `gs${"k_"}${random(ALNUM, 52)}`, (v) => `groq ${v}`],
  ["secret", `np${"m_"}${random(ALNUM.slice(26), 36)}`, (v) => `//registry.npmjs.org/:_authToken=${v}`],
  ["secret", `S${"G."}${random(B64URL, 22)}.${random(B64URL, 43)}`, (v) => `sendgrid ${v}`],
  ["secret", `S${"K"}${random(HEX, 32)}`, (v) => `twilio ${v}`],
  ["secret", `do${"p_v1_"}${random(HEX, 64)}`, (v) => `do ${v}`],
  ["secret", `sh${"pat_"}${random(HEX, 32)}`, (v) => `shopify ${v}`],
  ["secret", `${BEGIN}\n${random(`${ALNUM}+/`, 64)}\n${random(`${ALNUM}+/`, 64)}\n${END}`, (v) => `key:\n${v}\n`],
  ["secret", `cad${"re_"}${random(B64URL.replace(/[_-]/g, "x"), 43)}`, (v) => `x-api-key: ${v}`],
  ["secret", `postgres://app:${random(ALNUM, 16)}@db.internal:5432`, (v) => `DATABASE_URL=${v}/prod`],
  ["secret", `Bearer ${random(ALNUM, 32)}`, (v) => `Authorization: ${v}`],
  ["jwt", jwt(), (v) => `session=${v}; Path=/`],
];

/** Near misses: what looks like one of the above and is not. */
const NEAR_MISSES: [string, string][] = [
  ["a UUID", "id 3f2b8c4e-9d1a-4e6b-8f7c-2a5d9e1b4c6f done"],
  ["a commit hash", `commit ${random(HEX, 40)} merged`],
  ["a short commit hash", `fixed in ${random(HEX, 7)}`],
  ["a SHA-256 digest", `sha256:${random(HEX, 64)}`],
  ["a version", "released 1.2.3 today"],
  ["a four-part version", "upgrade to v1.2.3.4 now"],
  ["a version after 'version'", "version 10.0.0.1 shipped"],
  ["an order number failing Luhn", `order ${notLuhn(card("4", 16))}`],
  ["a card-like number failing Luhn", `ref ${spaced(notLuhn(card("51", 16)))}`],
  ["a Luhn-valid number of no card network", `tracking ${card("1", 16)}`],
  ["a millisecond timestamp", "at 1734567890123 ms"],
  ["an IBAN with wrong check digits", `IBAN DE${String((Number(iban("DE", "370400440532013000").slice(2, 4)) + 1) % 100).padStart(2, "0")}370400440532013000`],
  ["an SSN-shaped number without context", "ticket 123-45-6789 closed"],
  ["an SSN of area 000", "SSN: 000-12-3456"],
  ["AWS's documentation key", `aws_access_key_id = ${["AKIA", "IOSFODNN7", "EXAMPLE"].join("")}`],
  ["a placeholder token", `token gh${"p_"}${"x".repeat(36)}`],
  ["a short sk- string", "use sk-abc123 in tests"],
  ["a JWT header alone", `${Buffer.from('{"alg":"HS256"}').toString("base64url")} header`],
  ["an address without a domain", "user@localhost"],
  ["a handle", "ping @jane.doe on chat"],
  ["an out-of-range IPv4", "999.10.1.1"],
  ["a dotted sequence", "section 1.2.3.4.5"],
  ["a time", "at 12:30:45 UTC"],
  ["a MAC address", "mac 00:1A:2B:3C:4D:5E"],
  ["a C++ name", "std::vector<int>"],
  ["a too-short phone", "dial +1 555"],
  ["a date", "due 2026-12-16"],
  ["an ISBN", "ISBN 978-3-16-148410-0"],
  ["a price", "$1,234.56 total"],
];

const ALL = new Set(PII_ENTITIES);

describe("recognisers", () => {
  it("has a table of at least 40 positives and 20 near misses", () => {
    expect(POSITIVES.length).toBeGreaterThanOrEqual(40);
    expect(NEAR_MISSES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(POSITIVES.map(([entity, value, wrap], i) => [`${i} ${entity}`, entity, value, wrap(value)] as const))("finds %s", (_name, entity, value, text) => {
    const findings = findAll(text, ALL);
    expect(findings.map((f) => ({ entity: f.entity, value: text.slice(f.start, f.end) }))).toEqual([{ entity, value }]);
  });

  it.each(NEAR_MISSES)("does not take %s for PII or a secret", (_name, text) => {
    expect(findAll(text, ALL)).toEqual([]);
  });

  it("finds only the entities asked for", () => {
    const text = `mail jane@example.com, key gh${"p_"}${random(ALNUM, 36)}`;
    expect(findAll(text, new Set(["secret"] as const)).map((f) => f.entity)).toEqual(["secret"]);
    expect(findAll(text, new Set(["email"] as const)).map((f) => f.entity)).toEqual(["email"]);
  });

  it("ranks a secret above what it contains (a password in a URL is not an email)", () => {
    const text = `smtp://mailer:${random(ALNUM, 12)}@smtp.example.com`;
    expect(findAll(text, ALL).map((f) => f.entity)).toEqual(["secret"]);
  });
});

describe("phone numbers written nationally (the workspace's phone region)", () => {
  const phones = (text: string, region: string | null) => findAll(text, new Set(["phone"] as const), region).map((f) => text.slice(f.start, f.end));

  it("finds a country's national formats once its region is set, and none without it", () => {
    const us = "Call (415) 555-2671, or 415.555.2671, or 650 253 0000 after six";
    expect(phones(us, "US")).toEqual(["(415) 555-2671", "415.555.2671", "650 253 0000"]);
    expect(phones(us, null)).toEqual([]);
    const gb = "Ring 020 7946 0958 or the office on 0161 496 0000";
    expect(phones(gb, "GB")).toEqual(["020 7946 0958", "0161 496 0000"]);
    // another country's national number is not one of this country's
    expect(phones(gb, "US")).toEqual([]);
    expect(phones(us, "GB")).toEqual([]);
  });

  it("international numbers are still found (once), whatever the region", () => {
    expect(phones("Intl +44 20 7946 0958 and 0044 20 7946 0958", "US")).toEqual(["+44 20 7946 0958", "0044 20 7946 0958"]);
  });

  it.each([
    ["order numbers", "Order 4155552671 shipped; order #2025550143 too, and order 415-555-2671 tomorrow"],
    ["order numbers, with no.", "Order no. 202-555-0143 and invoice nr 650 253 0000"],
    ["references and tickets", "ref: 415 555 2671, ticket #650-253-0000, account 202 555 0143"],
    ["an unbroken run of digits (an id)", "customer 4155552671 and 6502530000"],
    ["a number grouped unlike the country's format", "5551234567 as 555-123-4567 is no British number"],
    ["dates, times and versions", "On 2024-01-15 at 10:30, version 1.2.3, amount 1234567.89, id 12345678"],
  ])("does not take %s for a phone number", (_name, text) => {
    expect(phones(text, text.includes("British") ? "GB" : "US")).toEqual([]);
  });
});
