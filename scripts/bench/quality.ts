/**
 * `npm run bench:quality`: what the quality gate costs, in sections (each a function in SECTIONS; another section
 * measures the judges' gate when it lands). In process, no database: the policy itself is read once per run (one
 * indexed row, pinned for the run), so a step pays only for the recognisers.
 *
 * PII and secret redaction (server/quality/pii):
 * - throughput in MB/s over a text of prose with a finding every ~500 characters (emails, phones, cards, IBANs, IPs,
 *   keys) and over clean prose, for the default policy (secrets and tokens) and for every entity on;
 * - the cost it adds to a step: one answer of 2 KB and one tool result of 8 KB redacted, median µs per step.
 * BENCH_MB sets the size of the throughput texts (default 4).
 */
import { performance } from "node:perf_hooks";
import { DEFAULT_PII_POLICY, PII_ENTITIES, type PiiPolicy } from "@/lib/schemas/pii";
import { compilePolicy, redactString, redactText } from "@/server/quality/pii/redact";

const MB = Number(process.env.BENCH_MB ?? 4);
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;

const PROSE =
  "The quarterly review covers onboarding, the support backlog and the migration plan. Version 2.4.1 shipped on " +
  "2026-11-03 with commit 9f3c2ab; order 4410-2231-9987 was refunded. The team will meet again next Tuesday. ";
// built at run time, never committed as such
const FINDINGS = [
  "jane.doe@example.com",
  "+44 20 7946 0958",
  "4111 1111 1111 1111",
  "GB82 WEST 1234 5698 7654 32",
  "192.168.10.24",
  `gh${"p_"}${"Zq4Wm8Rt2Yp6Lk0Hj3Gf7Ds1Az5Xc9Vb8Nm4"}`,
  `AK${"IA"}Q7W2E4R6T8Y3U5I7`,
];

function text(bytes: number, withFindings: boolean): string {
  let out = "";
  let i = 0;
  while (out.length < bytes) {
    out += PROSE + PROSE.slice(0, 260);
    if (withFindings) out += ` contact ${FINDINGS[i++ % FINDINGS.length]} today. `;
  }
  return out.slice(0, bytes);
}

const ALL_ON: PiiPolicy = { ...DEFAULT_PII_POLICY, actions: Object.fromEntries(PII_ENTITIES.map((e) => [e, "redact"])) as PiiPolicy["actions"] };
const POLICIES = { "default (secrets, JWTs)": compilePolicy(DEFAULT_PII_POLICY), "every entity": compilePolicy(ALL_ON) };

function throughput(): void {
  console.log(`\nPII and secret redaction: throughput over ${MB} MB (pieces of 64 KB)`);
  for (const [label, policy] of Object.entries(POLICIES)) {
    for (const dense of [true, false]) {
      const piece = text(64 * 1024, dense);
      const pieces = Math.ceil((MB * 1024 * 1024) / piece.length);
      redactText(piece, policy, "storage"); // compiled and warm
      let found = 0;
      const start = performance.now();
      for (let i = 0; i < pieces; i++) found += redactText(piece, policy, "storage").findings.length;
      const seconds = (performance.now() - start) / 1000;
      const rate = (pieces * piece.length) / 1024 / 1024 / seconds;
      console.log(`  ${`${label}, ${dense ? "a finding per ~500 chars" : "clean prose"}`.padEnd(58)} ${rate.toFixed(1).padStart(7)} MB/s  (${found} findings)`);
    }
  }
}

function stepCost(): void {
  console.log("\nPII and secret redaction: cost added to a step (a 2 KB answer and an 8 KB tool result)");
  const answer = text(2048, true);
  const toolResult = text(8192, true);
  for (const [label, policy] of Object.entries(POLICIES)) {
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const start = performance.now();
      redactString(answer, policy, "storage");
      redactString(toolResult, policy, "tool_results");
      samples.push((performance.now() - start) * 1000);
    }
    console.log(`  ${label.padEnd(58)} median ${median(samples.slice(200)).toFixed(0).padStart(5)} µs per step`);
  }
}

/** Each section prints its own lines; the judges' gate overhead is added here as its own section. */
const SECTIONS: [string, () => void | Promise<void>][] = [
  ["pii-throughput", throughput],
  ["pii-step-cost", stepCost],
];

const only = process.argv[2];
for (const [name, run] of SECTIONS) if (!only || only === name) await run();
