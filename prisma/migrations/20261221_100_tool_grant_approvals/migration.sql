-- Approval policy per grant (issue 13): an agent version may give a tool it grants its own approval policy
-- ({ "<tool>": { "mode": "never" | "always" | "rule", ... } }), which can only add approval to the tool's.
-- AgentVersion is already under row-level security; existing versions have none.
ALTER TABLE "AgentVersion" ADD COLUMN "toolApprovals" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "AgentVersion" ADD CONSTRAINT "AgentVersion_toolApprovals_object" CHECK (jsonb_typeof("toolApprovals") = 'object');
