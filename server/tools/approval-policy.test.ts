import { describe, expect, it } from "vitest";
import type { ApprovalPolicy } from "@/lib/schemas/tools";
import { atLeastAsStrict, callNeedsApproval, needsApproval } from "./approval-policy";
import type { CallTarget } from "./types";

const notGet: ApprovalPolicy = { mode: "rule", methodsExcept: ["GET"] };
const onlyApi: ApprovalPolicy = { mode: "rule", hostsExcept: ["api.example.com", "docs.example.com"] };
const both: ApprovalPolicy = { mode: "rule", methodsExcept: ["GET"], hostsExcept: ["api.example.com"] };

const table: [string, ApprovalPolicy, CallTarget, boolean][] = [
  ["never, an HTTP call", { mode: "never" }, { method: "DELETE", host: "evil.test" }, false],
  ["always, an HTTP call", { mode: "always" }, { method: "GET", host: "api.example.com" }, true],
  ["always, no target (calculator)", { mode: "always" }, {}, true],
  ["rule, no target (calculator)", both, {}, false],
  ["rule without conditions", { mode: "rule" }, { method: "POST", host: "x.test" }, false],
  ["methodsExcept GET: GET", notGet, { method: "GET", host: "x.test" }, false],
  ["methodsExcept GET: get (any case)", notGet, { method: "get" }, false],
  ["methodsExcept GET: POST", notGet, { method: "POST", host: "x.test" }, true],
  ["methodsExcept GET: DELETE without host", notGet, { method: "DELETE" }, true],
  ["methodsExcept GET: host only", notGet, { host: "x.test" }, false],
  ["hostsExcept: listed host", onlyApi, { method: "POST", host: "api.example.com" }, false],
  ["hostsExcept: listed host, other case and trailing dot", onlyApi, { method: "POST", host: "API.Example.com." }, false],
  ["hostsExcept: other host", onlyApi, { method: "GET", host: "evil.test" }, true],
  ["hostsExcept: a subdomain is another host", onlyApi, { method: "GET", host: "x.api.example.com" }, true],
  ["hostsExcept: a suffix is another host", onlyApi, { method: "GET", host: "notapi.example.com" }, true],
  ["hostsExcept: method only", onlyApi, { method: "DELETE" }, false],
  ["both: GET to the listed host", both, { method: "GET", host: "api.example.com" }, false],
  ["both: POST to the listed host (or-ed)", both, { method: "POST", host: "api.example.com" }, true],
  ["both: GET to another host (or-ed)", both, { method: "GET", host: "other.test" }, true],
  ["empty hostsExcept: every host", { mode: "rule", hostsExcept: [] }, { host: "api.example.com" }, true],
];

describe("needsApproval", () => {
  it.each(table)("%s", (_name, policy, target, expected) => {
    expect(needsApproval(policy, target)).toBe(expected);
  });
});

describe("a grant's policy with the tool's (the stricter applies)", () => {
  const never: ApprovalPolicy = { mode: "never" };
  const always: ApprovalPolicy = { mode: "always" };
  const post = { method: "POST", host: "x.test" };
  const get = { method: "GET", host: "x.test" };
  it("the grant adds approval: tool never, grant always or a rule", () => {
    expect(callNeedsApproval(never, undefined, post)).toBe(false);
    expect(callNeedsApproval(never, always, get)).toBe(true);
    expect(callNeedsApproval(never, notGet, post)).toBe(true);
    expect(callNeedsApproval(never, notGet, get)).toBe(false);
  });
  it("the grant never takes approval away: tool always or a rule, grant never", () => {
    expect(callNeedsApproval(always, never, get)).toBe(true);
    expect(callNeedsApproval(notGet, never, post)).toBe(true);
    // two rules: either one asking is enough
    expect(callNeedsApproval(notGet, onlyApi, { method: "GET", host: "evil.test" })).toBe(true);
  });
});

describe("atLeastAsStrict (a change of a grant's policy that loosens nothing)", () => {
  const never: ApprovalPolicy = { mode: "never" };
  const always: ApprovalPolicy = { mode: "always" };
  const table: [string, ApprovalPolicy | undefined, ApprovalPolicy | undefined, boolean][] = [
    ["none -> anything", always, undefined, true],
    ["never -> none", undefined, never, true],
    ["always -> always", always, always, true],
    ["rule -> always", always, notGet, true],
    ["always -> rule", notGet, always, false],
    ["always -> none", undefined, always, false],
    ["rule -> never", never, notGet, false],
    ["rule -> the same rule", { mode: "rule", methodsExcept: ["GET"] }, notGet, true],
    ["fewer exceptions", { mode: "rule", hostsExcept: ["api.example.com"] }, onlyApi, true],
    ["more exceptions", { mode: "rule", methodsExcept: ["GET", "POST"] }, notGet, false],
    ["a condition added", both, notGet, true],
    ["a condition dropped", notGet, both, false],
    ["another condition instead", onlyApi, notGet, false],
  ];
  it.each(table)("%s", (_name, next, prev, expected) => {
    expect(atLeastAsStrict(next, prev)).toBe(expected);
  });
});
