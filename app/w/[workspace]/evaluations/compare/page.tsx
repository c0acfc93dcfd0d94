import type { Metadata } from "next";
import { ComparePage } from "@/components/evals/compare-page";

export const metadata: Metadata = { title: "Compare evaluations" };

export default async function Page({ searchParams }: { searchParams: Promise<{ dataset?: string }> }) {
  const { dataset } = await searchParams;
  return <ComparePage dataset={typeof dataset === "string" && dataset ? dataset : undefined} />;
}
