"use client";

import { BoxesIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import type { ModelOutput } from "@/lib/schemas/models";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { useActionError } from "@/components/ui/use-action-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ActionError } from "./action-error";
import { EnabledToggle } from "./enabled-toggle";
import { formatMs, formatPrice, formatRate, formatTokens, LocalityBadge, SimulatorBadge } from "./labels";

const col = dataTableColumns<ModelOutput>();
const MUTED = "text-muted-foreground";
const HINT = "text-xs text-muted-foreground";

/** Where a catalog fact comes from and its date, saying whether it was checked or only recorded that day. */
export function factSource(source: string | null, date: string | null, kind: ModelOutput["specsDateKind"]): string {
  if (!source) return "set in this workspace, or added before sources were kept";
  return `${source}, ${kind === "as_of" ? "as of" : "recorded on"} ${date}`;
}

/**
 * Retired (routing skips it unless pinned), deprecated (still served, going away) and reasoning models, with dates, and
 * the model's own timeouts where it has them.
 */
function LifecycleBadges({ model }: { model: ModelOutput }) {
  return (
    <div className="flex flex-wrap gap-1">
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
      {model.lifecycleSource ? (
        <span className={HINT} data-testid="model-lifecycle-source" title="Where the deprecation and retirement dates (or their absence) come from">
          lifecycle: {factSource(model.lifecycleSource, model.lifecycleAsOf, model.lifecycleDateKind)}
        </span>
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

/** Quality, editable in place: saved on blur or Enter when it changed and is valid. */
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
    <Input
      className="h-8 w-20"
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

  async function onDelete(m: ModelOutput) {
    const ok = await confirm({
      title: `Delete the model ${m.displayName}?`,
      description: "Routing stops using it. Its past usage stays in the ledger.",
      confirmLabel: "Delete model",
      destructive: true,
    });
    if (ok) remove.mutate({ id: m.id });
  }

  const updatingId = update.isPending ? update.variables?.id : undefined;
  const removingId = remove.isPending ? remove.variables?.id : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the cells read the latest state through these deps
  const columns = useMemo((): DataTableColumn<ModelOutput>[] => {
    const list: DataTableColumn<ModelOutput>[] = [
      col.accessor((m) => m.provider.name, {
        id: "provider",
        header: "Provider",
        cell: ({ row: { original: m } }) => (
          <div className="grid justify-items-start gap-1">
            <span className="font-medium">{m.provider.name}</span>
            <div className="flex flex-wrap gap-1">
              {m.isSimulator ? <SimulatorBadge /> : <LocalityBadge isLocal={m.provider.isLocal} />}
              {m.provider.enabled ? null : <Badge tone="neutral">provider disabled</Badge>}
            </div>
          </div>
        ),
      }),
      col.accessor("displayName", {
        header: "Model",
        cell: ({ row: { original: m } }) => (
          <div className="grid justify-items-start gap-1">
            <span className="font-medium">{m.displayName}</span>
            <code className="text-xs break-all text-muted-foreground">{m.modelId}</code>
            <LifecycleBadges model={m} />
          </div>
        ),
      }),
      col.accessor("inputPrice", {
        header: "In / out $/M",
        cell: ({ row: { original: m } }) => (
          <span
            className="whitespace-nowrap tabular-nums"
            title={`Cached input ${formatPrice(m.effectiveCacheReadPrice)}, cache write ${formatPrice(m.effectiveCacheWritePrice)}${m.cacheReadPrice === null && m.cacheWritePrice === null ? " (the provider's usual prompt-cache prices)" : ""}. ${m.priceSource ? `Source: ${m.priceSource}, as of ${m.priceAsOf}` : "Prices entered in this workspace"}`}
          >
            {formatPrice(m.inputPrice)} / {formatPrice(m.outputPrice)}
          </span>
        ),
      }),
      col.accessor("contextWindow", {
        header: "Context",
        cell: ({ row: { original: m } }) => (
          <div className="grid gap-1" title={`Context window and capabilities: ${factSource(m.specsSource, m.specsAsOf, m.specsDateKind)}`}>
            <span className="tabular-nums">{formatTokens(m.contextWindow)}</span>
            <span className={HINT} data-testid="model-specs-source">
              {m.specsSource ? `${m.specsDateKind === "as_of" ? "as of" : "recorded on"} ${m.specsAsOf}` : "set here"}
            </span>
          </div>
        ),
      }),
      col.accessor((m) => m.capabilities.join(", "), {
        id: "capabilities",
        header: "Capabilities",
        cell: ({ row: { original: m } }) =>
          m.capabilities.length === 0 ? (
            <span className={MUTED}>—</span>
          ) : (
            <div className="flex flex-wrap gap-1">
              {m.capabilities.map((c) => (
                <Badge key={c} tone="neutral">
                  {c}
                </Badge>
              ))}
            </div>
          ),
      }),
      col.accessor("quality", {
        header: "Quality",
        cell: ({ row: { original: m } }) => (
          <div className="grid gap-1">
            <QualityCell key={`${m.id}:${m.quality}`} model={m} editable={manage} onSave={(quality) => update.mutate({ id: m.id, quality })} />
            <div className={HINT} data-testid="model-quality-source">
              {m.qualitySource ? `${m.qualitySource}, as of ${m.qualityAsOf}` : "set in this workspace"}
            </div>

            {m.qualityObserved !== null ? (
              <div
                className={HINT}
                data-testid="model-quality-observed"
                title="What routing uses: this figure shrunk towards the judges' scores of its outputs"
              >
                observed {m.qualityObserved.toFixed(2)} (judges)
              </div>
            ) : null}
            {m.qualityObservedByTag.length > 0 ? (
              <div className={HINT} data-testid="model-quality-by-tag" title="Per task tag of the runs: what a run with that tag routes on">
                {m.qualityObservedByTag
                  .slice(0, 3)
                  .map((t) => `${t.tag} ${t.quality.toFixed(2)} (${t.outputs})`)
                  .join(" · ")}
                {m.qualityObservedByTag.length > 3 ? ` · +${m.qualityObservedByTag.length - 3} tags` : ""}
              </div>
            ) : null}
          </div>
        ),
      }),
      col.accessor((m) => m.latencyP50Ms ?? -1, {
        id: "latency",
        header: "p50 / p95",
        cell: ({ row: { original: m } }) => (
          <div className="whitespace-nowrap tabular-nums" title={`${m.callCount} calls observed`}>
            {formatMs(m.latencyP50Ms)} / {formatMs(m.latencyP95Ms)}
            {m.msPerOutputToken !== null ? (
              <div className={HINT} data-testid="model-token-latency">
                {m.ttftMs !== null ? `first token ${formatMs(m.ttftMs)}, ` : ""}
                {m.msPerOutputToken.toFixed(1)} ms/token
              </div>
            ) : null}
          </div>
        ),
      }),
      col.accessor("errorRate", {
        header: "Errors",
        cell: ({ row: { original: m } }) => <span className="tabular-nums">{formatRate(m.errorRate, m.callCount)}</span>,
      }),
      col.accessor("timeoutRate", {
        header: "Timeouts",
        cell: ({ row: { original: m } }) => <span className="tabular-nums">{formatRate(m.timeoutRate, m.callCount)}</span>,
      }),
      col.accessor((m) => m.lastErrorAt?.getTime() ?? -1, {
        id: "lastError",
        header: "Last error",
        cell: ({ row: { original: m } }) =>
          m.lastError ? (
            <div className="max-w-64 text-xs" title={m.lastError}>
              <span className="line-clamp-2 text-destructive">{m.lastError}</span>
              <span className={MUTED}>{formatDateTime(m.lastErrorAt)}</span>
            </div>
          ) : (
            <span className={MUTED}>—</span>
          ),
      }),
      col.accessor("enabled", {
        header: "Enabled",
        cell: ({ row: { original: m } }) => (
          <EnabledToggle
            name={m.displayName}
            testId="model-enabled"
            checked={m.enabled}
            disabled={!manage || updatingId === m.id}
            onToggle={(enabled) => update.mutate({ id: m.id, enabled })}
          />
        ),
      }),
    ];
    if (manage) {
      list.push(
        col.display({
          id: "actions",
          header: "Actions",
          enableHiding: false,
          cell: ({ row: { original: m } }) => (
            <div className="flex justify-end">
              <Button variant="destructive" size="sm" data-testid="model-delete" disabled={removingId === m.id} onClick={() => onDelete(m)}>
                Delete
              </Button>
            </div>
          ),
        }),
      );
    }
    return list;
  }, [manage, updatingId, removingId]);

  return (
    <div className="grid gap-3">
      <ActionError message={error} />
      <DataTable
        columns={columns}
        data={models.data}
        isPending={models.isPending}
        isError={models.isError}
        error={models.error}
        caption="Model catalog"
        testId="models-table"
        rowTestId="model-row"
        rowAttributes={(m) => ({ "data-model-id": m.modelId, "data-id": m.id, "data-enabled": m.enabled && m.provider.enabled ? "true" : "false" })}
        getRowId={(m) => m.id}
        initialHidden={["timeoutRate"]}
        className="[&_[data-enabled=false]]:text-muted-foreground"
        empty={<EmptyState icon={BoxesIcon} title="No models yet" text="Add a model of one of your providers to route calls to it." testId="model-empty" />}
        hasNextPage={models.hasNextPage}
        isFetchingNextPage={models.isFetchingNextPage}
        fetchNextPage={models.fetchNextPage}
      />
    </div>
  );
}
