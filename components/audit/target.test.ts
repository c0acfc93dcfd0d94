import { describe, expect, it } from "vitest";
import { auditTarget } from "./target";

describe("an audit entry's target", () => {
  it("names agents and teams from the metadata and links to them by slug", () => {
    expect(auditTarget({ targetType: "agent", targetId: "agt_1", metadata: { slug: "writer", name: "Writer", version: 1 } })).toEqual({
      label: "Writer",
      path: "/agents/writer",
    });
    expect(auditTarget({ targetType: "team", targetId: "team_1", metadata: { slug: "crew" } })).toEqual({ label: "crew", path: "/teams/crew" });
  });

  it("says what a run ran and links to it", () => {
    expect(auditTarget({ targetType: "run", targetId: "run_9", metadata: { team: "crew", agent: null } })).toEqual({
      label: "run of team crew",
      path: "/runs/run_9",
    });
  });

  it("falls back to an email or nothing, without a link", () => {
    expect(auditTarget({ targetType: "member", targetId: "mem_1", metadata: { email: "a@example.test" } })).toEqual({ label: "a@example.test", path: null });
    expect(auditTarget({ targetType: "workspace", targetId: "ws_1", metadata: null })).toEqual({ label: null, path: null });
  });
});
