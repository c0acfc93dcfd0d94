import type { PiiAction, PiiEntity, PiiPath } from "@/lib/schemas/pii";

/** What each kind of value is, in a sentence (the settings page's table). */
export const PII_ENTITY_HINTS: Record<PiiEntity, string> = {
  secret: "Provider keys, access tokens, passwords in URLs and private key blocks (gitleaks' rules).",
  jwt: "Signed tokens of three base64 parts; they often grant access on their own.",
  email: "Addresses with a dotted domain; handles and user@localhost are left alone.",
  phone: "Numbers written with +CC or 00CC, valid for their country; national formats once a phone region is set.",
  payment_card: "13 to 19 digits with a card network's prefix that pass the Luhn check.",
  iban: "Bank account numbers of a known country's length with valid check digits.",
  us_ssn: "ddd-dd-dddd numbers with a word naming a social security number just before.",
  ip_address: "IPv4 and IPv6 addresses; versions, times and MAC addresses are not taken for them.",
};

export const PII_ACTION_LABELS: Record<PiiAction, string> = { redact: "Redact", mask: "Mask", hash: "Hash", keep: "Keep" };

/** What each action leaves (the table's column headers' titles). */
export const PII_ACTION_HINTS: Record<PiiAction, string> = {
  redact: "A typed placeholder: [EMAIL]",
  mask: "Most of it starred: j***@example.com",
  hash: "A keyed hash, equal values match: [EMAIL:3f9a0c1b2d4e]",
  keep: "Left as it is",
};

/** What turning a path on does, in a sentence. */
export const PII_PATH_HINTS: Record<PiiPath, string> = {
  outputs: "Run outputs, steps and events are redacted where the API, the MCP endpoint and this app return them, even when they were stored as they are.",
  storage: "A model's answer is redacted before its step, events and the run's output are written, so the original is kept nowhere.",
  memory: "Memories (written by hand, by the remember tool, from documents, or by a run at its end) are redacted before they are embedded and stored.",
  sessions: "A person's message and the assistant's reply are redacted before the session keeps them.",
  tool_results: "A tool's result is redacted before it is stored and before it enters the next prompt.",
  logs: "The server's log lines lose secrets and tokens whatever you choose here (logs belong to no workspace).",
};
