import { z } from "zod";
import { pageOf, paginationShape } from "@/lib/schemas/common";
import {
  compareEvaluationsInputSchema,
  comparisonSchema,
  createEvaluationInputSchema,
  evaluationIdSchema,
  evaluationItemSchema,
  evaluationSchema,
  listEvaluationsInputSchema,
} from "@/lib/schemas/evaluations";
import { router, workspaceProcedure } from "../trpc";
import { cancelEvaluation, getEvaluation, listEvaluationItems, listEvaluations } from "@/server/quality/evaluations/service";
import { compareEvaluations } from "@/server/quality/evaluations/compare";
import { submitEvaluation } from "@/server/quality/evaluations/worker";

const byId = z.strictObject({ evaluationId: evaluationIdSchema });

/** Evaluations of agent and team versions over datasets (server/quality/evaluations). */
export const evaluationsRouter = router({
  list: workspaceProcedure("evals:read")
    .input(listEvaluationsInputSchema.optional())
    .output(pageOf(evaluationSchema))
    .query(({ ctx, input }) => listEvaluations(ctx.tenant, input ?? {})),
  get: workspaceProcedure("evals:read")
    .input(byId)
    .output(evaluationSchema)
    .query(({ ctx, input }) => getEvaluation(ctx.tenant, input.evaluationId)),
  items: workspaceProcedure("evals:read")
    .input(z.strictObject({ evaluationId: evaluationIdSchema, ...paginationShape }))
    .output(pageOf(evaluationItemSchema))
    .query(({ ctx, input: { evaluationId, ...page } }) => listEvaluationItems(ctx.tenant, evaluationId, page)),
  create: workspaceProcedure("evals:write")
    .input(createEvaluationInputSchema)
    .output(evaluationSchema)
    .mutation(({ ctx, input }) => submitEvaluation(ctx.tenant, input)),
  cancel: workspaceProcedure("evals:write")
    .input(byId)
    .output(evaluationSchema)
    .mutation(({ ctx, input }) => cancelEvaluation(ctx.tenant, input.evaluationId)),
  compare: workspaceProcedure("evals:read")
    .input(compareEvaluationsInputSchema)
    .output(comparisonSchema)
    .query(({ ctx, input }) => compareEvaluations(ctx.tenant, input.a, input.b)),
});
