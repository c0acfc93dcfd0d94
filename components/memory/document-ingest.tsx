"use client";

/**
 * Documents ingested into memory (issue 14), self-contained: paste text or upload a file (text, Markdown, HTML, PDF)
 * into a memory scope, follow each document's progress live (the list is polled while a document is queued or
 * processing), delete a document with its memories. Reads need memory:read, adding memory:write, deleting
 * memory:delete (the server checks them too).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FileTextIcon, Trash2Icon } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { formatDateTime } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { MEMORY_SCOPE_TYPES, type MemoryScopeType } from "@/lib/schemas/memory";
import { DOCUMENT_MAX_BYTES, type MemoryDocumentOutput, type MemoryDocumentStatus } from "@/lib/schemas/memory-documents";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

/** how often the list is read again while a document is queued or processing */
export const DOCUMENT_POLL_MS = 1_000;
const ACCEPT = ".txt,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf";

const STATUS_TONE: Record<MemoryDocumentStatus, BadgeTone> = { queued: "neutral", processing: "info", ready: "success", failed: "danger" };

/** A file's bytes as base64, in slices (a large file would overflow the argument list of one String.fromCharCode). */
async function fileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function Progress({ doc }: { doc: MemoryDocumentOutput }) {
  const { chunksDone, chunksTotal } = doc.progress;
  const percent = chunksTotal === 0 ? 0 : Math.round((chunksDone / chunksTotal) * 100);
  return (
    <div className="flex items-center gap-2">
      <div
        role="progressbar"
        aria-label={`Progress of ${doc.title}`}
        aria-valuemin={0}
        aria-valuemax={chunksTotal}
        aria-valuenow={chunksDone}
        className="h-1.5 w-32 overflow-hidden rounded-full bg-muted"
      >
        <div className="h-full bg-primary transition-[width]" style={{ width: `${percent}%` }} />
      </div>
      <span className="text-xs text-muted-foreground tabular-nums">
        {chunksDone} / {chunksTotal} chunks
      </span>
    </div>
  );
}

function AddDocument() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [mode, setMode] = useState<"paste" | "upload">("paste");
  const [scopeType, setScopeType] = useState<MemoryScopeType>("workspace");
  const [scopeId, setScopeId] = useState("");
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation(
    trpc.memoryDocuments.create.mutationOptions({
      onSuccess: (doc) => {
        toast.success(`"${doc.title}" is queued: ${doc.progress.chunksTotal} chunks to embed`);
        setText("");
        setTitle("");
        setFile(null);
      },
      onError: (e) => setProblem(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.memoryDocuments.list.queryKey() }),
    }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (scopeType !== "workspace" && !scopeId.trim()) return setProblem(`A ${scopeType} scope needs an id`);
    const scope = scopeType === "workspace" ? { type: scopeType } : { type: scopeType, id: scopeId.trim() };
    const common = { scope, ...(title.trim() ? { title: title.trim() } : {}) };
    if (mode === "paste") {
      if (!text.trim()) return setProblem("Paste the document's text");
      return create.mutate({ ...common, text });
    }
    if (!file) return setProblem("Choose a file");
    if (file.size > DOCUMENT_MAX_BYTES) return setProblem(`The file is larger than ${Math.round(DOCUMENT_MAX_BYTES / 1024 / 1024)} MB`);
    create.mutate({ ...common, contentBase64: await fileBase64(file), fileName: file.name, ...(file.type ? { mimeType: file.type } : {}) });
  };

  return (
    <form onSubmit={submit} className="flex flex-col gap-3 rounded-lg border p-4" aria-label="Add a document to memory">
      <fieldset className="flex gap-4 text-sm">
        <legend className="sr-only">How to add it</legend>
        {(["paste", "upload"] as const).map((m) => (
          <label key={m} className="flex items-center gap-1.5">
            <input type="radio" name={`${id}-mode`} checked={mode === m} onChange={() => setMode(m)} />
            {m === "paste" ? "Paste text" : "Upload a file"}
          </label>
        ))}
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-scope`}>Scope</Label>
          <select id={`${id}-scope`} className={SELECT_CLASS} value={scopeType} onChange={(e) => setScopeType(e.target.value as MemoryScopeType)}>
            {MEMORY_SCOPE_TYPES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {scopeType !== "workspace" ? (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={`${id}-scope-id`}>Scope id</Label>
            <Input id={`${id}-scope-id`} value={scopeId} onChange={(e) => setScopeId(e.target.value)} placeholder="e.g. customer:42" />
          </div>
        ) : null}
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-title`}>Title (optional)</Label>
          <Input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
      </div>
      {mode === "paste" ? (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-text`}>Text, Markdown or HTML</Label>
          <Textarea id={`${id}-text`} rows={6} value={text} onChange={(e) => setText(e.target.value)} />
        </div>
      ) : (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-file`}>File (PDF, text, Markdown or HTML)</Label>
          <Input id={`${id}-file`} type="file" accept={ACCEPT} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
      )}
      {problem ? (
        <p className="text-sm text-destructive" data-testid="document-problem">
          {problem}
        </p>
      ) : null}
      <div>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add to memory"}
        </Button>
      </div>
    </form>
  );
}

function DeleteDocument({ doc }: { doc: MemoryDocumentOutput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const remove = useMutation(
    trpc.memoryDocuments.delete.mutationOptions({
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.memoryDocuments.list.queryKey() }),
    }),
  );
  return (
    <Button
      size="sm"
      variant="ghost"
      aria-label={`Delete ${doc.title}`}
      className="text-destructive hover:bg-destructive/10 hover:text-destructive"
      disabled={remove.isPending}
      onClick={async () => {
        const ok = await confirm({
          title: `Delete "${doc.title}"?`,
          description: "Its memories are deleted with it: recall no longer finds them.",
          confirmLabel: "Delete document",
          destructive: true,
        });
        if (ok) remove.mutate({ documentId: doc.id });
      }}
    >
      <Trash2Icon aria-hidden />
    </Button>
  );
}

function DocumentList() {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const list = useQuery({
    ...trpc.memoryDocuments.list.queryOptions({ limit: 50 }),
    refetchInterval: (query) => (query.state.data?.items.some((d) => d.status === "queued" || d.status === "processing") ? DOCUMENT_POLL_MS : false),
  });
  if (list.isPending) return <p className="text-sm text-muted-foreground">Loading documents…</p>;
  if (list.isError) return <p className="text-sm text-destructive">{errorMessage(list.error)}</p>;
  if (list.data.items.length === 0) return <p className="text-sm text-muted-foreground">No documents yet.</p>;
  return (
    <ul className="flex flex-col divide-y rounded-lg border" aria-label="Memory documents">
      {list.data.items.map((doc) => (
        <li key={doc.id} className="flex flex-wrap items-center gap-3 p-3" data-testid="memory-document" data-document-id={doc.id} data-status={doc.status}>
          <FileTextIcon aria-hidden className="size-4 text-muted-foreground" />
          <div className="flex min-w-0 flex-1 flex-col">
            <span className="truncate font-medium">{doc.title}</span>
            <span className="text-xs text-muted-foreground">
              {doc.mimeType} · {doc.scope.id ? `${doc.scope.type} ${doc.scope.id}` : doc.scope.type} · {formatDateTime(doc.createdAt)}
            </span>
            {doc.error ? <span className="text-xs text-destructive">{doc.error}</span> : null}
          </div>
          <Progress doc={doc} />
          <Badge tone={STATUS_TONE[doc.status]}>{doc.status}</Badge>
          {can("memory:delete") ? <DeleteDocument doc={doc} /> : null}
        </li>
      ))}
    </ul>
  );
}

export function DocumentIngest({ workspace }: { workspace: string }) {
  const { can } = useWorkspace();
  return (
    <section className="flex flex-col gap-4" aria-label="Documents" data-workspace={workspace}>
      {can("memory:write") ? <AddDocument /> : null}
      {can("memory:read") ? <DocumentList /> : <p className="text-sm text-muted-foreground">Your role cannot see the memory documents.</p>}
    </section>
  );
}
