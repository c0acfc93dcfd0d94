import { z } from "zod";
import { text } from "./text";

/**
 * Per-node briefs (like a task in CrewAI): what a node is for and what it must produce, keyed by the node id of
 * lib/topology-graph.ts (`manager`, `w0`, `hub`, `spoke1`, `t0.manager`, a dag node's own id...). Written by people
 * of the workspace, so part of the node's instructions (not untrusted material); each call of that node gets them
 * (server/topologies/briefs.ts). Unknown node ids are refused at save (topologyProblems).
 */
export const BRIEF_MAX_CHARS = 2_000;
export const BRIEFS_MAX = 64;

export const nodeBriefSchema = z
  .object({
    task: text().trim().max(BRIEF_MAX_CHARS).optional().describe("what this node is for (its part of the team's work)"),
    expectedOutput: text().trim().max(BRIEF_MAX_CHARS).optional().describe("what it must produce"),
  })
  .strict()
  .meta({ id: "NodeBrief" });
export type NodeBrief = z.infer<typeof nodeBriefSchema>;

export const nodeBriefsSchema = z
  .record(text().min(1).max(100), nodeBriefSchema)
  .refine((briefs) => Object.keys(briefs).length <= BRIEFS_MAX, `At most ${BRIEFS_MAX} briefs`)
  .describe("per node id (see the topology's node ids): { task, expectedOutput }, shown in that node's prompt only");
