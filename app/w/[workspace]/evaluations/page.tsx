import type { Metadata } from "next";
import { EvaluationsPage } from "@/components/evals/evaluations-page";

export const metadata: Metadata = { title: "Evaluations" };

export default async function Page({ searchParams }: { searchParams: Promise<{ dataset?: string }> }) {
  const { dataset } = await searchParams;
  return <EvaluationsPage dataset={typeof dataset === "string" && dataset ? dataset : undefined} />;
}
