"use client";

import { useConfirm } from "@/components/ui/confirm";
import { useState } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import type { ModelOutput } from "@/lib/schemas/models";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { useActionError } from "@/components/ui/use-action-error";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { EnabledToggle } from "./enabled-toggle";
import { formatMs, formatPrice, formatRate, formatTokens, LocalityBadge, SimulatorBadge } from "./labels";

/** Quality, editable in place: saved on blur or Enter when it changed and is valid. */
/**
 * Retired (routing skips it unless pinned), deprecated (still served, going away) and reasoning models, with dates, and
 * the model's own timeouts where it has them.
 */
function LifecycleBadges({ model }: { model: ModelOutput }) {
  return (
    <div className="caps">
      {model.retired ? (
        <Badge tone="danger" testId="model-retired">
          retired on {model.retiredAt}
        </Badge>
      ) : model.deprecatedAt ? (
        <Badge tone="warning" testId="model-deprecated">
          deprecated on {model.deprecatedAt}
          {model.retiredAt ? `, retires ${model.retiredAt}` : ""}
        </Badge>
      ) : null}
      {model.reasoning ? <Badge tone="info">reasoning</Badge> : null}
      {model.firstByteTimeoutSeconds !== null || model.callTimeoutBaseSeconds !== null ? (
        <Badge tone="neutral" testId="model-timeouts">
          {[
            model.firstByteTimeoutSeconds !== null ? `first byte ${model.firstByteTimeoutSeconds} s` : null,
            model.callTimeoutBaseSeconds !== null ? `call base ${model.callTimeoutBaseSeconds} s` : null,
          ]
            .filter(Boolean)
            .join(", ")}
        </Badge>
      ) : null}
    </div>
  );
}

function QualityCell({ model, editable, onSave }: { model: ModelOutput; editable: boolean; onSave: (quality: number) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  if (!editable) return <span data-testid="model-quality-value">{model.quality.toFixed(2)}</span>;
  const value = draft ?? String(model.quality);
  const commit = () => {
    if (draft === null) return;
    const q = Number(draft);
    setDraft(null);
    if (draft.trim() !== "" && Number.isFinite(q) && q >= 0 && q <= 1 && q !== model.quality) onSave(q);
  };
  return (
    <input
      className="input-quality"
      type="number"
      min={0}
      max={1}
      step={0.01}
      aria-label={`Quality of ${model.displayName}`}
      data-testid="model-quality-edit"
      value={value}
      aria-invalid={draft !== null && (Number.isNaN(Number(draft)) || Number(draft) < 0 || Number(draft) > 1) ? true : undefined}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          commit();
        } else if (e.key === "Escape") setDraft(null);
      }}
    />
  );
}

export function ModelsTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const models = usePagedList(useInfiniteQuery(trpc.models.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam })));
  const { error, handlers } = useActionError();
  const manage = can("models:manage");

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.providers.list.queryKey() });
  };
  const update = useMutation(trpc.models.update.mutationOptions({ ...handlers, onSettled: refresh }));
  const confirm = useConfirm();
  const remove = useMutation(trpc.models.delete.mutationOptions({ ...handlers, onSettled: refresh }));

  return (
    <Card title="Catalog" description="Prices are USD per million tokens. Latency and error figures are observed from the last 100 real calls of each model.">
      <FormError message={error ?? (models.isError ? errorMessage(models.error) : null)} />
      <QueryTable
        query={models}
        empty={
          <p className="muted" data-testid="model-empty">
            No models yet.
          </p>
        }
      >
        <table className="table table-models">
          <thead>
            <tr>
              <th>Provider</th>
              <th>Model</th>
              <th className="num">In / out $/M</th>
              <th className="num">Context</th>
              <th>Capabilities</th>
              <th>Quality</th>
              <th className="num">p50 / p95</th>
              <th className="num">Errors</th>
              <th className="num">Timeouts</th>
              <th>Last error</th>
              <th>Enabled</th>
              {manage ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {models.data?.map((m) => (
              <tr
                key={m.id}
                data-testid="model-row"
                data-model-id={m.modelId}
                data-id={m.id}
                className={m.enabled && m.provider.enabled ? undefined : "row-muted"}
              >
                <td>
                  <div className="cell-title">{m.provider.name}</div>
                  {m.isSimulator ? <SimulatorBadge /> : <LocalityBadge isLocal={m.provider.isLocal} />}
                  {m.provider.enabled ? null : (
                    <>
                      {" "}
                      <Badge tone="neutral">provider disabled</Badge>
                    </>
                  )}
                </td>
                <td>
                  <div className="cell-title">{m.displayName}</div>
                  <code className="model-id">{m.modelId}</code>
                  <LifecycleBadges model={m} />
                </td>
                <td
                  className="num nowrap"
                  title={`Cached input ${formatPrice(m.effectiveCacheReadPrice)}, cache write ${formatPrice(m.effectiveCacheWritePrice)}${m.cacheReadPrice === null && m.cacheWritePrice === null ? " (the provider's usual prompt-cache prices)" : ""}. ${m.priceSource ? `Source: ${m.priceSource}, as of ${m.priceAsOf}` : "Prices entered in this workspace"}`}
                >
                  {formatPrice(m.inputPrice)} / {formatPrice(m.outputPrice)}
                </td>
                <td className="num">{formatTokens(m.contextWindow)}</td>
                <td>
                  <div className="caps">
                    {m.capabilities.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      m.capabilities.map((c) => (
                        <Badge key={c} tone="neutral">
                          {c}
                        </Badge>
                      ))
                    )}
                  </div>
                </td>
                <td>
                  <QualityCell key={`${m.id}:${m.quality}`} model={m} editable={manage} onSave={(quality) => update.mutate({ id: m.id, quality })} />
                  <div className="field-hint" data-testid="model-quality-source">
                    {m.qualitySource ? `${m.qualitySource}, as of ${m.qualityAsOf}` : "set in this workspace"}
                  </div>
                </td>
                <td className="num nowrap" title={`${m.callCount} calls observed`}>
                  {formatMs(m.latencyP50Ms)} / {formatMs(m.latencyP95Ms)}
                  {m.msPerOutputToken !== null ? (
                    <div className="field-hint" data-testid="model-token-latency">
                      {m.ttftMs !== null ? `first token ${formatMs(m.ttftMs)}, ` : ""}
                      {m.msPerOutputToken.toFixed(1)} ms/token
                    </div>
                  ) : null}
                </td>
                <td className="num">{formatRate(m.errorRate, m.callCount)}</td>
                <td className="num">{formatRate(m.timeoutRate, m.callCount)}</td>
                <td className="col-last-error">
                  {m.lastError ? (
                    <span title={m.lastError}>
                      <span className="test-error">{m.lastError}</span>
                      <span className="muted"> · {formatDateTime(m.lastErrorAt)}</span>
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  <EnabledToggle
                    name={m.displayName}
                    testId="model-enabled"
                    checked={m.enabled}
                    disabled={!manage || (update.isPending && update.variables?.id === m.id)}
                    onToggle={(enabled) => update.mutate({ id: m.id, enabled })}
                  />
                </td>
                {manage ? (
                  <td className="actions-col">
                    <RowDangerButton
                      testId="model-delete"
                      disabled={remove.isPending && remove.variables?.id === m.id}
                      onClick={async () => {
                        const ok = await confirm({
                          title: `Delete the model ${m.displayName}?`,
                          description: "Routing stops using it. Its past usage stays in the ledger.",
                          confirmLabel: "Delete model",
                          destructive: true,
                        });
                        if (ok) remove.mutate({ id: m.id });
                      }}
                    >
                      Delete
                    </RowDangerButton>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
      <LoadMore list={models} testId="models-load-more" />
    </Card>
  );
}
