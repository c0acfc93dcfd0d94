/**
 * How a planner, hub, judge or router sees the nodes it delegates to: each one's name in the topology with what it
 * is, the agent's display name and role description (the schema says the role description is "shown to other
 * agents"), or a nested team's name and description. Written by people of the workspace, yet passed through
 * `neutraliseTags` (./untrusted.ts) and kept to one short line, as they sit outside the untrusted blocks.
 */
import type { NodeRef } from "@/lib/schemas/topology";
import type { TopologyRuntime } from "./types";
import { neutraliseTags } from "./untrusted";

const ABOUT_MAX = 300;

/** "Writer: Drafts the text." for an agent, "team Research: ..." for a nested team; "" when nothing is known. */
export function aboutNode(rt: TopologyRuntime, ref: NodeRef): string {
  const info = typeof ref === "string" ? rt.describeAgent?.(ref) : rt.describeTeam?.(ref.team);
  const parts = info ? [info.name, info.description].filter((x) => x.trim()) : [];
  const about = typeof ref === "string" ? parts.join(": ") : `a team${parts.length ? `, ${parts.join(": ")}` : ""}`;
  return neutraliseTags(about).replace(/\s+/g, " ").trim().slice(0, ABOUT_MAX);
}

/** One line per node: "- <key> (<about>)". */
export function rosterLines(rt: TopologyRuntime, nodes: { key: string; ref: NodeRef }[]): string {
  return nodes
    .map((n) => {
      const about = aboutNode(rt, n.ref);
      return `- ${n.key}${about ? ` (${about})` : ""}`;
    })
    .join("\n");
}
