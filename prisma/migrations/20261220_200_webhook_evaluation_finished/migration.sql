-- Outgoing webhooks: the event evaluation.finished (docs/webhooks.md). An evaluation's end (whoever writes it: the
-- evaluation worker or its Inngest function finishing or failing it, a cancel) queues one delivery per subscription
-- that receives it, in the transaction of the update, as the run, approval and budget events do
-- (20261214_100_webhooks_out). The payload names the evaluation, its dataset and its target version, its status and
-- verdict, and its summary figures (computed as the API's aggregates: server/quality/evaluations/service.ts
-- aggregatesOf); no item input or output.

ALTER TABLE "WebhookSubscription" DROP CONSTRAINT "WebhookSubscription_eventTypes_check";
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_eventTypes_check" CHECK (
  cardinality("eventTypes") >= 1
  AND "eventTypes" <@ ARRAY['run.succeeded', 'run.failed', 'run.cancelled', 'approval.requested', 'evaluation.finished', 'budget.alert']::text[]);
ALTER TABLE "WebhookDelivery" DROP CONSTRAINT "WebhookDelivery_eventType_check";
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_eventType_check" CHECK (
  "eventType" IN ('run.succeeded', 'run.failed', 'run.cancelled', 'approval.requested', 'evaluation.finished', 'budget.alert', 'webhook.test'));

CREATE OR REPLACE FUNCTION cadre_webhook_evaluation_finished() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  n_scored INTEGER;
  n_passed INTEGER;
  n_errored INTEGER;
  n_skipped INTEGER;
  mean_score DOUBLE PRECISION;
  cost NUMERIC;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookSubscription" s WHERE s."workspaceId" = NEW."workspaceId" AND s."enabled" AND 'evaluation.finished' = ANY (s."eventTypes")) THEN
    RETURN NULL;
  END IF;
  SELECT count(*) FILTER (WHERE i."status" = 'scored'),
         count(*) FILTER (WHERE i."status" = 'scored' AND i."verdict" = 'pass'),
         count(*) FILTER (WHERE i."status" = 'errored'),
         count(*) FILTER (WHERE i."status" = 'skipped'),
         avg(coalesce(i."score", 0)) FILTER (WHERE i."status" = 'scored')
    INTO n_scored, n_passed, n_errored, n_skipped, mean_score
    FROM "EvaluationItem" i WHERE i."evaluationId" = NEW.id AND i."workspaceId" = NEW."workspaceId";
  SELECT coalesce(sum(u."costUsd"), 0) INTO cost FROM "UsageRecord" u
    WHERE u."workspaceId" = NEW."workspaceId"
      AND u."runId" IN (SELECT i."runId" FROM "EvaluationItem" i WHERE i."evaluationId" = NEW.id AND i."workspaceId" = NEW."workspaceId" AND i."runId" IS NOT NULL);
  PERFORM cadre_webhook_enqueue(NEW."workspaceId", 'evaluation.finished', 'evaluation.finished:' || NEW.id, jsonb_build_object(
    'evaluationId', NEW.id,
    'status', NEW."status",
    'passed', NEW."passed",
    'error', left(NEW."error", 500),
    'dataset', (SELECT jsonb_build_object('id', d.id, 'slug', d.slug, 'name', d.name) FROM "Dataset" d WHERE d.id = NEW."datasetId" AND d."workspaceId" = NEW."workspaceId"),
    'target', jsonb_build_object('type', NEW."targetType", 'id', NEW."targetId", 'slug', NEW."targetSlug", 'version', NEW."targetVersion"),
    'judges', NEW."judges",
    'passRate', NEW."passRate",
    'actualPassRate', CASE WHEN n_scored > 0 THEN round(n_passed::numeric / n_scored, 4)::float8 END,
    'meanScore', CASE WHEN n_scored > 0 THEN round(mean_score::numeric, 4)::float8 END,
    'progress', jsonb_build_object('itemsTotal', NEW."itemsTotal", 'passed', n_passed, 'failed', n_scored - n_passed, 'errored', n_errored, 'skipped', n_skipped),
    'costUsd', cost::float8,
    'promote', NEW."promote",
    'startedAt', to_char(NEW."startedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'finishedAt', to_char(coalesce(NEW."finishedAt", (clock_timestamp() AT TIME ZONE 'UTC')), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ));
  RETURN NULL;
END
$$;
CREATE TRIGGER "Evaluation_webhook_finished" AFTER UPDATE OF "status" ON "Evaluation" FOR EACH ROW
  WHEN (OLD."status" IN ('queued', 'running') AND NEW."status" IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION cadre_webhook_evaluation_finished();
