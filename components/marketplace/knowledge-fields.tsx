"use client";

import { FileTextIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { useState } from "react";
import { useFieldArray, useFormContext } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { MAX_KNOWLEDGE_CHARS, MAX_PACKAGE_KNOWLEDGE, type MarketplacePackage, type PublishListingInput } from "@/lib/schemas/marketplace";
import type { PackageProblem } from "./package-problems";

type Knowledge = MarketplacePackage["knowledge"][number];
type Scope = Knowledge["scope"];

const scopeValue = (s: Scope) => (s.type === "workspace" ? "workspace" : `${s.type}:${s.slug}`);
const scopeOf = (value: string): Scope => {
  const [type, slug] = value.split(/:(.*)/s) as [string, string];
  return type === "agent" || type === "team" ? { type, slug } : { type: "workspace" };
};

/** A document as the form starts it. */
export const emptyDocument = (): Knowledge => ({ title: "", scope: { type: "workspace" }, format: "markdown", text: "" });

/** The document of a file picked in the browser: its text, its name as the title (when none yet), Markdown by extension. */
export async function documentFromFile(file: File, current: Knowledge): Promise<Knowledge | { error: string }> {
  if (!/\.(txt|md|markdown)$/i.test(file.name) && !/^text\//.test(file.type)) return { error: "Choose a .txt or .md file" };
  const text = await file.text();
  if (text.length > MAX_KNOWLEDGE_CHARS) return { error: `The file has ${text.length} characters; a document holds at most ${MAX_KNOWLEDGE_CHARS}` };
  const markdown = /\.(md|markdown)$/i.test(file.name) || file.type === "text/markdown";
  return {
    ...current,
    title: current.title.trim() ? current.title : file.name.replace(/\.[^.]+$/, "").slice(0, 200),
    format: markdown ? "markdown" : "text",
    text,
  };
}

/**
 * The publish form's "Bundled knowledge": documents the package carries, ingested into each installer's memory at
 * the scope named (the workspace, or one of the package's agents or teams). The scanner's problems in a document
 * (`knowledge.N.text`, from the preview) show on its field. Lives inside the publish form's <Form>.
 */
export function KnowledgeFields({
  agents,
  teams,
  problems,
}: {
  /** the package's agents and teams (slugs), from the preview */
  agents: string[];
  teams: string[];
  /** the preview's problems in the documents, by the form's index: `knowledge.<i>.<field>` */
  problems: PackageProblem[];
}) {
  const form = useFormContext<PublishListingInput>();
  const docs = useFieldArray({ control: form.control, name: "knowledge" });
  const [fileErrors, setFileErrors] = useState<Record<string, string>>({});
  return (
    <div className="grid gap-4" data-testid="publish-knowledge">
      <p className="text-sm text-muted-foreground">
        Optional: documents (text or Markdown) bundled with the package and added to each installer's memory. The scanner checks them like the rest.
      </p>
      {docs.fields.map((doc, i) => {
        const scope = form.watch(`knowledge.${i}.scope`) ?? { type: "workspace" };
        const problemsHere = problems.filter((p) => p.path.startsWith(`knowledge.${i}.`));
        const options = [
          ...agents.map((s) => `agent:${s}`),
          ...teams.map((s) => `team:${s}`),
          // kept when the source changed and no longer has it: the preview names the problem
          ...(scope.type !== "workspace" && !(scope.type === "agent" ? agents : teams).includes(scope.slug) ? [scopeValue(scope)] : []),
        ];
        return (
          <fieldset key={doc.id} className="grid gap-3 rounded-md border p-3" data-testid="knowledge-doc" data-index={i}>
            <div className="grid gap-3 sm:grid-cols-[1fr_12rem_8rem_auto] sm:items-end">
              <FormField
                control={form.control}
                name={`knowledge.${i}.title`}
                render={({ field }) => (
                  <FormItem>
                    <FormLabel>Title</FormLabel>
                    <FormControl>
                      <Input {...field} maxLength={200} data-testid="knowledge-title" />
                    </FormControl>
                    <FormMessage />
                  </FormItem>
                )}
              />
              <FormField
                control={form.control}
                name={`knowledge.${i}.scope`}
                render={({ field }) => (
                  <FormItem>
                    <FormLabel>Added to</FormLabel>
                    <FormControl>
                      <select
                        className={SELECT_CLASS}
                        value={scopeValue(field.value ?? { type: "workspace" })}
                        onChange={(e) => field.onChange(scopeOf(e.target.value))}
                        onBlur={field.onBlur}
                        data-testid="knowledge-scope"
                      >
                        <option value="workspace">The workspace</option>
                        {options.map((o) => (
                          <option key={o} value={o}>
                            {o.startsWith("agent:") ? `Agent ${o.slice(6)}` : `Team ${o.slice(5)}`}
                          </option>
                        ))}
                      </select>
                    </FormControl>
                    <FormMessage />
                    {problemsHere
                      .filter((p) => p.path.startsWith(`knowledge.${i}.scope`))
                      .map((p) => (
                        <p key={p.message} className="text-sm text-destructive" data-testid="knowledge-problem">
                          {p.message}
                        </p>
                      ))}
                  </FormItem>
                )}
              />
              <FormField
                control={form.control}
                name={`knowledge.${i}.format`}
                render={({ field }) => (
                  <FormItem>
                    <FormLabel>Format</FormLabel>
                    <FormControl>
                      <select {...field} className={SELECT_CLASS} data-testid="knowledge-format">
                        <option value="markdown">Markdown</option>
                        <option value="text">Text</option>
                      </select>
                    </FormControl>
                  </FormItem>
                )}
              />
              <Button type="button" variant="ghost" size="icon" aria-label="Remove the document" onClick={() => docs.remove(i)} data-testid="knowledge-remove">
                <Trash2Icon aria-hidden />
              </Button>
            </div>
            <FormField
              control={form.control}
              name={`knowledge.${i}.text`}
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Text</FormLabel>
                  <FormControl>
                    <Textarea {...field} maxLength={MAX_KNOWLEDGE_CHARS} className="min-h-24 font-mono text-xs" data-testid="knowledge-text" />
                  </FormControl>
                  <FormDescription className="flex flex-wrap items-center gap-2">
                    <FileTextIcon className="size-3.5" aria-hidden />
                    Paste it, or read it from a file:
                    <input
                      type="file"
                      accept=".txt,.md,.markdown,text/plain,text/markdown"
                      className="text-xs"
                      aria-label="Read the text from a .txt or .md file"
                      data-testid="knowledge-file"
                      onChange={async (e) => {
                        const file = e.target.files?.[0];
                        e.target.value = "";
                        if (!file) return;
                        const read = await documentFromFile(file, form.getValues(`knowledge.${i}`) ?? emptyDocument());
                        setFileErrors((errors) => ({ ...errors, [doc.id]: "error" in read ? read.error : "" }));
                        if (!("error" in read)) {
                          form.setValue(`knowledge.${i}.title`, read.title, { shouldDirty: true });
                          form.setValue(`knowledge.${i}.format`, read.format, { shouldDirty: true });
                          form.setValue(`knowledge.${i}.text`, read.text, { shouldDirty: true, shouldValidate: true });
                        }
                      }}
                    />
                  </FormDescription>
                  {fileErrors[doc.id] ? (
                    <p className="text-sm text-destructive" data-testid="knowledge-file-error">
                      {fileErrors[doc.id]}
                    </p>
                  ) : null}
                  <FormMessage />
                  {problemsHere
                    .filter((p) => !p.path.startsWith(`knowledge.${i}.scope`))
                    .map((p) => (
                      <p key={`${p.path}:${p.message}`} className="text-sm text-destructive" data-testid="knowledge-problem">
                        {p.message}
                      </p>
                    ))}
                </FormItem>
              )}
            />
          </fieldset>
        );
      })}
      {docs.fields.length < MAX_PACKAGE_KNOWLEDGE ? (
        <div>
          <Button type="button" variant="outline" size="sm" onClick={() => docs.append(emptyDocument())} data-testid="knowledge-add">
            <PlusIcon aria-hidden />
            Add a document
          </Button>
        </div>
      ) : null}
    </div>
  );
}
