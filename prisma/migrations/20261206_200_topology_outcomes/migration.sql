-- What a run's topology reached (maker-checker approved, debate consensus, mesh converged, circular done; `met`),
-- on the run and on the step row of a nested team's node (kind 'team'). See lib/schemas/run-outcome.ts.
ALTER TABLE "Run" ADD COLUMN "outcome" JSONB;
ALTER TABLE "RunStep" ADD COLUMN "outcome" JSONB;
