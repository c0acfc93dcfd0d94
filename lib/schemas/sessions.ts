import { z } from "zod";
import { text } from "./text";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { memoryScopeIdSchema } from "./memory";
import { MAX_RUN_INPUT, runStatusSchema, startRunInputSchema } from "./runs";

/**
 * Sessions (issue 14, the kernel's session API): a conversation with an agent or a team. Each message is a run of the
 * target that sees the session's earlier turns (its working memory) and its recalled memories; the run's end appends
 * the answer. One message at a time: a message sent while the previous one is being answered is refused with 409.
 */
export const SESSION_TARGET_TYPES = ["agent", "team"] as const;
export const SESSION_MESSAGE_ROLES = ["user", "assistant"] as const;
export const SESSION_MESSAGE_STATUSES = ["ok", "failed", "cancelled"] as const;
export const SESSION_TITLE_MAX = 200;
export const SESSION_METADATA_KEYS_MAX = 20;
/** how much of the earlier turns a message's run sees (tokens, newest first); older turns fall to the agent's context budget */
export const SESSION_HISTORY_TOKENS = 4000;
/** the most earlier turns a run reads */
export const SESSION_HISTORY_TURNS = 40;

export const sessionIdSchema = idSchema("ses").describe("A session id (ses_...)");
const targetRef = text().trim().min(1).max(80);

const metadataSchema = z
  .record(text().min(1).max(64), z.union([text().max(500), z.number(), z.boolean()]))
  .refine((m) => Object.keys(m).length <= SESSION_METADATA_KEYS_MAX, `At most ${SESSION_METADATA_KEYS_MAX} metadata keys`)
  .describe("Your own labels (strings up to 500 characters, numbers, booleans)");

export const createSessionInputSchema = z
  .strictObject({
    agent: targetRef.optional().describe("The agent to talk to: id (agt_...) or slug"),
    team: targetRef.optional().describe("The team to talk to: id (team_...) or slug"),
    subject: memoryScopeIdSchema.optional().describe("The end user or customer the session serves (e.g. customer:42): its runs use that subject's memory"),
    title: text().trim().max(SESSION_TITLE_MAX).default(""),
    metadata: metadataSchema.default({}),
  })
  .superRefine((v, issue) => {
    if (!v.team === !v.agent) issue.addIssue({ code: "custom", path: ["agent"], message: "Name exactly one of agent or team" });
  });
export type CreateSessionInput = z.input<typeof createSessionInputSchema>;

export const sendMessageInputSchema = z.strictObject({
  content: text()
    .min(1, "Write a message")
    .max(MAX_RUN_INPUT, `A message has at most ${MAX_RUN_INPUT} characters`)
    .refine((v) => v.trim().length > 0, "Write a message"),
  budgetUsd: z.number().min(0.0001).max(1_000_000).optional().describe("Limit for this message's run (USD); default: the workspace's per-run limit"),
  modelPolicy: startRunInputSchema.shape.modelPolicy.describe("Overrides every agent's model policy for this message's run"),
  version: startRunInputSchema.shape.version.describe(
    "Answer with this version of the team or agent instead of its current one (the playground's version choice; a team's agents still run at their current versions)",
  ),
});
export const sendMessageWithIdInputSchema = sendMessageInputSchema.extend({ sessionId: sessionIdSchema });
export const sessionByIdInputSchema = z.strictObject({ sessionId: sessionIdSchema });
export const listSessionsInputSchema = z.strictObject({
  subject: memoryScopeIdSchema.optional(),
  ...paginationShape,
});
export const sessionMessagesInputSchema = z.strictObject({ sessionId: sessionIdSchema, ...paginationShape });

const targetOut = z.object({ id: z.string(), slug: z.string(), name: z.string() });

export const sessionSchema = z
  .object({
    id: z.string(),
    targetType: z.enum(SESSION_TARGET_TYPES),
    agent: targetOut.nullable(),
    team: targetOut.nullable(),
    subject: z.string().nullable(),
    title: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    busyRunId: z.string().nullable().describe("The run answering the last message; null: the session takes a message"),
    messageCount: z.number().int(),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    lastMessageAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Session" });
export type SessionOutput = z.infer<typeof sessionSchema>;

export const sessionMessageSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    role: z.enum(SESSION_MESSAGE_ROLES),
    content: z.string(),
    runId: z.string().nullable(),
    status: z.enum(SESSION_MESSAGE_STATUSES),
    createdAt: z.date(),
  })
  .meta({ id: "SessionMessage" });
export type SessionMessageOutput = z.infer<typeof sessionMessageSchema>;

export const sentMessageSchema = z
  .object({
    message: sessionMessageSchema.describe("The message as stored"),
    runId: z.string().describe("The run answering it"),
    runStatus: runStatusSchema,
    reply: sessionMessageSchema.nullable().describe("The answer, when the request waited for it (JSON) and it came in time"),
  })
  .meta({ id: "SentMessage" });
export type SentMessageOutput = z.infer<typeof sentMessageSchema>;
