// Types of scripts/theme.mjs for the page's TypeScript.
export const SOURCE: string;
export const THEMES: Record<string, { name: string; background: string }>;
export function buildStyle(theme: string): unknown;
export function legend(theme: string): [string, [string, string, string?][]][];
export function styleText(theme: string): string;
