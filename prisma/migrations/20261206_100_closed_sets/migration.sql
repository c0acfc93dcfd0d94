-- Closed sets stored as text are checked by the database. CHECK constraints rather than PostgreSQL enums: the run
-- engine writes these columns from raw SQL with text parameters (an enum column would need a cast in every
-- statement). Each list equals an `as const` array in TypeScript (test/closed-sets.test.ts compares them):
--   Run.targetType          RUN_TARGET_TYPES   lib/schemas/runs.ts
--   Run.createdByType       ACTOR_TYPES        lib/schemas/common.ts
--   RunStep.status          STEP_STATUSES      lib/schemas/runs.ts
--   RunStep.kind            STEP_KINDS         lib/schemas/runs.ts
--   UsageRecord.outcome     USAGE_OUTCOMES     lib/schemas/usage.ts
--   UsageRecord.actorType   ACTOR_TYPES        (null: no actor)
--   AuditLog.actorType      ACTOR_TYPES
--   AuditLog.action         AUDIT_ACTIONS      lib/schemas/audit.ts
--   AuthEvent.action        AUTH_EVENT_ACTIONS server/audit/auth-events.ts
-- Every value the code has written since these tables exist is in its list (no older migration writes rows here).
-- A new value: a migration that drops the constraint and adds it again with the new list, and the TS array.

ALTER TABLE "Run" ADD CONSTRAINT "Run_targetType_check" CHECK ("targetType" IN ('team', 'agent'));
ALTER TABLE "Run" ADD CONSTRAINT "Run_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'));

ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_status_check"
  CHECK ("status" IN ('pending', 'running', 'retrying', 'waiting', 'sleeping', 'succeeded', 'failed'));
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_kind_check" CHECK ("kind" IN ('agent', 'aggregate', 'plan', 'team', 'system'));

ALTER TABLE "UsageRecord" ADD CONSTRAINT "UsageRecord_outcome_check"
  CHECK ("outcome" IN ('ok', 'error', 'timeout', 'refused', 'answer_invalid'));
ALTER TABLE "UsageRecord" ADD CONSTRAINT "UsageRecord_actorType_check" CHECK ("actorType" IN ('user', 'api_key', 'system'));

ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_actorType_check" CHECK ("actorType" IN ('user', 'api_key', 'system'));
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive',
  'api_key.create', 'api_key.revoke',
  'budget.update',
  'invitation.create', 'invitation.accept', 'invitation.revoke',
  'member.leave', 'member.remove', 'member.role_change',
  'model.create', 'model.update', 'model.delete',
  'provider.create', 'provider.update', 'provider.delete',
  'routing_preset.create', 'routing_preset.update', 'routing_preset.delete',
  'run.start', 'run.cancel',
  'secret.create', 'secret.update', 'secret.delete', 'secret.use',
  'team.create', 'team.update', 'team.archive',
  'user.delete',
  'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge',
  'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuthEvent" ADD CONSTRAINT "AuthEvent_action_check" CHECK ("action" IN (
  'auth.sign_in', 'auth.sign_in_failed', 'auth.sign_in_limited', 'auth.sign_in_delayed', 'auth.sign_up',
  'auth.oauth_link', 'auth.oauth_link_refused', 'auth.email_verified', 'auth.session_revoke', 'auth.account_delete'
));
