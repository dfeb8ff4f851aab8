/** Types for guide.mjs (the runnable steps of docs/getting-started.md). */
export type GuideStep =
  | { readonly kind: "sh"; readonly text: string; readonly lines: number }
  | { readonly kind: "file"; readonly file: string; readonly text: string };

export function guideSteps(markdown: string): GuideStep[];
