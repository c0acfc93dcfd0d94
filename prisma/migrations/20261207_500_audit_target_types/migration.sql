-- AuditLog.targetType is a closed set too, like AuditLog.action (see 20261206_100_closed_sets): the list equals
-- AUDIT_TARGET_TYPES in lib/schemas/audit.ts (test/closed-sets.test.ts compares them). Every value the code has
-- written since the table exists is in it. A new value: a migration that drops the constraint and adds it again.

ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'member', 'model', 'provider', 'routing_preset', 'run', 'secret', 'team',
  'user', 'workspace'
));
