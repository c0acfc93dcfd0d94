import { z } from "zod";
import { text } from "./text";
import { actorTypeSchema, paginationShape } from "./common";

/**
 * Every action an audit entry can record. recordAudit takes only these (an unknown action does not compile), the
 * filters accept only a prefix of one of them, and the database checks AuditLog.action against the same list
 * (migration 20261206_100_closed_sets): a new action is added here AND in a migration that replaces the constraint.
 * Raw-SQL writers: run.cancel by the run executor (server/jobs/run-access.ts), workspace.purge (server/retention/purge.ts).
 */
export const AUDIT_ACTIONS = [
  "agent.create",
  "agent.update",
  "agent.archive",
  /** a candidate version became current: its evaluation passed (metadata: version, evaluationId) */
  "agent.promote",
  "api_key.create",
  "api_key.revoke",
  "budget.update",
  "invitation.create",
  "invitation.accept",
  "invitation.revoke",
  "judge.create",
  "judge.update",
  "judge.archive",
  "label.create",
  "label.update",
  "dataset.create",
  "dataset.update",
  "dataset.archive",
  "dataset.import",
  "dataset_item.create",
  "dataset_item.update",
  "dataset_item.delete",
  "evaluation.create",
  "evaluation.cancel",
  "listing.publish",
  "listing.publish_version",
  "listing.update",
  "listing.unpublish",
  "listing.republish",
  "listing.remove",
  "listing.review",
  "listing.report",
  "listing_install.create",
  "listing_install.update",
  "listing_install.delete",
  "mcp.call",
  "mcp_server.create",
  "mcp_server.update",
  "mcp_server.delete",
  "mcp_server.sync",
  "mcp_server.authorize",
  "mcp_server.disconnect",
  "mcp_connection.authorize",
  "mcp_connection.revoke",
  /** an organisation added the person (its group mappings, SSO or SCIM) */
  "member.add",
  "member.leave",
  "member.remove",
  "member.role_change",
  "memory.create",
  "memory.update",
  "memory.delete",
  "memory_document.create",
  "memory_document.delete",
  "memory.settings.update",
  "memory.subject.erase",
  "memory_model.update",
  "memory_model.delete",
  "model.create",
  "model.update",
  "model.delete",
  "provider.create",
  "provider.update",
  "provider.delete",
  "routing_preset.create",
  "routing_preset.update",
  "routing_preset.delete",
  "run.start",
  "run.cancel",
  "secret.create",
  "secret.update",
  "secret.delete",
  "secret.use",
  "schedule.create",
  "schedule.update",
  "schedule.pause",
  "schedule.resume",
  "schedule.delete",
  "session.create",
  "session.delete",
  "team.create",
  "team.update",
  "team.archive",
  "team.promote",
  "tool.create",
  "tool.update",
  "tool.delete",
  "tool.review",
  "tool_approval.approve",
  "tool_approval.deny",
  "user.delete",
  "webhook.create",
  "webhook.update",
  "webhook.delete",
  "webhook.rotate_secret",
  "webhook.test",
  "webhook_delivery.redeliver",
  "webhook_trigger.create",
  "webhook_trigger.update",
  "webhook_trigger.rotate_secret",
  "webhook_trigger.delete",
  "workspace.create",
  "workspace.update",
  "workspace.delete",
  "workspace.restore",
  "workspace.purge",
  "workspace.egress.update",
  "workspace.retention.update",
  "workspace.pii.update",
  "workspace.calibration.update",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const auditActionSchema = z.enum(AUDIT_ACTIONS).meta({ id: "AuditAction" });

/**
 * Every kind of resource an audit entry can name (AuditLog.targetType), checked by the database too (migration
 * 20261207_500_audit_target_types): a new one is added here AND in a migration that replaces the constraint.
 * Raw-SQL writers: `run` (server/jobs/run-access.ts), `workspace` (server/retention/purge.ts).
 */
export const AUDIT_TARGET_TYPES = [
  "agent",
  "api_key",
  "budget",
  "invitation",
  "judge",
  "label",
  "dataset",
  "evaluation",
  "listing",
  "listing_install",
  "mcp_server",
  "mcp_connection",
  "member",
  "memory",
  "memory_document",
  "memory_model",
  "model",
  "provider",
  "routing_preset",
  "run",
  "secret",
  "schedule",
  "session",
  "subject",
  "team",
  "tool",
  "tool_approval",
  "user",
  "webhook",
  "webhook_delivery",
  "webhook_trigger",
  "workspace",
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];
export const auditTargetTypeSchema = z.enum(AUDIT_TARGET_TYPES).meta({ id: "AuditTargetType" });

/**
 * What an authentication event records (AuthEvent.action; server/audit/auth-events.ts writes them), checked by the
 * database too (migration 20261206_100_closed_sets).
 */
export const AUTH_EVENT_ACTIONS = [
  "auth.sign_in",
  "auth.sign_in_failed",
  /** refused or delayed by the sign-in limits (per email or per address) */
  "auth.sign_in_limited",
  /** a failure that starts a progressive delay (server/auth/login-throttle.ts) */
  "auth.sign_in_delayed",
  "auth.sign_up",
  "auth.oauth_link",
  "auth.oauth_link_refused",
  "auth.email_verified",
  "auth.session_revoke",
  /** "Forgot your password?" (or an operator's link): the address's counter; the account when there is one */
  "auth.password_reset_requested",
  "auth.password_reset",
  /** a second factor (TOTP) confirmed, disabled; its recovery codes regenerated or one used (server/auth/mfa.ts) */
  "auth.mfa_enrolled",
  "auth.mfa_disabled",
  "auth.mfa_recovery_regenerated",
  "auth.mfa_recovery_used",
  /** a wrong or replayed second-factor code (sign-in or step-up) */
  "auth.mfa_failed",
  /** a passkey registered, removed, or used for a sign-in or a step-up (server/auth/passkeys.ts) */
  "auth.passkey_added",
  "auth.passkey_removed",
  "auth.passkey_used",
  /** an operator removed a person's second factors (`cadre users reset-mfa`) */
  "auth.mfa_reset",
  /** a session re-authenticated for a sensitive action (server/auth/step-up.ts) */
  "auth.step_up",
  "auth.email_changed",
  /** a person deleted their account (the event names no one: their own events are deleted with it) */
  "auth.account_delete",
] as const;
export type AuthEventAction = (typeof AUTH_EVENT_ACTIONS)[number];
export const authEventActionSchema = z.enum(AUTH_EVENT_ACTIONS).meta({ id: "AuthEventAction" });

export const auditEntrySchema = z
  .object({
    id: z.string(),
    actorType: actorTypeSchema,
    actorId: z.string().nullable(),
    actorLabel: z.string().nullable(),
    action: auditActionSchema,
    targetType: auditTargetTypeSchema,
    targetId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
    clientIp: z.string().nullable().describe("The client's address as seen by Cadre"),
    userAgent: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "AuditEntry" });

/** Filters shared by the list and the export. */
export const auditFilterSchema = z.strictObject({
  action: text()
    .max(64)
    .refine((prefix) => AUDIT_ACTIONS.some((action) => action.startsWith(prefix)), "Not an audit action or the start of one")
    .optional()
    .describe("Action prefix, e.g. `member.` or `workspace.delete`"),
  actor: text().trim().min(1).max(200).optional().describe("An actor id (usr_…, key_…), or part of the actor's label (email or key name)"),
  from: z.coerce.date().optional().describe("Entries at or after this time (ISO 8601)"),
  to: z.coerce.date().optional().describe("Entries before this time (ISO 8601)"),
});

export const listAuditInputSchema = auditFilterSchema.extend({
  ...paginationShape,
});

export const auditExportFormatSchema = z.enum(["jsonl", "csv"]);
export const exportAuditInputSchema = auditFilterSchema.extend({ format: auditExportFormatSchema.default("jsonl") });

export const authEventSchema = z
  .object({
    id: z.string(),
    action: authEventActionSchema,
    email: z.string().nullable(),
    clientIp: z.string().nullable(),
    userAgent: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.date(),
  })
  .meta({ id: "AuthEvent" });

export const listAuthEventsInputSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: text().max(200).optional(),
});

/** The tRPC export's output: a stream of text chunks (a CSV header first, then one line per entry). */
export const auditExportStreamSchema = z.custom<AsyncIterable<string>>(
  (value) => value !== null && typeof value === "object" && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === "function",
  "an async iterable of text chunks",
);

export const authEventPageSchema = z.object({ items: z.array(authEventSchema), nextCursor: z.string().nullable() });
