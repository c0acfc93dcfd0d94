-- An agent version's context budget option (issue 10 §2): how other agents' outputs are fitted into its context
-- budget ({"strategy": "truncate"|"last_k"|"summarize", "keep": n}); NULL follows the team's option.
ALTER TABLE "AgentVersion" ADD COLUMN "contextBudget" JSONB;
ALTER TABLE "AgentVersion" ADD CONSTRAINT "AgentVersion_contextBudget_check"
  CHECK ("contextBudget" IS NULL OR ("contextBudget"->>'strategy') IN ('truncate', 'last_k', 'summarize'));
