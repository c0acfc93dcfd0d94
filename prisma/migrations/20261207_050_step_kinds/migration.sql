-- Two more step kinds (issue 10): "summary" (a context summary made to fit a step's context budget, a costed step)
-- and "embed" (embeddings asked by a topology, e.g. mesh convergence by similarity). Mirrors STEP_KINDS in
-- lib/schemas/runs.ts.
ALTER TABLE "RunStep" DROP CONSTRAINT "RunStep_kind_check";
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_kind_check" CHECK ("kind" IN ('agent', 'aggregate', 'plan', 'team', 'system', 'summary', 'embed'));
