"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { BrainIcon, PinIcon, PinOffIcon } from "lucide-react";
import { createContext, type FormEvent, useContext, useEffect, useMemo, useState } from "react";
import { toast } from "sonner";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { type DataTableColumn, DataTable, dataTableColumns } from "@/components/ui/data-table";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { nextPageParam, useAllPages, usePagedList } from "@/components/ui/paged-list";
import { RowDangerButton } from "@/components/ui/table";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { listMemoriesInputSchema, MEMORY_KINDS, MEMORY_SCOPE_TYPES, type MemoryKind, type MemoryOutput, type MemoryScopeType } from "@/lib/schemas/memory";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { num, scopeLabel } from "./memory-format";
import { EditMemoryForm } from "./memory-form";
import { type CreatorName, Provenance } from "./memory-provenance";

export const MEMORY_PAGE_SIZE = 25;

/** Names the creator of a memory: "you", a member's email (with members:read), an API key by its id. */
function useCreatorName(): CreatorName {
  const trpc = useTRPC();
  const { can, user } = useWorkspace();
  const members = useInfiniteQuery({ ...trpc.members.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam }), enabled: can("members:read") });
  useAllPages(members); // fetches every page
  return useMemo(() => {
    const emails = new Map((members.data?.pages ?? []).flatMap((p) => p.items).map((m) => [m.userId, m.email]));
    return ({ createdByType, createdById }) => {
      if (createdByType === "user" && createdById) return createdById === user.id ? "you" : (emails.get(createdById) ?? createdById);
      if (createdByType === "api_key") return `API key ${createdById ?? ""}`.trim();
      return createdById ? `${createdByType} ${createdById}` : createdByType;
    };
  }, [members.data, user.id]);
}

/** The creator's name for the cells (the columns are module-level: a cell function that changes remounts its cell). */
const CreatorContext = createContext<CreatorName>(({ createdByType, createdById }) => createdById ?? createdByType);

function RowProvenance({ m }: { m: MemoryOutput }) {
  const { slug } = useWorkspace();
  return <Provenance memory={m} slug={slug} creator={useContext(CreatorContext)} />;
}

function Content({ m }: { m: MemoryOutput }) {
  return (
    <p className="line-clamp-3 max-w-md text-sm whitespace-pre-wrap break-words" title={m.content} data-testid="memory-content-text">
      {m.content}
    </p>
  );
}

function Scope({ m }: { m: MemoryOutput }) {
  return (
    <span className="grid gap-0.5" data-testid="memory-scope">
      <span>{m.scope.type}</span>
      {m.scope.id ? <code className="font-mono text-xs break-all text-muted-foreground">{m.scope.id}</code> : null}
    </span>
  );
}

const Pinned = ({ m }: { m: MemoryOutput }) =>
  m.pinned ? (
    <Badge tone="accent" testId="memory-pinned-badge">
      <PinIcon aria-hidden="true" />
      pinned
    </Badge>
  ) : (
    <span className="text-muted-foreground">—</span>
  );

/** Edit (content, importance, pinned) in a dialog. */
function EditButton({ memory }: { memory: MemoryOutput }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button size="sm" variant="outline" data-testid="memory-edit" onClick={() => setOpen(true)}>
        Edit
      </Button>
      <DialogContent className="max-h-[90svh] overflow-y-auto sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Edit memory</DialogTitle>
          <DialogDescription>
            {scopeLabel(memory.scope)} · {memory.kind}. Changed content is embedded again.
          </DialogDescription>
        </DialogHeader>
        {open ? <EditMemoryForm memory={memory} onSaved={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}

/** Edit, pin or unpin (memory:write) and delete after a confirm (memory:delete); nothing for a role without them. */
function MemoryActions({ memory }: { memory: MemoryOutput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { can } = useWorkspace();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.memories.pathKey() });
  const pin = useMutation(
    trpc.memories.update.mutationOptions({
      onSuccess: (m) => toast.success(m.pinned ? "Pinned" : "Unpinned"),
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: invalidate,
    }),
  );
  const remove = useMutation(
    trpc.memories.delete.mutationOptions({
      onSuccess: () => toast.success("Memory deleted"),
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: invalidate,
    }),
  );
  const write = can("memory:write");
  const del = can("memory:delete");
  if (!write && !del) return null;
  return (
    <div className="flex flex-wrap items-center justify-end gap-1">
      {write ? (
        <>
          <EditButton memory={memory} />
          <Button
            size="sm"
            variant="ghost"
            data-testid="memory-pin"
            disabled={pin.isPending}
            onClick={() => pin.mutate({ memoryId: memory.id, pinned: !memory.pinned })}
          >
            {memory.pinned ? <PinOffIcon aria-hidden="true" /> : <PinIcon aria-hidden="true" />}
            {memory.pinned ? "Unpin" : "Pin"}
          </Button>
        </>
      ) : null}
      {del ? (
        <RowDangerButton
          testId="memory-delete"
          disabled={remove.isPending}
          onClick={async () => {
            const ok = await confirm({
              title: "Delete this memory?",
              description: `“${memory.content.length > 120 ? `${memory.content.slice(0, 120)}…` : memory.content}” is gone from recall at once. This cannot be undone.`,
              confirmLabel: "Delete memory",
              destructive: true,
            });
            if (ok) remove.mutate({ memoryId: memory.id });
          }}
        >
          Delete
        </RowDangerButton>
      ) : null}
    </div>
  );
}

const col = dataTableColumns<MemoryOutput>();
const COLUMNS: DataTableColumn<MemoryOutput>[] = [
  col.accessor("content", { header: "Content", enableSorting: false, cell: (c) => <Content m={c.row.original} /> }),
  col.accessor((m) => scopeLabel(m.scope), { id: "scope", header: "Scope", cell: (c) => <Scope m={c.row.original} /> }),
  col.accessor("kind", { header: "Kind" }),
  col.accessor("importance", { header: "Importance", cell: (c) => <span data-testid="memory-importance-value">{c.getValue().toFixed(2)}</span> }),
  col.accessor("pinned", { header: "Pinned", cell: (c) => <Pinned m={c.row.original} /> }),
  col.accessor("createdAt", { id: "provenance", header: "Provenance", sortFn: "datetime", cell: (c) => <RowProvenance m={c.row.original} /> }),
];
const COLUMNS_WITH_ACTIONS: DataTableColumn<MemoryOutput>[] = [
  ...COLUMNS,
  col.display({
    id: "actions",
    enableHiding: false,
    header: () => <span className="sr-only">Actions</span>,
    cell: (c) => <MemoryActions memory={c.row.original} />,
  }),
];

/** A memory on a phone: content, scope, kind, importance, pinned, provenance, actions. */
function MemoryCard({ m }: { m: MemoryOutput }) {
  return (
    <div className="grid gap-2 text-sm">
      <Content m={m} />
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <Badge tone="info">{scopeLabel(m.scope)}</Badge>
        <Badge tone="neutral">{m.kind}</Badge>
        <span>importance {num(m.importance, 2)}</span>
        {m.pinned ? <Pinned m={m} /> : null}
      </div>
      <RowProvenance m={m} />
      <MemoryActions memory={m} />
    </div>
  );
}

/** A filter's select: every value, or one of `options`. */
function FilterSelect<T extends string>({
  id,
  label,
  all,
  options,
  value,
  onChange,
}: {
  id: string;
  label: string;
  all: string;
  options: readonly T[];
  value: T | "";
  onChange: (value: T | "") => void;
}) {
  return (
    <div className="grid gap-1">
      <Label htmlFor={id}>{label}</Label>
      <select id={id} data-testid={id} className={`${SELECT_CLASS} w-40`} value={value} onChange={(e) => onChange(e.target.value as T | "")}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

const scopeIdFilter = listMemoriesInputSchema.shape.scopeId;

/** The workspace's memories, newest first, by scope (and its id) and kind, a page at a time. */
export function MemoryList() {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const [scopeType, setScopeType] = useState<MemoryScopeType | "">("");
  const [kind, setKind] = useState<MemoryKind | "">("");
  const [idDraft, setIdDraft] = useState("");
  const [scopeId, setScopeId] = useState("");
  const idProblem = idDraft.trim() === "" ? null : (scopeIdFilter.safeParse(idDraft).error?.issues[0]?.message ?? null);

  // filter by id as you type, a moment after the last keystroke (an id the API would refuse is not sent)
  useEffect(() => {
    const timer = setTimeout(() => {
      if (!idProblem) setScopeId(idDraft.trim());
    }, 350);
    return () => clearTimeout(timer);
  }, [idDraft, idProblem]);

  const input = { limit: MEMORY_PAGE_SIZE, scopeType: scopeType || undefined, scopeId: scopeId || undefined, kind: kind || undefined };
  const list = usePagedList(useInfiniteQuery(trpc.memories.list.infiniteQueryOptions(input, { getNextPageParam: nextPageParam })));
  const creator = useCreatorName();
  const columns = can("memory:write") || can("memory:delete") ? COLUMNS_WITH_ACTIONS : COLUMNS;
  const filtered = Boolean(input.scopeType || input.scopeId || input.kind);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!idProblem) setScopeId(idDraft.trim());
  }
  function clear() {
    setScopeType("");
    setKind("");
    setIdDraft("");
    setScopeId("");
  }

  return (
    <div className="grid gap-4">
      {/* biome-ignore lint/a11y/useSemanticElements: the search landmark is the form itself (a <search> wrapper would change the layout) */}
      <form className="flex flex-wrap items-end gap-2" onSubmit={onSubmit} role="search" aria-label="Filter the memories">
        <FilterSelect id="memory-filter-scope" label="Scope" all="All scopes" options={MEMORY_SCOPE_TYPES} value={scopeType} onChange={setScopeType} />
        <div className="grid gap-1">
          <Label htmlFor="memory-filter-scope-id">Scope id</Label>
          <Input
            id="memory-filter-scope-id"
            data-testid="memory-filter-scope-id"
            className="w-56"
            placeholder="e.g. customer:42"
            maxLength={200}
            spellCheck={false}
            aria-invalid={idProblem ? true : undefined}
            aria-describedby={idProblem ? "memory-filter-scope-id-problem" : undefined}
            value={idDraft}
            onChange={(e) => setIdDraft(e.target.value)}
          />
        </div>
        <FilterSelect id="memory-filter-kind" label="Kind" all="All kinds" options={MEMORY_KINDS} value={kind} onChange={setKind} />
        <Button type="submit" variant="secondary" data-testid="memory-filter-submit">
          Filter
        </Button>
        {scopeType || kind || idDraft ? (
          <Button variant="ghost" data-testid="memory-filter-clear" onClick={clear}>
            Clear
          </Button>
        ) : null}
      </form>
      {idProblem ? (
        <p id="memory-filter-scope-id-problem" className="text-sm text-destructive" role="alert">
          {idProblem}
        </p>
      ) : null}
      <CreatorContext value={creator}>
        <DataTable
          {...list}
          columns={columns}
          caption="Memories"
          testId="memory-table"
          rowTestId="memory-row"
          rowAttributes={(m) => ({ "data-memory-id": m.id })}
          getRowId={(m) => m.id}
          mobileCard={(m) => <MemoryCard m={m} />}
          empty={
            <EmptyState
              icon={BrainIcon}
              testId="memory-empty"
              title={filtered ? "No memories match these filters." : "Nothing remembered yet."}
              text={
                filtered
                  ? "Change or clear the filters to see more."
                  : "Memories are what agents can recall: facts about customers, what happened in a run, notes for now. Add one with New memory, or through the API."
              }
              action={
                filtered ? (
                  <Button variant="outline" onClick={clear}>
                    Clear filters
                  </Button>
                ) : undefined
              }
            />
          }
        />
      </CreatorContext>
    </div>
  );
}
