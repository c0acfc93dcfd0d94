"use client";

import { useEffect, useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import {
  applyServerErrors,
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  useZodForm,
} from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Loading } from "@/components/ui/loading";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import {
  type MarketplacePackage,
  packageKnowledgeSchema,
  type PermissionManifest,
  type PublishListingInput,
  publishListingInputSchema,
} from "@/lib/schemas/marketplace";
import { KnowledgeFields } from "./knowledge-fields";
import { ListingDetailsFields } from "./listing-details-fields";
import { ManifestView } from "./manifest-view";
import { PackageContents, type PackageProblem, PackageProblems } from "./package-problems";

export interface PublishSource {
  kind: "agent" | "team";
  ref: string;
}

export interface PublishPreview {
  package: MarketplacePackage;
  manifest: PermissionManifest;
  problems: PackageProblem[];
}

export type PackageKnowledge = MarketplacePackage["knowledge"][number];

/** How long the bundled documents stay unchanged before they are previewed again */
const KNOWLEDGE_PREVIEW_DELAY_MS = 400;

/** The documents complete enough to preview, and the form's index of each (the preview's paths count only these). */
export function previewableKnowledge(docs: readonly unknown[] | undefined): { docs: PackageKnowledge[]; indexes: number[] } {
  const out: { docs: PackageKnowledge[]; indexes: number[] } = { docs: [], indexes: [] };
  (docs ?? []).forEach((doc, i) => {
    const parsed = packageKnowledgeSchema.safeParse(doc);
    if (parsed.success) {
      out.docs.push(parsed.data);
      out.indexes.push(i);
    }
  });
  return out;
}

/** "knowledge.1.text" of the preview (its 2nd document) as the form's path of that document. */
function toFormPath(path: string, indexes: readonly number[]): string | undefined {
  const m = /^knowledge[.[](\d+)\]?(.*)$/.exec(path);
  if (!m) return undefined;
  const index = indexes[Number(m[1])];
  return index === undefined ? undefined : `knowledge.${index}${m[2]}`;
}

export interface SourceOption {
  id: string;
  slug: string;
  name: string;
}

const slugOf = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);

/**
 * Publishing an agent or a team: pick it, see the package Cadre builds and its manifest (with what the scan refuses,
 * by field), then the listing's details and the changelog. The preview and the publishing are the caller's.
 */
export function PublishForm({
  agents,
  teams,
  onSourceChange,
  onKnowledgeChange,
  preview,
  previewPending,
  previewError,
  previewIssues = [],
  onPublish,
}: {
  agents: SourceOption[];
  teams: SourceOption[];
  /** the source picked: the caller previews it */
  onSourceChange: (source: PublishSource | null) => void;
  /** the bundled documents complete enough to preview (after typing pauses): the caller previews them with the source */
  onKnowledgeChange?: (knowledge: PackageKnowledge[]) => void;
  preview: PublishPreview | undefined;
  previewPending: boolean;
  previewError?: string | null;
  /** the failed preview's issues by path (a document's scope the package lacks: `knowledge.N.scope.slug`) */
  previewIssues?: PackageProblem[];
  /** rejects with the server's error, put on the fields */
  onPublish: (input: PublishListingInput) => Promise<unknown>;
}) {
  const form = useZodForm(publishListingInputSchema, {
    defaultValues: {
      source: { kind: "agent", ref: "" },
      slug: "",
      name: "",
      summary: "",
      description: "",
      category: "other",
      tags: [],
      icon: "",
      visibility: "public",
      changelog: "First version",
      knowledge: [],
    },
  });
  const source = form.watch("source");
  const knowledge = form.watch("knowledge");
  const previewable = previewableKnowledge(knowledge);
  const previewKey = JSON.stringify(previewable.docs);
  // the form's index of each document of the last preview asked for (documents not yet complete are left out of it)
  const [previewIndexes, setPreviewIndexes] = useState<number[]>([]);
  const indexesKey = previewable.indexes.join(",");
  useEffect(() => {
    if (!onKnowledgeChange) return;
    const timer = setTimeout(() => {
      setPreviewIndexes(indexesKey ? indexesKey.split(",").map(Number) : []);
      onKnowledgeChange(JSON.parse(previewKey) as PackageKnowledge[]);
    }, KNOWLEDGE_PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [previewKey, indexesKey, onKnowledgeChange]);
  const knowledgeProblems = useMemo(
    () =>
      [...(preview?.problems ?? []), ...previewIssues].flatMap((p) => {
        const path = toFormPath(p.path, previewIndexes);
        return path ? [{ path, message: p.message }] : [];
      }),
    [preview, previewIssues, previewIndexes],
  );
  const blocked = (preview?.problems.length ?? 0) > 0;
  const pick = (value: string) => {
    const [kind, ref] = value.split(/:(.*)/s) as ["agent" | "team" | "", string];
    const next = kind ? { kind, ref } : { kind: "agent" as const, ref: "" };
    form.setValue("source", next, { shouldValidate: form.formState.isSubmitted });
    const option = (kind === "team" ? teams : agents).find((o) => o.slug === ref);
    if (option && !form.getValues("name")) form.setValue("name", option.name);
    if (option && !form.getValues("slug")) form.setValue("slug", slugOf(option.slug));
    onSourceChange(kind ? next : null);
  };
  return (
    <Form {...form}>
      <form
        className="grid gap-6"
        noValidate
        data-testid="publish-form"
        onSubmit={form.handleSubmit(async (v) => {
          try {
            await onPublish(v);
          } catch (error) {
            // the package's documents are the form's (all are sent); a missing scope's slug shows on the scope
            applyServerErrors(form, error, (path) => (/^knowledge\.\d+\.scope\./.test(path) ? path.replace(/\.scope\..*$/, ".scope") : undefined));
          }
        })}
      >
        <Card title="1. What to publish" testId="publish-source-card">
          <div className="grid gap-4">
            <FormField
              control={form.control}
              name="source.ref"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Agent or team</FormLabel>
                  <FormControl>
                    <select
                      className={SELECT_CLASS}
                      value={field.value ? `${source.kind}:${field.value}` : ""}
                      onChange={(e) => pick(e.target.value)}
                      onBlur={field.onBlur}
                      data-testid="publish-source"
                    >
                      <option value="">Choose an agent or a team…</option>
                      <optgroup label="Agents">
                        {agents.map((a) => (
                          <option key={a.id} value={`agent:${a.slug}`}>
                            {a.name} ({a.slug})
                          </option>
                        ))}
                      </optgroup>
                      <optgroup label="Teams">
                        {teams.map((t) => (
                          <option key={t.id} value={`team:${t.slug}`}>
                            {t.name} ({t.slug})
                          </option>
                        ))}
                      </optgroup>
                    </select>
                  </FormControl>
                  <FormDescription>
                    Cadre packages its current version (with a team's agents, their tools and memory policy); later edits change nothing until you publish a new
                    version.
                  </FormDescription>
                  <FormMessage />
                </FormItem>
              )}
            />
            {previewPending ? <Loading label="Building the package…" /> : null}
            {previewError ? (
              <p className="text-sm text-destructive" role="alert" data-testid="publish-preview-error">
                {previewError}
              </p>
            ) : null}
            {preview ? (
              <div className="grid gap-4" data-testid="publish-preview">
                <PackageProblems problems={preview.problems} pkg={preview.package} />
                <PackageContents pkg={preview.package} />
                <ManifestView manifest={preview.manifest} />
              </div>
            ) : null}
          </div>
        </Card>

        <Card
          title="2. Bundled knowledge (optional)"
          description="Documents installed into the installers' memory with the package."
          testId="publish-knowledge-card"
        >
          <KnowledgeFields
            agents={preview?.package.agents.map((a) => a.slug) ?? []}
            teams={preview?.package.teams.map((t) => t.slug) ?? []}
            problems={knowledgeProblems}
          />
        </Card>

        <Card title="3. The listing" testId="publish-details-card">
          <div className="grid gap-4">
            <ListingDetailsFields
              control={form.control}
              testIdPrefix="publish"
              besideName={
                <FormField
                  control={form.control}
                  name="slug"
                  render={({ field }) => (
                    <FormItem>
                      <FormLabel>Slug</FormLabel>
                      <FormControl>
                        <Input {...field} maxLength={63} className="font-mono" data-testid="publish-slug" />
                      </FormControl>
                      <FormMessage />
                    </FormItem>
                  )}
                />
              }
            />
            <FormField
              control={form.control}
              name="changelog"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Changelog</FormLabel>
                  <FormControl>
                    <Textarea {...field} value={field.value ?? ""} maxLength={5_000} data-testid="publish-changelog" />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          </div>
        </Card>
        <FormRootError />
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={form.formState.isSubmitting || blocked} data-testid="publish-submit">
            {form.formState.isSubmitting ? "Publishing…" : "Publish"}
          </Button>
          {blocked ? <span className="text-sm text-destructive">Fix the problems above first.</span> : null}
        </div>
      </form>
    </Form>
  );
}
