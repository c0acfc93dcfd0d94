import { describe, expect, it } from "vitest";
import { permissionsOf, type Permission, type Role } from "@/lib/permissions";
import { ago, paletteItems } from "./palette-items";

const as = (role: Role) => {
  const set = new Set<Permission>(permissionsOf(role));
  return (p: Permission) => set.has(p);
};
const data = {
  agents: [{ slug: "writer", name: "Writer" }],
  teams: [{ slug: "crew", name: "Crew" }],
  runs: [{ id: "run_1", status: "failed", targetType: "team", team: { slug: "crew", name: "Crew" }, agent: null, createdAt: "2026-01-01T10:00:00Z" }],
};

describe("the command palette's items", () => {
  it("offers an owner every page, the actions, agents and teams to open or run, and recent runs", () => {
    const items = paletteItems(as("owner"), data, new Date("2026-01-01T10:05:30Z"));
    const ids = items.map((i) => i.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "page:overview",
        "page:audit",
        "page:memory",
        "page:marketplace",
        "page:playground",
        "action:setup",
        "action:template",
        "agent:writer",
        "agent-run:writer",
        "team-run:crew",
        "agent-start:writer",
        "team-start:crew",
        "run:run_1",
      ]),
    );
    expect(items.find((i) => i.id === "team-run:crew")?.path).toBe("/playground?target=team%3Acrew");
    expect(items.find((i) => i.id === "agent-start:writer")?.path).toBe("/runs?target=agent%3Awriter");
    expect(items.find((i) => i.id === "run:run_1")).toMatchObject({ label: "Crew · failed · 5 min ago", path: "/runs/run_1" });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("offers a viewer no page, action or run it may not use", () => {
    const ids = paletteItems(as("viewer"), data).map((i) => i.id);
    expect(ids).not.toContain("page:audit");
    expect(ids).not.toContain("page:api-keys");
    expect(ids.filter((id) => id.startsWith("action:"))).toEqual([]);
    expect(ids).not.toContain("agent-run:writer");
    expect(ids).not.toContain("team-start:crew");
    expect(ids).toContain("agent:writer");
  });
});

describe("a recent run's time", () => {
  it("is relative to now", () => {
    const now = new Date("2026-01-03T12:00:00Z");
    expect(ago("2026-01-03T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-01-03T11:15:00Z", now)).toBe("45 min ago");
    expect(ago("2026-01-03T09:00:00Z", now)).toBe("3 h ago");
    expect(ago(new Date("2026-01-01T12:00:00Z"), now)).toBe("2 d ago");
  });
});
