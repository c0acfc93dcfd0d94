import type { Metadata } from "next";
import { EvaluationDetailPage } from "@/components/evals/evaluations-page";

export const metadata: Metadata = { title: "Evaluation" };

export default async function Page({ params }: { params: Promise<{ evaluation: string }> }) {
  const { evaluation } = await params;
  return <EvaluationDetailPage evaluation={decodeURIComponent(evaluation)} />;
}
