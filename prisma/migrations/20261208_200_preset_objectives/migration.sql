-- The default routing presets rank by the objective their name promises: fast by latency, balanced by a blend,
-- capable by quality. Rows that already name an objective (edited since) are left alone; the seeded descriptions
-- follow when they are still the seeded ones.
UPDATE "RoutingPreset"
SET "policy" = "policy" || '{"objective": "latency"}'::jsonb,
    "description" = CASE WHEN "description" = 'Quick, cheap answers: minimum quality 0.3, p95 latency under 2 s'
      THEN 'The fastest observed models: minimum quality 0.3, p95 latency under 2 s' ELSE "description" END,
    "updatedAt" = CURRENT_TIMESTAMP
WHERE "name" = 'fast' AND jsonb_typeof("policy") = 'object' AND NOT ("policy" ? 'objective');

UPDATE "RoutingPreset"
SET "policy" = "policy" || '{"objective": {"cost": 0.5, "quality": 0.3, "latency": 0.2}}'::jsonb,
    "description" = CASE WHEN "description" = 'Good answers at a sensible price: minimum quality 0.6'
      THEN 'Good answers at a sensible price: minimum quality 0.6, ranked by cost 50%, quality 30%, latency 20%' ELSE "description" END,
    "updatedAt" = CURRENT_TIMESTAMP
WHERE "name" = 'balanced' AND jsonb_typeof("policy") = 'object' AND NOT ("policy" ? 'objective');

UPDATE "RoutingPreset"
SET "policy" = "policy" || '{"objective": "quality"}'::jsonb,
    "description" = CASE WHEN "description" = 'The strongest models: minimum quality 0.8'
      THEN 'The strongest models: the highest quality score, minimum 0.8' ELSE "description" END,
    "updatedAt" = CURRENT_TIMESTAMP
WHERE "name" = 'capable' AND jsonb_typeof("policy") = 'object' AND NOT ("policy" ? 'objective');
