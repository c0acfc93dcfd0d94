import { describe, expect, it } from "vitest";
import type { ApprovalPolicy } from "@/lib/schemas/tools";
import { needsApproval } from "./approval-policy";
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
